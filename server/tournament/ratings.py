"""A multiplayer skill rating of tournament entries: openskill's Plackett–Luce model.

Every talk is one match. Its seats are ranked by their tournament score
(:attr:`SeatResult.rank`: 1 the best, tied seats share the mean of their
places, so equal scores are a tie), each seat a one-player team. Ratings
start at openskill's defaults (μ = 25, σ = 25/3) and are updated talk by
talk in *plan order*: by round, then by the talk id with its numbers
compared as numbers (``s0-t2-…`` before ``s0-t10-…``), which is the order
:func:`accord.protocol.tournament.plan` and ``plan_round`` make them. The
order the results are handed over (a store's, a worker pool's) does not
matter.

An entry that sits in several seats of one talk (fewer entries than seats)
plays each of them as its own one-seat team. Every such seat is rated
against the entry's rating from before the talk; the entry then takes the
sum of its seats' changes of μ and the product of their shrink factors of
σ (each seat's new σ over the prior σ widened by openskill's τ), as if the
seats' outcomes had been observed one after another.

An entry's *rating* is the ordinal μ − 3σ: a cautious estimate that only
rises with evidence (0 before the first talk).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import msgspec
from openskill.models import PlackettLuce

from accord.protocol.tournament.results import TalkResult

Z = 3.0
"""The rating is μ − Z·σ."""


class EntryRating(msgspec.Struct, frozen=True, kw_only=True):
    """One entry's rating after every talk counted."""

    entry: str
    talks: int
    mu: float
    sigma: float
    rating: float
    """μ − 3σ."""


class RatingPoint(msgspec.Struct, frozen=True, kw_only=True):
    """One entry's rating right after one of its talks."""

    step: int
    """1-based position of the talk in plan order."""
    talk: str
    round: int
    entry: str
    mu: float
    sigma: float
    rating: float


class Ratings(msgspec.Struct, frozen=True, kw_only=True):
    """Final ratings (best first) and their history."""

    entries: tuple[EntryRating, ...]
    history: tuple[RatingPoint, ...]
    """After each talk, one point for every entry that sat in it (in seat order)."""

    def as_dict(self) -> dict[str, float]:
        """Entry → rating, best first."""

        return {e.entry: e.rating for e in self.entries}


def _natural(text: str) -> tuple[tuple[int, str], ...]:
    # digits compare as numbers, so talk t10 comes after t9
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"(\d+)", text))


def plan_order_key(result: TalkResult) -> tuple[object, ...]:
    """Sort key putting talks in the order the plan made them."""

    return (result.round, _natural(result.talk), result.talk)


def in_plan_order(results: Iterable[TalkResult]) -> list[TalkResult]:
    """``results`` sorted into plan order (see the module's doc)."""

    return sorted(results, key=plan_order_key)


def rate(results: Sequence[TalkResult], *, entries: Iterable[str] = ()) -> Ratings:
    """Rate every entry over ``results`` (any order); ``entries`` adds entries
    that have not played yet, at the starting rating."""

    model = PlackettLuce()
    mu: dict[str, float] = {}
    sigma: dict[str, float] = {}
    talks: dict[str, int] = {}
    for name in entries:
        mu.setdefault(name, model.mu)
        sigma.setdefault(name, model.sigma)
        talks.setdefault(name, 0)
    tau2 = model.tau * model.tau
    history: list[RatingPoint] = []
    for step, result in enumerate(in_plan_order(results), start=1):
        seats = result.seats
        for seat in seats:
            mu.setdefault(seat.entry, model.mu)
            sigma.setdefault(seat.entry, model.sigma)
            talks.setdefault(seat.entry, 0)
        present = list(dict.fromkeys(seat.entry for seat in seats))
        if len(seats) >= 2:
            teams = [
                [model.rating(mu=mu[seat.entry], sigma=sigma[seat.entry], name=seat.entry)]
                for seat in seats
            ]
            rated = model.rate(teams, ranks=[seat.rank for seat in seats])
            outcomes: dict[str, list[tuple[float, float]]] = {name: [] for name in present}
            for seat, team in zip(seats, rated, strict=True):
                outcomes[seat.entry].append((team[0].mu, team[0].sigma))
            for name, seen in outcomes.items():
                if len(seen) == 1:
                    mu[name], sigma[name] = seen[0]
                    continue
                widened = sigma[name] ** 2 + tau2
                shrink = math.prod(s**2 / widened for _, s in seen)
                mu[name] += math.fsum(m - mu[name] for m, _ in seen)
                sigma[name] = math.sqrt(widened * shrink)
        for name in present:
            talks[name] += 1
            history.append(
                RatingPoint(
                    step=step,
                    talk=result.talk,
                    round=result.round,
                    entry=name,
                    mu=mu[name],
                    sigma=sigma[name],
                    rating=mu[name] - Z * sigma[name],
                )
            )
    final = [
        EntryRating(
            entry=name,
            talks=talks[name],
            mu=mu[name],
            sigma=sigma[name],
            rating=mu[name] - Z * sigma[name],
        )
        for name in mu
    ]
    final.sort(key=lambda e: (-e.rating, e.entry))
    return Ratings(entries=tuple(final), history=tuple(history))


def ratings(results: Sequence[TalkResult], *, entries: Iterable[str] = ()) -> dict[str, float]:
    """Each entry's rating (μ − 3σ) after ``results``, best first (Swiss pairing reads this)."""

    return rate(results, entries=entries).as_dict()


__all__ = [
    "EntryRating",
    "RatingPoint",
    "Ratings",
    "in_plan_order",
    "plan_order_key",
    "rate",
    "ratings",
]
