"""Exact analysis of a scenario's outcome space (``accord scenario analyze``).

:func:`analyze` reports the size of the outcome space, the Pareto frontier,
the Nash bargaining point, the utilitarian optimum, how many packages pass
the decision rule under sincere voting without a veto, each seat's share of
packages above its reservation, and, for scenarios with an implementation
phase, which verification/enforcement regimes deter defection.

Everything is exact with respect to the utilities the engine computes: a
seat's utility of a package is the float sum of its weighted option values
added one issue at a time in agenda order (what
:class:`~accord.protocol.scenario.utility.UtilityFunction` returns on Python 3.11,
whose ``sum()`` adds floats left to right), and every comparison below is
made on those very floats. Pure Python, no I/O; spaces of
10^6 packages take seconds:

* The pass count scans the whole space, but only as prefix sums over all
  issues but the last (one list per seat). Because float addition is
  monotone, "``prefix + x > reservation``" is "``prefix >= t``" for an exact
  float threshold ``t`` per seat and last option, so the per-package work is
  done by C-level ``map``/``bytes``/``int`` operations.
* The Pareto frontier is built issue by issue: a package is Pareto-optimal
  only if each of its prefixes is Pareto-optimal among the prefixes over the
  same issues (utilities are additive, so a dominated prefix can be swapped
  for its dominator). Prefixes are pruned only when dominated by a *margin*
  larger than the rounding that the remaining additions could introduce, so
  the float result is exact. Seats with identical briefs count once. Each
  level is a skyline: for two or three seats a sweep over the first seat
  (running maxima, or a staircase of the other two); for more, candidates
  sorted by utility sum and checked against the frontier found so far
  through per-seat bucket bitsets (Python ints used as bit vectors) and, for
  the newest members, bucket vectors packed into one int and compared all
  at once.
* The Nash point and the utilitarian optimum maximise functions that are
  monotone in every seat's utility, so some maximiser lies on the frontier.
"""

from __future__ import annotations

import heapq
import itertools
import math
import struct
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from functools import partial, reduce
from itertools import accumulate
from operator import add, and_, ge, getitem, neg, or_

import msgspec

from accord.protocol.engine.rules import Vote, passes
from accord.protocol.scenario.model import Scenario
from accord.protocol.scenario.utility import (
    detection_probability,
    sanction_size,
    utility_functions,
)

__all__ = [
    "Analysis",
    "ImplementationReport",
    "Point",
    "Regime",
    "SeatReport",
    "analyze",
    "format_analysis",
]

Vector = tuple[float, ...]
Indices = tuple[int, ...]

# Largest list of prefix sums built at once when scanning the whole space.
_CHUNK = 1 << 17
# Quantile buckets per seat in the skyline's bitset index.
_BUCKETS = 128  # at most 128: _Recent packs a bucket into 7 bits
# Frontier members collected before they are frozen into a bitset block.
_BLOCK = 64


class _Struct(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class Point(_Struct, kw_only=True):
    """One package (issue id -> option id) and every seat's utility of it."""

    package: dict[str, str]
    utilities: dict[str, float]


class SeatReport(_Struct, kw_only=True):
    """One seat's position in the outcome space."""

    seat: str
    reservation: float
    best: float
    """Highest utility any package gives this seat."""
    worst: float
    """Lowest utility any package gives this seat."""
    above_reservation: int
    """Packages whose utility is strictly above the reservation."""
    share_above_reservation: float
    """``above_reservation`` as a share of the outcome space."""


class Regime(_Struct, kw_only=True):
    """One combination of options on the verification and enforcement issues."""

    options: dict[str, str]
    detection: float
    """Chance that one inspection detects a defection."""
    sanction: float
    """What a detected defection costs."""
    expected_sanction: float
    """``detection * sanction``: the expected cost of defecting when inspected once."""
    defection_pays: dict[str, bool]
    """Per seat: ``defect_gain + comply_cost > expected_sanction``."""
    self_enforcing: bool
    """Defecting pays for no seat."""


class ImplementationReport(_Struct, kw_only=True):
    """Deterrence under each regime, assuming one inspection per seat and period."""

    issues: tuple[str, ...]
    """The verification and enforcement issues that set detection or sanction."""
    temptation: dict[str, float]
    """Per seat: what one period of defection is worth (defect gain + comply cost)."""
    regime_count: int
    """Number of option combinations on ``issues``."""
    self_enforcing_count: int
    """Combinations under which defecting pays for no seat."""
    regimes: tuple[Regime, ...]
    """The combinations, in agenda order (at most ``max_regimes`` of them)."""


class Analysis(_Struct, kw_only=True):
    """What :func:`analyze` finds; encodable with ``msgspec.json.encode``."""

    scenario: str
    seats: tuple[str, ...]
    packages: int
    """Size of the outcome space (product of the issues' option counts)."""
    pareto_size: int
    """Packages on the Pareto frontier (packages with equal utility vectors count apart)."""
    pareto_sample: tuple[Point, ...]
    """A few frontier packages, highest utility sum first."""
    nash: Point | None
    """Maximises the product of gains over reservation among packages every seat
    weakly prefers to no deal; ``None`` if there is no such package."""
    nash_product: float | None
    utilitarian: Point
    """Maximises the sum of utilities (``math.fsum``, correctly rounded)."""
    utilitarian_sum: float
    passing: int
    """Packages that pass the decision rule when every seat votes yes exactly
    when its utility beats its reservation, and that no veto holder vetoes
    (a veto holder vetoes when its utility is below its reservation)."""
    acceptable_to_all: int
    """Packages that every seat strictly prefers to no deal."""
    seat_reports: tuple[SeatReport, ...]
    implementation: ImplementationReport | None = None


# --- entry point -------------------------------------------------------------------


def analyze(scenario: Scenario, *, sample: int = 5, max_regimes: int = 1024) -> Analysis:
    """Analyse ``scenario`` exactly (it must carry every seat's brief).

    ``sample`` bounds the frontier packages listed; ``max_regimes`` bounds the
    implementation regimes listed (all are counted).
    """

    functions = utility_functions(scenario)
    seats = scenario.seats
    # rows[s][i][o]: seat s's weighted value of option o on issue i.
    rows = [functions[seat].rows() for seat in seats]
    reservations = [functions[seat].reservation for seat in seats]
    issue_vectors = [
        [tuple(rows[s][i][o] for s in range(len(seats))) for o in range(len(issue.options))]
        for i, issue in enumerate(scenario.issues)
    ]

    frontier = _pareto(issue_vectors)
    counts = _count_votes(scenario, rows, reservations)
    vectors = frontier.vectors

    def point(k: int) -> Point:
        return Point(
            package={
                issue.id: issue.options[o]
                for issue, o in zip(scenario.issues, frontier.package(k), strict=True)
            },
            utilities=dict(zip(seats, vectors[k], strict=True)),
        )

    # The frontier comes in agenda order of packages and ties go to the first
    # package, so the answers do not depend on how the frontier was found.
    sums = list(map(math.fsum, vectors))
    best_sum = max(sums)
    utilitarian = sums.index(best_sum)
    nash: int | None = None
    best_product = -math.inf
    for k, vector in enumerate(vectors):
        if all(map(ge, vector, reservations)):
            product = 1.0
            for u, r in zip(vector, reservations, strict=True):
                product *= u - r
            if product > best_product:
                best_product, nash = product, k
    # Highest sum first; among equal vectors, the first package.
    top = [
        -negative
        for _, _, negative in heapq.nlargest(
            sample, zip(sums, vectors, map(neg, range(len(vectors))), strict=True)
        )
    ]

    total = scenario.outcome_count
    seat_reports = tuple(
        SeatReport(
            seat=seat,
            reservation=reservations[s],
            best=functions[seat].best(),
            worst=functions[seat].worst(),
            above_reservation=counts.above[s],
            share_above_reservation=counts.above[s] / total,
        )
        for s, seat in enumerate(seats)
    )
    return Analysis(
        scenario=scenario.id,
        seats=seats,
        packages=total,
        pareto_size=len(vectors),
        pareto_sample=tuple(point(k) for k in top),
        nash=None if nash is None else point(nash),
        nash_product=None if nash is None else best_product,
        utilitarian=point(utilitarian),
        utilitarian_sum=best_sum,
        passing=counts.passing,
        acceptable_to_all=counts.all_yes,
        seat_reports=seat_reports,
        implementation=_implementation(scenario, max_regimes),
    )


# --- Pareto frontier ---------------------------------------------------------------


class _Frontier:
    """The Pareto frontier: utility vectors in agenda order of packages, and
    what it takes to recover each package's option indices."""

    __slots__ = ("vectors", "_levels")

    def __init__(self, vectors: list[Vector], levels: list[tuple[list[int], list[int]]]) -> None:
        self.vectors = vectors
        # Per issue: (surviving candidate positions, kept option indices). A
        # candidate at position q extends survivor q // len(kept) of the
        # previous issue with option kept[q % len(kept)].
        self._levels = levels

    def package(self, k: int) -> Indices:
        """Option indices (one per issue) of the ``k``-th frontier package."""

        indices = []
        for survivors, kept in reversed(self._levels):
            q = survivors[k]
            k, o = divmod(q, len(kept))
            indices.append(kept[o])
        return tuple(reversed(indices))


def _pareto(issue_vectors: list[list[Vector]]) -> _Frontier:
    """Every Pareto-optimal package, in agenda order (last issue fastest)."""

    # Seats with identical weighted values have identical utilities: the
    # frontier only needs one of them (which keeps such scenarios in the
    # cheap two- and three-seat sweeps).
    representative: dict[tuple[tuple[float, ...], ...], int] = {}
    where = []
    for s in range(len(issue_vectors[0][0])):
        signature = tuple(tuple(vector[s] for vector in options) for options in issue_vectors)
        where.append(representative.setdefault(signature, len(representative)))
    if len(representative) < len(where):
        distinct = [where.index(k) for k in range(len(representative))]
        issue_vectors = [
            [tuple(vector[s] for s in distinct) for vector in options] for options in issue_vectors
        ]

    n = len(issue_vectors)
    seats = len(issue_vectors[0][0])
    # Every partial sum is at most the largest best-case utility; one
    # addition moves the gap between two partial sums by at most one ulp of it.
    bound = max(
        sum(max(vector[s] for vector in options) for options in issue_vectors) for s in range(seats)
    )
    unit = math.ulp(2.0 * max(1.0, bound))

    def margin(additions: int) -> float:
        # A gap larger than this survives ``additions`` more float additions
        # (the +1 absorbs the rounding of the margin test itself).
        return 0.0 if additions == 0 else (additions + 1) * unit

    # Options dominated on their own issue never appear on the frontier.
    kept = [
        [
            o
            for o, vector in enumerate(options)
            if not any(_dominates(other, vector, margin(n - i)) for other in options)
        ]
        for i, options in enumerate(issue_vectors)
    ]
    # Candidates are held column by column (one list of partial sums per
    # seat): building them is then plain float additions, no tuples.
    columns = [[issue_vectors[0][o][s] for o in kept[0]] for s in range(seats)]
    levels = []
    for i in range(n):
        if i:
            rows = [[issue_vectors[i][o][s] for o in kept[i]] for s in range(seats)]
            columns = [
                [a + x for a in column for x in row]
                for column, row in zip(columns, rows, strict=True)
            ]
        survivors = _skyline(columns, margin(n - 1 - i))
        levels.append((survivors, kept[i]))
        if len(survivors) < len(columns[0]):
            columns = [[column[q] for q in survivors] for column in columns]
    columns = [columns[k] for k in where]
    return _Frontier(list(zip(*columns, strict=True)), levels)


def _dominates(a: Vector, b: Vector, margin: float) -> bool:
    """``a >= b`` for every seat and ``a > b + margin`` for one."""

    if not all(map(ge, a, b)):
        return False
    if margin == 0.0:
        return a != b
    return any(x > y + margin for x, y in zip(a, b, strict=True))


def _skyline(columns: list[list[float]], margin: float) -> list[int]:
    """Positions of the points that no other point dominates (see
    :func:`_dominates`), ascending. Point ``q`` is ``column[q]`` of every column."""

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
            if _dominates(vectors[members[low.bit_length() - 1]], vector, margin):
                return True
        while maybe:
            low = maybe & -maybe
            if _dominates(vectors[members[low.bit_length() - 1]], vector, margin):
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
                if _dominates(vectors[member], vector, margin):
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


# --- counting over the whole space ------------------------------------------------------


class _Counts(msgspec.Struct, frozen=True):
    passing: int
    all_yes: int
    above: list[int]


def _count_votes(
    scenario: Scenario, rows: list[list[list[float]]], reservations: list[float]
) -> _Counts:
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
    return _Counts(passing=passing, all_yes=all_yes, above=above)


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


# --- implementation ---------------------------------------------------------------------


def _implementation(scenario: Scenario, max_regimes: int) -> ImplementationReport | None:
    impl = scenario.implementation
    if impl is None:
        return None
    issues = [
        issue
        for issue in scenario.issues
        if issue.id in impl.detection or issue.id in impl.sanction
    ]
    seats = scenario.seats
    temptation = {
        seat: impl.parties[seat].defect_gain + impl.parties[seat].comply_cost for seat in seats
    }
    regimes = []
    combinations = itertools.product(*(issue.options for issue in issues))
    for combination in itertools.islice(combinations, max_regimes):
        package = {issue.id: option for issue, option in zip(issues, combination, strict=True)}
        detection = float(detection_probability(scenario, package))
        sanction = float(sanction_size(scenario, package))
        expected = detection * sanction
        pays = {seat: temptation[seat] > expected for seat in seats}
        regimes.append(
            Regime(
                options=package,
                detection=detection,
                sanction=sanction,
                expected_sanction=expected,
                defection_pays=pays,
                self_enforcing=not any(pays.values()),
            )
        )

    # Count every combination without enumerating them all: detection depends
    # only on the verification issues and the sanction only on the
    # enforcement issues. Both lists repeat the arithmetic of
    # detection_probability and sanction_size (same order), so they are exact.
    misses = [1.0]
    for row in impl.detection.values():
        misses = [miss * (1.0 - q) for miss in misses for q in row]
    sanctions: list[float] = [0]  # type: ignore[list-item]  # like sum(): an int 0 start
    for row in impl.sanction.values():
        sanctions = [total + x for total in sanctions for x in row]
    sanctions.sort()
    worst = max(temptation.values())
    self_enforcing = 0
    for miss, count in Counter(misses).items():
        detection = 1.0 - miss
        # Expected sanction rises with the sanction: find the first that deters.
        lo, hi = 0, len(sanctions)
        while lo < hi:
            mid = (lo + hi) // 2
            if detection * sanctions[mid] >= worst:
                hi = mid
            else:
                lo = mid + 1
        self_enforcing += count * (len(sanctions) - lo)
    return ImplementationReport(
        issues=tuple(issue.id for issue in issues),
        temptation=temptation,
        regime_count=len(misses) * len(sanctions),
        self_enforcing_count=self_enforcing,
        regimes=tuple(regimes),
    )


# --- report ---------------------------------------------------------------------------


def format_analysis(analysis: Analysis, scenario: Scenario, *, max_regimes: int = 16) -> str:
    """A plain-text report of ``analysis`` (of ``scenario``) for the terminal.

    At most ``max_regimes`` implementation regimes are listed; the JSON form
    of the analysis has them all.
    """

    seats = analysis.seats
    total = analysis.packages
    lines = [
        f"{scenario.title} ({analysis.scenario})",
        "",
        f"Outcome space     {total:,} packages over {len(scenario.issues)} issues",
        f"Pareto frontier   {analysis.pareto_size:,} packages ({_share(analysis.pareto_size, total)})",
        f"Acceptable to all {analysis.acceptable_to_all:,} packages "
        f"({_share(analysis.acceptable_to_all, total)}) beat every reservation",
        f"Would pass        {analysis.passing:,} packages ({_share(analysis.passing, total)}) "
        f"under {_rule(scenario)}, sincere votes" + (", no veto" if scenario.rules.vetoes else ""),
        "",
        "Seats             reservation   best    worst   packages above reservation",
    ]
    for report in analysis.seat_reports:
        name = scenario.delegation(report.seat).name
        lines.append(
            f"  {_clip(name, 15):<15} {report.reservation:>9.3f}  {report.best:>6.3f}  "
            f"{report.worst:>6.3f}   {report.above_reservation:,} "
            f"({report.share_above_reservation:.1%})"
        )
    lines += ["", "Nash bargaining point (max product of gains over reservation)"]
    if analysis.nash is None:
        lines.append("  none: no package gives every seat at least its reservation")
    else:
        lines += _point(analysis.nash, scenario, seats)
        lines.append(f"  product of gains {analysis.nash_product:.6g}")
    lines += ["", "Utilitarian optimum (max sum of utilities)"]
    lines += _point(analysis.utilitarian, scenario, seats)
    lines.append(f"  sum of utilities {analysis.utilitarian_sum:.4f}")
    if analysis.pareto_sample:
        lines += ["", f"Pareto frontier, first {len(analysis.pareto_sample)} by utility sum"]
        for point in analysis.pareto_sample:
            lines += _point(point, scenario, seats)
            lines.append("")
        lines.pop()
    impl = analysis.implementation
    if impl is not None:
        lines += ["", "Implementation (one inspection per seat and period)"]
        lines.append(
            "  temptation to defect (gain + cost): "
            + ", ".join(f"{seat} {value:.3f}" for seat, value in impl.temptation.items())
        )
        lines.append(
            f"  {impl.self_enforcing_count} of {impl.regime_count} regimes deter every seat"
        )
        listed = impl.regimes[:max_regimes]
        for regime in listed:
            choice = "; ".join(
                f"{scenario.issue(issue).title}: {scenario.issue(issue).label(option)}"
                for issue, option in regime.options.items()
            )
            tempted = [seat for seat, pays in regime.defection_pays.items() if pays]
            verdict = (
                "deters every seat"
                if regime.self_enforcing
                else "defection pays for " + ", ".join(tempted)
            )
            lines.append(
                f"  {choice or '(no verification or enforcement issue)'}: detection "
                f"{regime.detection:.3f} x sanction {regime.sanction:.3f} = "
                f"{regime.expected_sanction:.3f}, {verdict}"
            )
        if len(listed) < impl.regime_count:
            lines.append(f"  ... {impl.regime_count - len(listed):,} more regimes not listed")
    return "\n".join(lines)


def _point(point: Point, scenario: Scenario, seats: Sequence[str]) -> list[str]:
    choice = "; ".join(
        f"{scenario.issue(issue).title}: {scenario.issue(issue).label(option)}"
        for issue, option in point.package.items()
    )
    utilities = ", ".join(f"{seat} {point.utilities[seat]:.3f}" for seat in seats)
    return [f"  {choice}", f"  utilities: {utilities}"]


def _share(part: int, total: int) -> str:
    return f"{part / total:.1%}" if total else "-"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _rule(scenario: Scenario) -> str:
    rules = scenario.rules
    if rules.decision == "qualified":
        text = f"qualified majority ({rules.threshold:.0%} of weight"
        if rules.quorum:
            text += f", quorum {rules.quorum:.0%}"
        text += ")"
    else:
        text = rules.decision
        if rules.all_but:
            text += f" (all but {rules.all_but})"
    if rules.required:
        text += f", {', '.join(rules.required)} required"
    return text
