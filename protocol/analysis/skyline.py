"""Skylines: the points of a set that no other point dominates.

One level of the Pareto frontier (see :mod:`accord.protocol.analysis.pareto`)
is a skyline of candidate utility vectors, one coordinate per seat. A point
is dominated when another is at least as good for every seat and better *by
a margin* for one (:func:`dominates`); with a zero margin that is Pareto
dominance. The algorithm depends on the number of seats:

* one seat: the best utility, and whatever is within the margin of it;
* two seats: a sweep over the first seat, best first, with running maxima of
  the second;
* three seats: the same sweep, keeping a staircase of the other two seats;
* more: candidates sorted by utility sum and checked against the skyline
  found so far through per-seat bucket bitsets (Python ints used as bit
  vectors) and, for the newest members, bucket vectors packed into one int
  and compared all at once.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from functools import partial, reduce
from itertools import accumulate
from operator import add, and_, ge, getitem, or_

Vector = tuple[float, ...]
"""One utility per seat."""
Indices = tuple[int, ...]
"""One index per seat or per issue (buckets, options)."""

# Quantile buckets per seat in the skyline's bitset index.
_BUCKETS = 128  # at most 128: _Recent packs a bucket into 7 bits
# Frontier members collected before they are frozen into a bitset block.
_BLOCK = 64


def dominates(a: Vector, b: Vector, margin: float) -> bool:
    """``a >= b`` for every seat and ``a > b + margin`` for one."""

    if not all(map(ge, a, b)):
        return False
    if margin == 0.0:
        return a != b
    return any(x > y + margin for x, y in zip(a, b, strict=True))


def skyline(columns: list[list[float]], margin: float) -> list[int]:
    """Positions of the points that no other point dominates (see
    :func:`dominates`), ascending. Point ``q`` is ``column[q]`` of every column."""

    if len(columns[0]) <= 1:
        return list(range(len(columns[0])))
    if len(columns) == 1:
        top = max(columns[0])
        # One seat: only the best utility (by the margin) is undominated.
        return [q for q, u in enumerate(columns[0]) if not top > u + margin]
    if len(columns) == 2:
        return _skyline_2d(columns[0], columns[1], margin)
    if len(columns) == 3:
        return _skyline_3d(columns[0], columns[1], columns[2], margin)
    return _skyline_nd(list(zip(*columns, strict=True)), margin)


def _skyline_2d(first: list[float], second: list[float], margin: float) -> list[int]:
    # Two seats: sweep the points by the first seat, best first, with running
    # maxima of the second seat; each point then needs two pointers that only
    # move forward. (Ties on the first seat are never split by a pointer, so
    # their order does not matter.)
    count = len(first)
    order = sorted(range(count), key=first.__getitem__, reverse=True)
    firsts = [first[q] for q in order]
    seconds = [second[q] for q in order]
    running = list(accumulate(seconds, max))
    keep = bytearray(count)
    above = at_least = 0
    for q, u0, u1 in zip(order, firsts, seconds, strict=True):
        # Someone better by the margin for the first seat, no worse for the second?
        threshold = u0 + margin
        while above < count and firsts[above] > threshold:
            above += 1
        if above and running[above - 1] >= u1:
            continue
        # Someone no worse for the first seat, better by the margin for the second?
        while at_least < count and firsts[at_least] >= u0:
            at_least += 1
        if running[at_least - 1] > u1 + margin:
            continue
        keep[q] = 1
    return [q for q in range(count) if keep[q]]


class _Staircase:
    """Points in the plane, kept as their 2-D maxima, that answer "is some
    point at least (a, b)?" with one binary search.

    ``xs`` rises strictly while ``ys`` falls strictly; a point weakly
    dominated by a kept one is not kept (it can never answer a query that
    the kept one would not).
    """

    __slots__ = ("xs", "ys")

    def __init__(self) -> None:
        self.xs: list[float] = []
        self.ys: list[float] = []

    def covers(self, a: float, b: float) -> bool:
        k = bisect_left(self.xs, a)
        return k < len(self.xs) and self.ys[k] >= b

    def add(self, x: float, y: float) -> None:
        xs, ys = self.xs, self.ys
        k = bisect_left(xs, x)
        if k < len(xs) and ys[k] >= y:
            return
        # Now dominated: a kept point at the same x (its y is lower), and the
        # kept points left of x whose y' <= y (they sit just before k).
        end = k + 1 if k < len(xs) and xs[k] == x else k
        start = k
        while start and ys[start - 1] <= y:
            start -= 1
        xs[start:end] = [x]
        ys[start:end] = [y]


def _skyline_3d(
    first: list[float], second: list[float], third: list[float], margin: float
) -> list[int]:
    # Three seats: sweep by the first seat, best first, keeping the (second,
    # third) staircases of the points already passed. A point is dominated
    # when some point is better by the margin for one seat and no worse for
    # the others; one query per seat that might be the better one.
    count = len(first)
    order = sorted(range(count), key=first.__getitem__, reverse=True)
    above = _Staircase()  # points better than the current one by the margin for seat 0
    at_least = _Staircase()  # points at least as good for seat 0
    passed_above = passed_at_least = 0
    keep = bytearray(count)
    up = math.inf
    for q in order:
        u0, u1, u2 = first[q], second[q], third[q]
        threshold = u0 + margin
        while passed_above < count and first[order[passed_above]] > threshold:
            r = order[passed_above]
            above.add(second[r], third[r])
            passed_above += 1
        while passed_at_least < count and first[order[passed_at_least]] >= u0:
            r = order[passed_at_least]
            at_least.add(second[r], third[r])
            passed_at_least += 1
        if (
            above.covers(u1, u2)
            or at_least.covers(math.nextafter(u1 + margin, up), u2)
            or at_least.covers(u1, math.nextafter(u2 + margin, up))
        ):
            continue
        keep[q] = 1
    return [q for q in range(count) if keep[q]]


class _Block:
    """Frontier members frozen into per-seat bucket bitsets.

    ``ge[s][b]`` has bit ``k`` set when member ``k``'s bucket for seat ``s``
    is at least ``b``; a trailing zero stands for "past the last bucket".
    """

    __slots__ = ("members", "ge")

    def __init__(self, members: list[int], ge: list[list[int]]) -> None:
        self.members = members
        self.ge = ge

    def merge(self, other: _Block) -> _Block:
        shift = len(self.members)
        ge = [
            [mine | (theirs << shift) for mine, theirs in zip(a, b, strict=True)]
            for a, b in zip(self.ge, other.ge, strict=True)
        ]
        return _Block(self.members + other.members, ge)


class _Recent:
    """The newest frontier members, packed for SIMD-within-a-register tests.

    Member ``k``'s buckets fill slot ``k`` of one int, seat ``s``'s bucket in
    the slot's 8-bit field ``s`` (7 value bits under a guard bit), so one
    subtraction compares a candidate's buckets with every member's at once,
    and adding a member is a single OR.
    """

    __slots__ = ("members", "buckets", "packed", "_swar")

    def __init__(self, swar: _Swar) -> None:
        self.members: list[int] = []
        self.buckets: list[Indices] = []
        self.packed = 0
        self._swar = swar

    def add(self, member: int, bucket: Indices, packed: int) -> None:
        self.packed |= packed << (self._swar.slot * len(self.members))
        self.members.append(member)
        self.buckets.append(bucket)

    def maybe(self, packed: int) -> Iterator[int]:
        """Members whose bucket is at least the candidate's for every seat."""

        swar = self._swar
        if swar.seats >= 128:
            # The per-slot failure count would overflow its 8-bit field.
            yield from self.members
            return
        n = len(self.members)
        guard = swar.guard[n]
        # Per field (member + 128) - candidate >= 128 iff member >= candidate:
        # the guard bit survives exactly where the member is at least as good.
        failed = (((self.packed | guard) - packed * swar.repeat[n]) & guard) ^ guard
        # Multiplying sums each slot's failure flags into its top field.
        counts = ((failed >> 7) * swar.spread >> swar.top) & swar.low[n]
        good = ((counts + swar.sevens[n]) & swar.flags[n]) ^ swar.flags[n]
        slot = swar.slot
        while good:
            low = good & -good
            yield self.members[(low.bit_length() - 1) // slot]
            good ^= low

    def freeze(self) -> _Block:
        ge = []
        for s in range(self._swar.seats):
            exact = [0] * _BUCKETS
            for k, bucket in enumerate(self.buckets):
                exact[bucket[s]] |= 1 << k
            cumulative = list(accumulate(reversed(exact), or_))
            cumulative.reverse()
            cumulative.append(0)
            ge.append(cumulative)
        return _Block(self.members, ge)


class _Swar:
    """Constants of :class:`_Recent`'s packed layout for ``seats`` seats."""

    def __init__(self, seats: int) -> None:
        self.seats = seats
        self.slot = 8 * seats
        field_guards = sum(0x80 << (8 * s) for s in range(seats))
        self.spread = sum(1 << (8 * s) for s in range(seats))
        self.top = 8 * (seats - 1)
        self.repeat = [0]
        for n in range(_BLOCK):
            self.repeat.append(self.repeat[-1] | 1 << (self.slot * n))
        self.guard = [field_guards * r for r in self.repeat]
        self.low = [0xFF * r for r in self.repeat]
        self.sevens = [0x7F * r for r in self.repeat]
        self.flags = [0x80 * r for r in self.repeat]


def _skyline_nd(points: list[Vector], margin: float) -> list[int]:
    # A dominator has a sum at least as large (fsum is correctly rounded,
    # hence monotone) and a lexicographically larger vector, so in this order
    # every point's dominators come first and only earlier frontier members
    # need checking.
    order = sorted(
        range(len(points)), key=lambda q: (math.fsum(points[q]), points[q]), reverse=True
    )
    vectors = [points[q] for q in order]
    seats = len(vectors[0])
    # Per seat, quantile buckets: a higher bucket means a strictly higher
    # utility, and a higher utility never means a lower bucket.
    columns = []
    for column in zip(*vectors, strict=True):
        # Any bounds give exact answers; a strided sample's quantiles balance
        # the buckets well enough and sort far fewer numbers.
        ordered = sorted(column[:: max(1, len(column) // (64 * _BUCKETS))])
        bounds = [ordered[(j * len(ordered)) // _BUCKETS] for j in range(1, _BUCKETS)]
        columns.append(list(map(partial(bisect_right, bounds), column)))
    buckets: list[Indices] = list(zip(*columns, strict=True))
    above: list[Indices] = list(zip(*([b + 1 for b in c] for c in columns), strict=True))
    swar = _Swar(seats)
    packs = [0] * len(vectors)
    for s, column in enumerate(columns):
        packs = list(map(add, packs, [b << (8 * s) for b in column]))

    def dominated_in(members: list[int], maybe: int, sure: int, vector: Vector) -> bool:
        # ``maybe``: members in a bucket at least as high for every seat;
        # ``sure``: members in a strictly higher bucket for every seat.
        if sure:
            if margin == 0.0:
                return True
            low = sure & -sure
            if dominates(vectors[members[low.bit_length() - 1]], vector, margin):
                return True
        while maybe:
            low = maybe & -maybe
            if dominates(vectors[members[low.bit_length() - 1]], vector, margin):
                return True
            maybe ^= low
        return False

    blocks: list[_Block] = []  # sizes strictly decreasing: _BLOCK times powers of two
    recent = _Recent(swar)
    frontier: list[int] = []
    for index, vector in enumerate(vectors):
        bk = buckets[index]
        bk1 = above[index]
        dominated = False
        for block in blocks:
            maybe = reduce(and_, map(getitem, block.ge, bk))
            if maybe and dominated_in(
                block.members, maybe, reduce(and_, map(getitem, block.ge, bk1)), vector
            ):
                dominated = True
                break
        if dominated:
            continue
        packed = packs[index]
        if recent.members:
            for member in recent.maybe(packed):
                if dominates(vectors[member], vector, margin):
                    dominated = True
                    break
            if dominated:
                continue
        frontier.append(index)
        recent.add(index, bk, packed)
        if len(recent.members) == _BLOCK:
            block = recent.freeze()
            # Binary-counter merging keeps O(log n) blocks of doubling sizes.
            while blocks and len(blocks[-1].members) == len(block.members):
                block = blocks.pop().merge(block)
            blocks.append(block)
            recent = _Recent(swar)
    return sorted(order[k] for k in frontier)
