"""Finding strategies: built-ins, the ``accord.delegations`` entry-point group,
or ``module:Class``."""

from __future__ import annotations

import functools
import importlib
import sys
from importlib.metadata import entry_points

from accord.bots.sdk import Delegation

ENTRY_POINT_GROUP = "accord.delegations"

BUILTIN = {
    "random": "accord.bots.strategies.random:Random",
    "hardliner": "accord.bots.strategies.hardliner:Hardliner",
    "conceder": "accord.bots.strategies.conceder:Conceder",
    "tit-for-tat": "accord.bots.strategies.tit_for_tat:TitForTat",
    "coalition-builder": "accord.bots.strategies.coalition_builder:CoalitionBuilder",
    "free-rider": "accord.bots.strategies.free_rider:FreeRider",
    "inspector": "accord.bots.strategies.inspector:Inspector",
    "veto-player": "accord.bots.strategies.veto_player:VetoPlayer",
    "adaptive": "accord.bots.strategies.adaptive:Adaptive",
}
"""The built-in field: the strategies a line-up of every built-in draws from
(the reference talks, the tests that play each built-in)."""

BASES = {
    "time-dependent": "accord.bots.strategies.time_dependent:TimeDependent",
}
"""Built-in strategies with a parameter whose named variants are in
:data:`BUILTIN` (``conceder`` and ``hardliner`` are ``time-dependent`` at two
exponents). Loadable by name like any built-in, but not part of the field, so
a line-up of all built-ins plays each tactic once and keeps its seating."""


class UnknownStrategy(LookupError):
    """No strategy by that name, entry point or import path."""


def _import(path: str) -> type[Delegation]:
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownStrategy(f"cannot import {module_name!r}: {exc}") from None
    cls = getattr(module, attr, None)
    if not (isinstance(cls, type) and issubclass(cls, Delegation)):
        raise UnknownStrategy(f"{path!r} is not a Delegation class")
    return cls


def available() -> dict[str, str]:
    """Name → import path of every strategy: built-ins and bases, then installed plugins."""

    return dict(_scan(tuple(sys.path)))


@functools.lru_cache(maxsize=8)
def _scan(path: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    # scanning installed distributions is slow; it only changes with sys.path
    builtins = {**BUILTIN, **BASES}
    found = {name: spec for name, spec in builtins.items() if _importable(spec)}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep.value)
    return tuple(found.items())


def _importable(path: str) -> bool:
    try:
        _import(path)
    except UnknownStrategy:
        return False
    return True


def load(spec: str) -> type[Delegation]:
    """A strategy class from a built-in or plugin name, or ``module:Class``."""

    if ":" in spec:
        return _import(spec)
    path = available().get(spec)
    if path is None:
        known = ", ".join(sorted(available()))
        raise UnknownStrategy(f"no strategy {spec!r} (known: {known}; or give module:Class)")
    return _import(path)
