"""The Pareto frontier of a scenario's outcome space, built issue by issue.

A package is Pareto-optimal only if each of its prefixes is Pareto-optimal
among the prefixes over the same issues (utilities are additive, so a
dominated prefix can be swapped for its dominator). So the frontier is
grown one issue at a time, each level a skyline
(:func:`~accord.protocol.analysis.skyline.skyline`) of the survivors of the
previous level extended by every option of the next issue. Prefixes are
pruned only when dominated by a *margin* larger than the rounding that the
remaining additions could introduce, so the float result is exact. Seats
with identical briefs count once.
"""

from __future__ import annotations

import math

from accord.protocol.analysis.skyline import Indices, Vector, dominates, skyline


class Frontier:
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


def pareto_frontier(issue_vectors: list[list[Vector]]) -> Frontier:
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
            if not any(dominates(other, vector, margin(n - i)) for other in options)
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
        survivors = skyline(columns, margin(n - 1 - i))
        levels.append((survivors, kept[i]))
        if len(survivors) < len(columns[0]):
            columns = [[column[q] for q in survivors] for column in columns]
    columns = [columns[k] for k in where]
    return Frontier(list(zip(*columns, strict=True)), levels)
