"""Reputation within a series: what each seat is shown of the others before a talk.

With ``reputation = true`` in the tournament file, every talk after the
first of a series hands each seat, as ``ctx.reputation``, a
:class:`~accord.bots.context.Record` per seat at the table (its own
included: a record is public) summarising what that seat did in the
*earlier talks of this series*. A series keeps its seating, so the seat
stands for the entry sitting in it.

What a record holds, and how it is read from a talk's log (as a spectator
sees it: detected violations, pledges, vetoes, challenges, never an
undetected defection), is :mod:`accord.bots.reputation`'s: this module only
keeps the per-talk records of a series as its talks finish, so that the
worker playing the series does not read every earlier log again before
each talk. :meth:`SeriesReputation.shown` equals
:func:`accord.bots.reputation.series_reputation` over the same logs.

To show the seats more, extend :class:`~accord.bots.context.Record` and
:func:`~accord.bots.reputation.records_from_log` (fields add up talk by
talk with :func:`~accord.bots.reputation.combine`); nothing here changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from accord.bots.context import Record
from accord.bots.reputation import combine, records_from_log
from accord.protocol.events import Event

__all__ = ["SeriesReputation"]


class SeriesReputation:
    """The public records of one series, talk by talk (a pure fold over their logs)."""

    def __init__(self) -> None:
        self._talks: list[dict[str, Record]] = []

    def add(self, log: Iterable[Event | None]) -> None:
        """Count a finished talk of the series (its full, or public, event log)."""

        self._talks.append(records_from_log(log))

    def shown(self) -> dict[str, dict[str, Record]] | None:
        """What each seat is shown before the next talk: seat → {seat: record} for
        every seat at the table; None before the first talk has finished."""

        if not self._talks:
            return None
        seats = list(dict.fromkeys(seat for talk in self._talks for seat in talk))
        totals = {
            seat: combine(talk[seat] for talk in self._talks if seat in talk) for seat in seats
        }
        return {seat: dict(totals) for seat in seats}
