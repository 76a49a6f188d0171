"""Counting packages over the whole outcome space: votes, vetoes, passes.

For every package, each seat votes yes exactly when its utility beats its
reservation, and a veto holder vetoes when its utility is below its
reservation; :func:`count_votes` counts the packages that pass the decision
rule without a veto, those every seat votes for, and per seat those above its
reservation. The scan covers the whole space, but only as prefix sums over
all issues but the last (one list per seat). Because float addition is
monotone, "``prefix + x > reservation``" is "``prefix >= t``" for an exact
float threshold ``t`` per seat and last option (:func:`_least`), so the
per-package work is done by C-level ``map``/``bytes``/``int`` operations.
"""

from __future__ import annotations

import itertools
import math
import struct
from collections import Counter
from collections.abc import Callable, Iterator

import msgspec

from accord.protocol.commands import Vote
from accord.protocol.engine.rules import passes
from accord.protocol.scenario.model import Scenario

# Largest list of prefix sums built at once when scanning the whole space.
_CHUNK = 1 << 17


class Counts(msgspec.Struct, frozen=True):
    """What :func:`count_votes` finds; ``above`` has one count per seat."""

    passing: int
    all_yes: int
    above: list[int]


def count_votes(
    scenario: Scenario, rows: list[list[list[float]]], reservations: list[float]
) -> Counts:
    """Pass count, all-yes count and per-seat above-reservation counts, exactly."""

    seats = scenario.seats
    d = len(seats)
    rules = scenario.rules
    weights = {delegation.id: delegation.weight for delegation in scenario.delegations}
    vetoers = (
        [s for s, delegation in enumerate(scenario.delegations) if delegation.veto]
        if rules.vetoes
        else []
    )
    last = len(scenario.issues) - 1
    # yes iff prefix >= yes_at; veto iff prefix < veto_at (per seat, last option).
    yes_at = [
        [_least(lambda a, x=x, r=reservations[s]: a + x > r) for x in rows[s][last]]
        for s in range(d)
    ]
    veto_at = [
        [_least(lambda a, x=x, r=reservations[s]: a + x >= r) for x in rows[s][last]]
        for s in range(d)
    ]
    # Per package a code: bit s = seat s votes yes, bit d = some veto holder vetoes.
    planes = (d + 1 + 7) // 8
    counter: Counter[int] = Counter()
    for prefixes in _prefix_chunks([r[:last] for r in rows]):
        length = len(prefixes[0])
        for o in range(len(rows[0][last])):
            lanes = [0] * planes
            for s in range(d):
                bits = int.from_bytes(bytes(map(yes_at[s][o].__le__, prefixes[s])), "little")
                lanes[s // 8] |= bits << (s % 8)
            if vetoers:
                vetoed = 0
                for s in vetoers:
                    vetoed |= int.from_bytes(
                        bytes(map(veto_at[s][o].__gt__, prefixes[s])), "little"
                    )
                lanes[d // 8] |= vetoed << (d % 8)
            data = [lane.to_bytes(length, "little") for lane in lanes]
            if planes == 1:
                counter.update(data[0])
            else:
                for key, count in Counter(zip(*data, strict=True)).items():
                    code = 0
                    for p, byte in enumerate(key):
                        code |= byte << (8 * p)
                    counter[code] += count

    full = (1 << d) - 1
    passing = all_yes = 0
    above = [0] * d
    for code, count in counter.items():
        mask = code & full
        for s in range(d):
            if mask >> s & 1:
                above[s] += count
        if mask == full:
            all_yes += count
        if code >> d & 1:
            continue
        votes: dict[str, Vote | None] = {
            seat: "yes" if mask >> s & 1 else "no" for s, seat in enumerate(seats)
        }
        if passes(rules, weights, votes):
            passing += count
    return Counts(passing=passing, all_yes=all_yes, above=above)


def _prefix_chunks(rows: list[list[list[float]]]) -> Iterator[list[list[float]]]:
    """Per seat, the agenda-order float sums over the given issues, in chunks.

    Packages are enumerated with the last issue fastest; each chunk fixes the
    options of the leading ("head") issues, so no list exceeds ``_CHUNK``.
    """

    d = len(rows)
    sizes = [len(row) for row in rows[0]]
    head = len(sizes)
    body_size = 1
    while head and body_size * sizes[head - 1] <= _CHUNK:
        head -= 1
        body_size *= sizes[head]
    for combination in itertools.product(*(range(size) for size in sizes[:head])):
        chunk = []
        for s in range(d):
            total = 0.0
            for i, o in enumerate(combination):
                total += rows[s][i][o]
            sums = [total]
            for i in range(head, len(sizes)):
                row = rows[s][i]
                sums = [a + x for a in sums for x in row]
            chunk.append(sums)
        yield chunk


def _least(predicate: Callable[[float], bool]) -> float:
    """The least finite float ``a`` with ``predicate(a)``, for a monotone predicate.

    Binary search over the floats in order (their IEEE bit patterns, folded so
    that negative floats order correctly). ``inf`` if no finite float qualifies.
    """

    lo = _ordinal(-math.inf)  # predicate assumed false here
    hi = _ordinal(math.inf)
    if not predicate(_float(hi - 1)):
        return math.inf
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if predicate(_float(mid)):
            hi = mid
        else:
            lo = mid
    return _float(hi)


def _ordinal(value: float) -> int:
    bits = struct.unpack("<q", struct.pack("<d", value))[0]
    return bits if bits >= 0 else -(bits & 0x7FFF_FFFF_FFFF_FFFF)


def _float(ordinal: int) -> float:
    if ordinal >= 0:
        return struct.unpack("<d", struct.pack("<q", ordinal))[0]
    return struct.unpack("<d", struct.pack("<Q", -ordinal | 1 << 63))[0]
