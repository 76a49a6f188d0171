"""Scripted delegates that drive a :class:`~protocol.engine.room.Room` directly.

A sincere, time-dependent concession script: each round a delegate tables a
package it likes at its current aspiration (falling from its best utility
towards its reservation as the rounds run out), votes yes on packages at or
above the aspiration it has reached, vetoes packages below its reservation
when it holds a veto, complies or defects with a fixed propensity, and
challenges a random seat. It is used by the showcase, the engine benchmark
and the property tests; it needs no transport.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from protocol.commands import (
    Act,
    CastVeto,
    CastVote,
    Challenge,
    Pass,
    Propose,
    Say,
    SeatCommand,
)
from protocol.engine.room import Room
from protocol.events import Event
from protocol.scenario.model import Scenario
from protocol.scenario.utility import UtilityFunction


class ScriptedDelegate:
    """One seat's scripted behaviour; deterministic given its ``rng``."""

    def __init__(
        self,
        seat: str,
        scenario: Scenario,
        rng: random.Random,
        *,
        defect_rate: float = 0.0,
        challenge_rate: float = 0.5,
        veto_rate: float = 1.0,
        talk_rate: float = 0.0,
        samples: int = 64,
    ) -> None:
        delegation = scenario.delegation(seat)
        assert delegation.brief is not None
        self.seat = seat
        self.scenario = scenario
        self.rng = rng
        self.utility = UtilityFunction(scenario, delegation.brief)
        self.veto = delegation.veto and scenario.rules.vetoes
        self.defect_rate = defect_rate
        self.challenge_rate = challenge_rate
        self.veto_rate = veto_rate
        self.talk_rate = talk_rate
        self.samples = samples
        self._best = {
            issue.id: max(
                issue.options,
                key=lambda o, i=issue: delegation.brief.values[i.id][i.options.index(o)],  # type: ignore[union-attr]
            )
            for issue in scenario.issues
        }

    def aspiration(self, round_: int) -> float:
        """Target utility: from the best package down to the reservation by the last round."""

        rounds = self.scenario.rules.max_rounds
        progress = 0.0 if rounds <= 1 else (round_ - 1) / (rounds - 1)
        best = self.utility.best()
        floor = max(self.utility.reservation, self.utility.worst())
        return best - (best - floor) * progress**1.5

    def _candidate(self, target: float) -> dict[str, str]:
        # Sample packages and keep the one closest above the target: concede
        # as little as the aspiration allows, but vary the offers.
        best_pkg = dict(self._best)
        chosen, chosen_u = best_pkg, self.utility(best_pkg)
        for _ in range(self.samples):
            pkg = {i.id: self.rng.choice(i.options) for i in self.scenario.issues}
            u = self.utility(pkg)
            if target <= u < chosen_u:
                chosen, chosen_u = pkg, u
        return chosen

    def commands(self, room: Room) -> list[SeatCommand]:
        """What this seat does now, in the room's current phase."""

        out: list[SeatCommand] = []
        if self.talk_rate and self.rng.random() < self.talk_rate:
            out.append(Say(text=f"{self.seat} stands by its proposals in round {room.round}."))
        match room.phase:
            case "tabling":
                out.append(Propose(package=self._candidate(self.aspiration(room.round))))
                if self.scenario.rules.proposals_per_round > 1:
                    out.append(Pass())
            case "ballot":
                floor = max(self.utility.reservation, self.aspiration(room.round) - 0.05)
                for tabled in room.packages():
                    if tabled.withdrawn:
                        continue
                    u = self.utility(tabled.package)
                    if (
                        self.veto
                        and u < self.utility.reservation
                        and self.rng.random() < self.veto_rate
                    ):
                        out.append(CastVeto(package_id=tabled.package_id))
                    else:
                        vote = "yes" if u >= floor else "no"
                        out.append(CastVote(package_id=tabled.package_id, vote=vote))
            case "action":
                choice = "defect" if self.rng.random() < self.defect_rate else "comply"
                out.append(Act(choice=choice))
            case "verification":
                others = [s for s in self.scenario.seats if s != self.seat]
                if self.rng.random() < self.challenge_rate:
                    out.append(Challenge(target=self.rng.choice(others)))
                else:
                    out.append(Pass())
        return out


def play(
    room: Room,
    delegates: Iterable[ScriptedDelegate],
    *,
    now: float = 0.0,
    step: float = 0.5,
) -> list[Event]:
    """Seat every delegate and run the talk to its conclusion; return the events produced."""

    by_seat = {d.seat: d for d in delegates}
    events: list[Event] = []
    for seat in room.seats:
        if seat in by_seat:
            now += step
            events += room.join(seat, now=now)
    if room.phase == "lobby":
        events += room.start(now=now)
    while not room.finished:
        progressed = False
        for seat in room.waiting_for():
            delegate = by_seat.get(seat)
            if delegate is None:
                continue
            phase, round_, period = room.phase, room.round, room.period
            for command in delegate.commands(room):
                if (room.phase, room.round, room.period) != (phase, round_, period):
                    break
                now += step
                events += room.handle(seat, command, now=now)
                progressed = True
            if room.phase != phase:
                break
        if not progressed and room.deadline is not None:
            now = max(now, room.deadline)
            events += room.tick(now=now)
    return events
