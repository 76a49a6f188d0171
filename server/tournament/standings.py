"""Standings of a tournament: per entry, per scenario, and head to head.

Everything is a function of the talks' results (:class:`TalkResult`, made
from each talk's event log), so standings recomputed from the stored
transcripts are the same. Talks are put in plan order first
(:func:`~accord.server.tournament.ratings.in_plan_order`), so the order the
results come in does not matter either.

**An entry's score in a talk** is the mean tournament score of the seats it
held in that talk (one seat, unless there are fewer entries than seats).
The columns of an entry's row:

- ``talks``, ``seats``: talks it sat in, and seats it held in them;
- ``mean_score``: the mean over its talks of its score in the talk, with
  ``ci_low``/``ci_high``, a 95% percentile-bootstrap confidence interval:
  its talks are resampled with replacement (as many as it played) 2,000
  times, the mean taken each time, and the 2.5th and 97.5th percentiles of
  those means (linear interpolation) are the bounds. The resampling is
  seeded from the tournament's seed, the table (``all`` or the scenario)
  and the entry's name, so it is the same on every run;
- ``mean_raw``, ``mean_normalised``, ``mean_rank``: the same mean of the raw
  score, of the talk's own normalised score and of the place in the talk
  (1 the best);
- ``agreements``, ``agreement_rate``: its talks that ended in an agreement,
  and their share of its talks;
- ``mean_rounds_to_agreement``, ``mean_pareto_distance``,
  ``mean_nash_distance``: over those agreements, the rounds played and the
  distance (in utilities) of the agreed package from the Pareto frontier and
  from the Nash point (agreements on a scenario without a Nash point are
  left out of the last);
- ``vetoes`` cast, ``defections`` made and of those ``detected``,
  ``challenges`` made and their ``hits`` (challenges that found a
  defection), ``hit_rate`` = hits / challenges, ``failures`` (hooks that
  raised or overran, sandboxes that stopped it), ``timeouts``: totals over its
  seats;
- ``rating``, ``mu``, ``sigma``: its openskill rating over the talks of the
  table (:mod:`accord.server.tournament.ratings`).

Missing means (no talks, no agreements, no challenges) are ``None``. Rows are
sorted by mean score (best first), then rating, then name.

**Spread**: the largest minus the smallest entry mean (of the score, and for
comparison of the raw and of the talk's normalised score), how many pairs of
entries there are and how many of them have 95% intervals that do not
overlap, and whether the best entry's interval lies wholly above the
worst's.

**Head to head**, for entries A ≠ B, over the talks where both sat:
``mean_score`` is A's mean score in those talks, ``opponent_mean_score``
B's, ``mean_difference`` the mean of (A's score − B's score) in each (so
the cell for B against A is exactly its negation), and ``wins``, ``losses``,
``ties`` count the talks where A's score was above, below or equal to B's.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations

import msgspec
import numpy as np

from accord.protocol.tournament.results import SeatResult, TalkResult
from accord.protocol.tournament.spec import Tournament
from accord.server.tournament.ratings import Ratings, in_plan_order, rate

RESAMPLES = 2_000
"""Bootstrap resamples per confidence interval."""

CONFIDENCE = 0.95

_CHUNK = 1_000_000
"""Resampled values drawn at once (bounds the bootstrap's memory)."""


class EntryStanding(msgspec.Struct, frozen=True, kw_only=True):
    """One entry's row of a standings table (see the module's doc for each column)."""

    entry: str
    talks: int
    seats: int
    mean_score: float | None
    ci_low: float | None
    ci_high: float | None
    mean_raw: float | None
    mean_normalised: float | None
    mean_rank: float | None
    agreements: int
    agreement_rate: float | None
    mean_rounds_to_agreement: float | None
    mean_pareto_distance: float | None
    mean_nash_distance: float | None
    vetoes: int
    defections: int
    detected: int
    challenges: int
    hits: int
    hit_rate: float | None
    failures: int
    timeouts: int
    rating: float | None
    mu: float | None
    sigma: float | None


class Spread(msgspec.Struct, frozen=True, kw_only=True):
    """How far apart the entries' means lie."""

    score: float | None
    """Largest minus smallest mean tournament score."""
    raw: float | None
    normalised: float | None
    """The same for the talk's own normalised score."""
    pairs: int
    separated: int
    """Pairs of entries whose 95% intervals do not overlap."""
    best: str | None
    worst: str | None
    best_above_worst: bool
    """The best entry's interval lies wholly above the worst's."""


class ScenarioStandings(msgspec.Struct, frozen=True, kw_only=True):
    """The standings restricted to the talks on one scenario."""

    scenario: int
    """Index into the tournament's scenarios."""
    scenario_id: str
    talks: int
    agreements: int
    agreement_rate: float | None
    entries: tuple[EntryStanding, ...]
    spread: Spread


class HeadToHead(msgspec.Struct, frozen=True, kw_only=True):
    """Entry against opponent, over the talks where both sat."""

    entry: str
    opponent: str
    talks: int
    mean_score: float
    opponent_mean_score: float
    mean_difference: float
    wins: int
    losses: int
    ties: int


class Standings(msgspec.Struct, frozen=True, kw_only=True):
    """The whole leaderboard of a tournament."""

    tournament: str | None
    seed: int
    talks: int
    agreements: int
    agreement_rate: float | None
    resamples: int
    confidence: float
    entries: tuple[EntryStanding, ...]
    spread: Spread
    scenarios: tuple[ScenarioStandings, ...]
    head_to_head: tuple[HeadToHead, ...]


# --- helpers ---------------------------------------------------------------------------


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _stream(seed: int, scope: str, entry: str) -> int:
    digest = hashlib.blake2b(f"{seed}:{scope}:{entry}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def bootstrap_ci(
    values: Sequence[float],
    *,
    seed: int,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
) -> tuple[float, float] | None:
    """Percentile-bootstrap interval of the mean of ``values`` (None if empty).

    ``resamples`` times, draw ``len(values)`` values with replacement and take
    their mean; the interval runs between the (1 − confidence)/2 and
    (1 + confidence)/2 quantiles of those means (linear interpolation). The
    draws come from numpy's PCG64 generator seeded with ``seed``: the same
    interval on every run and machine (for one numpy version).
    """

    n = len(values)
    if n == 0:
        return None
    data = np.asarray(values, dtype=np.float64)
    if resamples < 1:
        raise ValueError("the bootstrap needs at least one resample")
    if n == 1:
        return float(data[0]), float(data[0])
    rng = np.random.default_rng(seed)
    means = np.empty(resamples, dtype=np.float64)
    step = max(1, _CHUNK // n)
    for start in range(0, resamples, step):
        count = min(step, resamples - start)
        picks = rng.integers(0, n, size=(count, n))
        means[start : start + count] = data[picks].mean(axis=1)
    tail = (1.0 - confidence) / 2
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return float(low), float(high)


def _by_entry(result: TalkResult) -> dict[str, list[SeatResult]]:
    """The seats of a talk grouped by entry, in seat order."""

    out: dict[str, list[SeatResult]] = {}
    for seat in result.seats:
        out.setdefault(seat.entry, []).append(seat)
    return out


def _talk_score(seats: Sequence[SeatResult]) -> float:
    if len(seats) == 1:
        return seats[0].score
    return math.fsum(s.score for s in seats) / len(seats)


def _entry_row(
    name: str,
    played: Sequence[tuple[TalkResult, list[SeatResult]]],
    *,
    seed: int,
    scope: str,
    resamples: int,
    rating: Ratings | None,
) -> EntryStanding:
    scores = [_talk_score(seats) for _, seats in played]
    raws = [math.fsum(s.raw for s in seats) / len(seats) for _, seats in played]
    normalised = [math.fsum(s.normalised for s in seats) / len(seats) for _, seats in played]
    places = [math.fsum(s.rank for s in seats) / len(seats) for _, seats in played]
    agreed = [talk for talk, _ in played if talk.outcome == "agreement"]
    pareto = [t.pareto_distance for t in agreed if t.pareto_distance is not None]
    nash = [t.nash_distance for t in agreed if t.nash_distance is not None]
    every = [s for _, seats in played for s in seats]
    challenges = sum(s.challenges for s in every)
    hits = sum(s.hits for s in every)
    ci = bootstrap_ci(scores, seed=_stream(seed, scope, name), resamples=resamples)
    rated = None
    if rating is not None:
        rated = next((r for r in rating.entries if r.entry == name), None)
    return EntryStanding(
        entry=name,
        talks=len(played),
        seats=len(every),
        mean_score=_mean(scores),
        ci_low=None if ci is None else ci[0],
        ci_high=None if ci is None else ci[1],
        mean_raw=_mean(raws),
        mean_normalised=_mean(normalised),
        mean_rank=_mean(places),
        agreements=len(agreed),
        agreement_rate=len(agreed) / len(played) if played else None,
        mean_rounds_to_agreement=_mean([float(t.rounds) for t in agreed]),
        mean_pareto_distance=_mean(pareto),
        mean_nash_distance=_mean(nash),
        vetoes=sum(s.vetoes for s in every),
        defections=sum(s.defections for s in every),
        detected=sum(s.detected for s in every),
        challenges=challenges,
        hits=hits,
        hit_rate=hits / challenges if challenges else None,
        failures=sum(s.failures for s in every),
        timeouts=sum(s.timeouts for s in every),
        rating=None if rated is None else rated.rating,
        mu=None if rated is None else rated.mu,
        sigma=None if rated is None else rated.sigma,
    )


def _sort_key(row: EntryStanding) -> tuple[object, ...]:
    return (
        row.mean_score is None,
        -(row.mean_score or 0.0),
        -(row.rating if row.rating is not None else -math.inf),
        row.entry,
    )


def spread(rows: Sequence[EntryStanding]) -> Spread:
    """How far apart the means of ``rows`` lie (see the module's doc)."""

    played = [r for r in rows if r.mean_score is not None]

    def width(values: list[float]) -> float | None:
        return max(values) - min(values) if values else None

    separated = 0
    for a, b in combinations(played, 2):
        assert a.ci_low is not None and a.ci_high is not None
        assert b.ci_low is not None and b.ci_high is not None
        if a.ci_high < b.ci_low or b.ci_high < a.ci_low:
            separated += 1
    best = max(played, key=lambda r: r.mean_score or 0.0, default=None)
    worst = min(played, key=lambda r: r.mean_score or 0.0, default=None)
    above = (
        best is not None
        and worst is not None
        and best is not worst
        and (best.ci_low or 0.0) > (worst.ci_high or 0.0)
    )
    return Spread(
        score=width([r.mean_score for r in played if r.mean_score is not None]),
        raw=width([r.mean_raw for r in played if r.mean_raw is not None]),
        normalised=width([r.mean_normalised for r in played if r.mean_normalised is not None]),
        pairs=len(played) * (len(played) - 1) // 2,
        separated=separated,
        best=None if best is None else best.entry,
        worst=None if worst is None else worst.entry,
        best_above_worst=above,
    )


def table(
    results: Sequence[TalkResult],
    *,
    entries: Iterable[str] = (),
    seed: int = 0,
    scope: str = "all",
    resamples: int = RESAMPLES,
    ratings: Ratings | None = None,
) -> tuple[EntryStanding, ...]:
    """One standings table over ``results``; ``entries`` adds rows for entries
    that have not played. ``ratings`` (of the same results) saves rating them again."""

    ordered = in_plan_order(results)
    names = list(dict.fromkeys(entries))
    played: dict[str, list[tuple[TalkResult, list[SeatResult]]]] = defaultdict(list)
    for result in ordered:
        for name, seats in _by_entry(result).items():
            played[name].append((result, seats))
            if name not in names:
                names.append(name)
    if ratings is None:
        ratings = rate(ordered, entries=names)
    rows = [
        _entry_row(name, played[name], seed=seed, scope=scope, resamples=resamples, rating=ratings)
        for name in names
    ]
    rows.sort(key=_sort_key)
    return tuple(rows)


def head_to_head(results: Sequence[TalkResult]) -> tuple[HeadToHead, ...]:
    """Every ordered pair of distinct entries that met (see the module's doc),
    sorted by entry then opponent."""

    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    opponents: dict[tuple[str, str], list[float]] = defaultdict(list)
    differences: dict[tuple[str, str], list[float]] = defaultdict(list)
    for result in in_plan_order(results):
        talk = {name: _talk_score(seats) for name, seats in _by_entry(result).items()}
        for a, sa in talk.items():
            for b, sb in talk.items():
                if a != b:
                    scores[a, b].append(sa)
                    opponents[a, b].append(sb)
                    differences[a, b].append(sa - sb)
    out = []
    for (a, b), mine in sorted(scores.items()):
        theirs = opponents[a, b]
        n = len(mine)
        out.append(
            HeadToHead(
                entry=a,
                opponent=b,
                talks=n,
                mean_score=math.fsum(mine) / n,
                opponent_mean_score=math.fsum(theirs) / n,
                # fsum rounds exactly once, so B-against-A is exactly the negation
                mean_difference=math.fsum(differences[a, b]) / n,
                wins=sum(x > y for x, y in zip(mine, theirs, strict=True)),
                losses=sum(x < y for x, y in zip(mine, theirs, strict=True)),
                ties=sum(x == y for x, y in zip(mine, theirs, strict=True)),
            )
        )
    return tuple(out)


def _rate(results: Sequence[TalkResult]) -> float | None:
    if not results:
        return None
    return sum(r.outcome == "agreement" for r in results) / len(results)


def standings(
    results: Sequence[TalkResult],
    tournament: Tournament | None = None,
    *,
    resamples: int = RESAMPLES,
    seed: int | None = None,
    ratings: Ratings | None = None,
) -> Standings:
    """The standings of ``results``: the overall table, its spread, one table per
    scenario, and head to head.

    With ``tournament``, every entry has a row (even one without talks) and
    the bootstrap is seeded from its seed (else from ``seed``, default 0).
    ``ratings`` (:func:`~accord.server.tournament.ratings.rate` of the same
    results) saves rating them again.
    """

    if seed is None:
        seed = tournament.spec.seed if tournament is not None else 0
    names = tournament.entry_names if tournament is not None else ()
    ordered = in_plan_order(results)
    rows = table(
        ordered, entries=names, seed=seed, scope="all", resamples=resamples, ratings=ratings
    )
    by_scenario: dict[int, list[TalkResult]] = defaultdict(list)
    for result in ordered:
        by_scenario[result.scenario].append(result)
    scenarios = []
    for index in sorted(by_scenario):
        talks = by_scenario[index]
        scenario_rows = table(
            talks, entries=names, seed=seed, scope=f"s{index}", resamples=resamples
        )
        scenarios.append(
            ScenarioStandings(
                scenario=index,
                scenario_id=talks[0].scenario_id,
                talks=len(talks),
                agreements=sum(t.outcome == "agreement" for t in talks),
                agreement_rate=_rate(talks),
                entries=scenario_rows,
                spread=spread(scenario_rows),
            )
        )
    return Standings(
        tournament=None if tournament is None else tournament.name,
        seed=seed,
        talks=len(ordered),
        agreements=sum(t.outcome == "agreement" for t in ordered),
        agreement_rate=_rate(ordered),
        resamples=resamples,
        confidence=CONFIDENCE,
        entries=rows,
        spread=spread(rows),
        scenarios=tuple(scenarios),
        head_to_head=head_to_head(ordered),
    )


__all__ = [
    "CONFIDENCE",
    "RESAMPLES",
    "EntryStanding",
    "HeadToHead",
    "ScenarioStandings",
    "Spread",
    "Standings",
    "bootstrap_ci",
    "head_to_head",
    "spread",
    "standings",
    "table",
]
