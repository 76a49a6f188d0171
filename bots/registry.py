"""Finding strategies: built-ins, the ``accord.delegations`` entry-point group,
or ``module:Class``."""

from __future__ import annotations

import difflib
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
    if not module_name or not attr:
        raise UnknownStrategy(f"{path!r}: give module:Class, e.g. mybot:MyBot")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise UnknownStrategy(
                f"no module {exc.name!r} to import {path!r} from (run from the folder that"
                " holds it, or put that folder on PYTHONPATH)"
            ) from None
        raise UnknownStrategy(f"importing {module_name!r} failed: {exc}") from None
    except Exception as exc:  # the module's own code raised: say where
        raise UnknownStrategy(
            f"importing {module_name!r} raised {type(exc).__name__}: {exc}"
        ) from exc
    found = getattr(module, attr, None)
    if found is None:
        classes = sorted(
            name
            for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, Delegation) and value is not Delegation
        )
        close = difflib.get_close_matches(attr, classes, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        listed = f" (its Delegation classes: {', '.join(classes)})" if classes else ""
        raise UnknownStrategy(f"module {module_name!r} has no {attr!r}{hint}{listed}")
    if not (isinstance(found, type) and issubclass(found, Delegation)):
        what = "a class" if isinstance(found, type) else f"a {type(found).__name__}"
        raise UnknownStrategy(
            f"{path!r} is {what}, not a Delegation class (subclass accord.bots.Delegation)"
        )
    return found


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


NEGMAS_PREFIX = "negmas:"


def _negmas(name: str) -> type[Delegation]:
    from accord.bots import negmas_bridge

    try:
        return negmas_bridge.delegation_for(name)
    except (LookupError, ModuleNotFoundError) as exc:
        raise UnknownStrategy(f"{NEGMAS_PREFIX}{name}: {exc}") from None


def load(spec: str) -> type[Delegation]:
    """A strategy class from a built-in or plugin name, ``module:Class``, or
    ``negmas:ClassName`` (a NegMAS negotiator, see :mod:`accord.bots.negmas_bridge`)."""

    if spec.startswith(NEGMAS_PREFIX):
        return _negmas(spec[len(NEGMAS_PREFIX) :])
    if ":" in spec:
        return _import(spec)
    path = available().get(spec)
    if path is None:
        names = sorted(available())
        close = difflib.get_close_matches(spec, names, n=3)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise UnknownStrategy(
            f"no strategy {spec!r}; {hint}(known: {', '.join(names)}; or give module:Class)"
        )
    return _import(path)
