"""Read-only containers for what many readers share.

The engine's events and scenarios are handed to every seat of an in-process
talk and kept in the room's log: a reader that could change them would change
what the others see and what the room recorded. Structs are frozen and their
sequences are tuples; their maps are :class:`FrozenDict`, a ``dict`` that
refuses every change (so msgspec encodes it as any dict).
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(dict[K, V]):
    """A ``dict`` that cannot be changed after it is made; ``dict(d)`` gives a mutable copy."""

    __slots__ = ()

    def _read_only(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("this mapping is read-only (dict(mapping) makes a copy to change)")

    __setitem__ = __delitem__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only
    __ior__ = _read_only  # type: ignore[assignment]

    def __copy__(self) -> FrozenDict[K, V]:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict[K, V]:
        return self

    def __reduce__(self) -> tuple[type, tuple[dict[K, V]]]:
        return (FrozenDict, (dict(self),))

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"


def frozen_dict(items: Any) -> FrozenDict[Any, Any]:
    """A FrozenDict of ``items`` (returned as is if it already is one)."""

    return items if type(items) is FrozenDict else FrozenDict(items)
