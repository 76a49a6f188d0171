"""Small builders shared by the tests (plain functions, no fixtures magic)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accord.protocol.engine.room import Room
from accord.protocol.scenario import Scenario, scenario_from_dict

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


SEATS = ["s1", "s2", "s3", "s4", "s5", "s6"]


def six_seat_scenario() -> dict[str, Any]:
    issues = [
        {"id": "cut", "title": "Cut", "options": ["low", "mid", "high"]},
        {"id": "checks", "title": "Checks", "kind": "verification", "options": ["none", "full"]},
        {"id": "fines", "title": "Fines", "kind": "enforcement", "options": ["none", "heavy"]},
    ]
    delegations = []
    for n, seat in enumerate(SEATS):
        delegations.append(
            {
                "id": seat,
                "name": f"Seat {n + 1}",
                "weight": 1 + n % 3,
                "veto": seat == "s6",
                "brief": {
                    "weights": {"cut": 0.5, "checks": 0.25, "fines": 0.25},
                    "values": {
                        "cut": [0.1 * n, 0.5, 1 - 0.1 * n],
                        "checks": [0.3, 0.7],
                        "fines": [0.6, 0.4],
                    },
                    "reservation": 0.2,
                    "notes": f"private notes of {seat}",
                },
            }
        )
    return {
        "id": "six",
        "title": "Six seats",
        "issues": issues,
        "delegations": delegations,
        "rules": {"decision": "consensus", "ballot": "secret", "max_rounds": 3},
        "implementation": {
            "periods": 2,
            "inspection_cost": 0.01,
            "challenge_quota": 1,
            "detection": {"checks": [0.0, 1.0]},
            "sanction": {"fines": [0.0, 0.3]},
            "parties": {s: {"comply_cost": 0.05, "defect_gain": 0.1, "harm": 0.02} for s in SEATS},
        },
    }
