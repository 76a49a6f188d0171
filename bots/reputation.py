"""Reputation across talks: each seat's public record, read from the logs of a series.

In a tournament with ``reputation = true`` the same entries meet again in
the talks of a series (same seating). Before each talk, every seat is shown
the :class:`~accord.bots.context.Record` of every seat at the table (its own
included) from the earlier talks of the series, as ``ctx.reputation``.

A record is read from what a spectator sees of a talk: every event passes
through :func:`~accord.protocol.engine.visibility.visible` for a spectator
first, so hidden actions and secret votes cannot leak into it, and it reads
no field that reveals undetected defections (``talks_concluded.actions`` and
the scores' ``defections``): only detected defections are public history
(see :class:`~accord.bots.context.Record`).

::

    records = [record_from_log(talk.room.log, "china") for talk in earlier]
    china = combine(records)

    # or every seat's view at once, for the next talk of the series:
    play(scenario, lineup, seed=seed, reputation=series_reputation(logs))

:func:`suspicion` reads a record the way the built-in strategies do: as an
estimate of how often a seat defects.
"""

from __future__ import annotations

from collections.abc import Iterable

from accord.bots.context import Record
from accord.protocol.engine.visibility import SPECTATOR, visible
from accord.protocol.events import (
    BallotResult,
    ChallengeResult,
    Event,
    PackageAdopted,
    PackageResult,
    PhaseStarted,
    SanctionImposed,
    TalksOpened,
    VetoCast,
)

__all__ = [
    "combine",
    "record_from_log",
    "records_from_log",
    "series_reputation",
    "suspicion",
]

_FIELDS = Record.__struct_fields__


def records_from_log(events: Iterable[Event | None]) -> dict[str, Record]:
    """Every seat's :class:`Record` of one talk, from its event log, in seat order.

    ``events`` is the talk's log in seq order: the room's full log, a
    transcript's events or a public copy (``None`` entries, hidden events,
    are skipped). Each event is read as a spectator sees it. The log must
    include ``talks_opened`` (which names the seats).
    """

    seats: tuple[str, ...] | None = None
    results: dict[str, tuple[PackageResult, bool]] = {}  # package id → (result, secret)
    adopted: PackageAdopted | None = None
    periods: set[int] = set()
    inspections: dict[tuple[str, int], int] = {}  # (target, period) → inspections
    caught: dict[str, set[int]] = {}  # seat → periods it was caught defecting
    vetoes: dict[str, int] = {}
    challenges: dict[str, int] = {}
    hits: dict[str, int] = {}
    for raw in events:
        event = None if raw is None else visible(raw, SPECTATOR)
        if event is None:
            continue
        kind = type(event)  # `kind is X` is fast but does not narrow `event` for mypy
        if kind is TalksOpened:
            seats = event.scenario.seats  # type: ignore[union-attr]
        elif kind is BallotResult:
            for result in event.results:  # type: ignore[union-attr]
                results[result.package_id] = (result, event.secret)  # type: ignore[union-attr]
        elif kind is PackageAdopted:
            adopted = event  # type: ignore[assignment]
        elif kind is PhaseStarted and event.phase == "action":  # type: ignore[union-attr]
            periods.add(event.period)  # type: ignore[union-attr]
        elif kind is ChallengeResult:
            check: ChallengeResult = event  # type: ignore[assignment]
            key = (check.target, check.period)
            inspections[key] = inspections.get(key, 0) + 1
            challenges[check.seat] = challenges.get(check.seat, 0) + 1
            if check.detected:
                hits[check.seat] = hits.get(check.seat, 0) + 1
                caught.setdefault(check.target, set()).add(check.period)
        elif kind is SanctionImposed:  # one per period in which a defection was found
            sanction: SanctionImposed = event  # type: ignore[assignment]
            caught.setdefault(sanction.seat, set()).add(sanction.period)
        elif kind is VetoCast:
            seat = event.seat  # type: ignore[union-attr]
            vetoes[seat] = vetoes.get(seat, 0) + 1
    if seats is None:
        raise ValueError("the log has no talks_opened event: it does not name the seats")

    pledged: frozenset[str] = frozenset()
    against: frozenset[str] = frozenset()
    if adopted is not None and adopted.package_id in results:
        result, secret = results[adopted.package_id]
        if result.votes is not None and not secret:
            pledged = frozenset(s for s, v in result.votes.items() if v == "yes")
            against = frozenset(s for s, v in result.votes.items() if v == "no")
        elif result.tally.yes == len(seats):  # a secret ballot shows unanimity, nothing less
            pledged = frozenset(seats)
    detection = 0.0 if adopted is None else adopted.detection

    out: dict[str, Record] = {}
    for seat in seats:
        watched = {p: n for (target, p), n in inspections.items() if target == seat}
        violations = len(caught.get(seat, ()))
        out[seat] = Record(
            talks=1,
            agreements=int(adopted is not None),
            periods=len(periods),
            inspected=len(watched),
            # in period order, so the sum is the same whatever order the log has
            exposure=sum((1.0 - (1.0 - detection) ** watched[p] for p in sorted(watched)), 0.0),
            violations_detected=violations,
            violation_talks=int(violations > 0),
            pledges=int(seat in pledged),
            broken_pledges=int(seat in pledged and violations > 0),
            votes_against=int(seat in against),
            vetoes=vetoes.get(seat, 0),
            challenges=challenges.get(seat, 0),
            challenge_hits=hits.get(seat, 0),
        )
    return out


def record_from_log(events: Iterable[Event | None], seat: str) -> Record:
    """``seat``'s :class:`Record` of one talk, from the talk's event log (see
    :func:`records_from_log`); a ``ValueError`` if ``seat`` was not at the table."""

    records = records_from_log(events)
    if seat not in records:
        raise ValueError(f"no seat {seat!r} in this talk (seats: {', '.join(records)})")
    return records[seat]


def combine(records: Iterable[Record]) -> Record:
    """The record of several talks: the records added up field by field, in order
    (the empty record for none)."""

    totals: dict[str, int | float] = dict.fromkeys(_FIELDS, 0)
    totals["exposure"] = 0.0
    for record in records:
        for name in _FIELDS:
            totals[name] += getattr(record, name)
    return Record(**totals)  # type: ignore[arg-type]  # the int fields add up ints


def series_reputation(logs: Iterable[Iterable[Event | None]]) -> dict[str, dict[str, Record]]:
    """What each seat is shown before the next talk of a series, from the logs of
    the earlier ones (same seating): seat → every seat's combined record, its own
    included (a record is public). Pass it as ``reputation`` to
    :func:`~accord.bots.inprocess.play`; no logs give ``{}``.
    """

    per_talk = [records_from_log(log) for log in logs]
    seats = list(dict.fromkeys(seat for records in per_talk for seat in records))
    totals = {
        seat: combine(records[seat] for records in per_talk if seat in records) for seat in seats
    }
    return {seat: dict(totals) for seat in seats}


# --- reading a record --------------------------------------------------------------------


def suspicion(record: Record | None, prior: float) -> float:
    """The chance that a seat defects in a period, raised from ``prior`` by its record.

    Its detected violations over its :attr:`~Record.exposure` estimate its
    defection rate (how often inspections would have caught it had it
    always defected), with ``prior`` counted as one more period of
    exposure: ``(violations + prior) / (exposure + 1)``, at most 1. A record
    only raises the estimate, never lowers it below ``prior``: a seat that
    complied while it was watched may defect once it is not, so a clean
    record says little about the next agreement.
    """

    if record is None or record.violations_detected == 0:
        return prior
    estimate = (record.violations_detected + prior) / (record.exposure + 1.0)
    return min(1.0, max(prior, estimate))
