"""Small builders shared by the tests (plain functions, no fixtures magic)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accord.protocol.engine.room import Room
from accord.protocol.scenario import Scenario, samples, scenario_from_dict
from accord.protocol.scenario.samples import SIX_SEATS

ROOT = Path(__file__).resolve().parent.parent
"""The checkout."""
DATA = ROOT / "tests" / "data"
"""Scenario files and recorded answers the tests read."""

ISSUES = [
    {"id": "cut", "title": "Cut", "options": ["low", "mid", "high"]},
    {"id": "money", "title": "Money", "options": ["none", "some"]},
]


def scenario(
    seats: list[tuple[str, float, bool]] | None = None,
    *,
    rules: dict[str, Any] | None = None,
    implementation: dict[str, Any] | None = None,
    issues: list[dict[str, Any]] | None = None,
) -> Scenario:
    """A scenario with the given (id, weight, veto) seats and identical briefs."""

    seats = seats or [("a", 1.0, False), ("b", 1.0, False), ("c", 1.0, False)]
    issues = issues or ISSUES
    delegations = []
    for seat, weight, veto in seats:
        delegations.append(
            {
                "id": seat,
                "weight": weight,
                "veto": veto,
                "brief": {
                    "weights": {i["id"]: 1 / len(issues) for i in issues},
                    "values": {i["id"]: {"low": 0.0, "high": 1.0} for i in issues},
                    "reservation": 0.3,
                },
            }
        )
    raw: dict[str, Any] = {
        "id": "t",
        "issues": issues,
        "delegations": delegations,
        "rules": rules or {},
    }
    if implementation is not None:
        raw["implementation"] = implementation
    return scenario_from_dict(raw, file="test")


def seated_room(s: Scenario, *, seed: int = 1) -> Room:
    """A room with every seat taken: round 1 tabling is open."""

    room = Room(s, room_id="r", seed=seed, now=0.0)
    for seat in s.seats:
        room.join(seat, now=0.0)
    return room


PKG_A = {"cut": "high", "money": "some"}
PKG_B = {"cut": "mid", "money": "none"}


SEATS = list(SIX_SEATS)
"""The seats of :func:`six_seat_scenario`."""


def six_seat_scenario() -> dict[str, Any]:
    """The shared six-seat scenario (id ``six``, private notes in every brief)."""

    return samples.six_seat_scenario()
