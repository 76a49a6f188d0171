"""Packages chosen on the Pareto frontier: the Nash bargaining point, the
utilitarian optimum, and the packages with the highest utility sums.

Each of them maximises a function that is monotone in every seat's utility,
so some maximiser lies on the frontier: the functions here look only at the
frontier's utility vectors, given in agenda order of packages, and return
positions in that list. Ties go to the first package, so the answers do not
depend on how the frontier was found.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from operator import ge, neg

from accord.protocol.analysis.skyline import Vector


def utility_sums(vectors: Sequence[Vector]) -> list[float]:
    """Each vector's sum of utilities (``math.fsum``, correctly rounded)."""

    return list(map(math.fsum, vectors))


def utilitarian_optimum(sums: Sequence[float]) -> tuple[int, float]:
    """The position of the first largest sum, and that sum."""

    best_sum = max(sums)
    return sums.index(best_sum), best_sum


def nash_point(
    vectors: Sequence[Vector], reservations: Sequence[float]
) -> tuple[int, float] | None:
    """The position of the vector with the largest product of gains over
    reservation among those every seat weakly prefers to no deal, and that
    product; ``None`` if there is no such vector."""

    nash: int | None = None
    best_product = -math.inf
    for k, vector in enumerate(vectors):
        if all(map(ge, vector, reservations)):
            product = 1.0
            for u, r in zip(vector, reservations, strict=True):
                product *= u - r
            if product > best_product:
                best_product, nash = product, k
    return None if nash is None else (nash, best_product)


def highest_sums(sums: Sequence[float], vectors: Sequence[Vector], count: int) -> list[int]:
    """The positions of the ``count`` highest sums, highest first; among equal
    vectors, the first package."""

    return [
        -negative
        for _, _, negative in heapq.nlargest(
            count, zip(sums, vectors, map(neg, range(len(vectors))), strict=True)
        )
    ]
