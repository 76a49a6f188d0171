"""Sample scenarios built in code, shared by the tests and the benchmarks.

Each function returns the raw mapping (the form a scenario file or the
``POST /api/rooms`` body holds); :func:`~accord.protocol.scenario.load.scenario_from_dict`
turns it into a :class:`~accord.protocol.scenario.model.Scenario`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SIX_SEATS", "six_seat_scenario"]

SIX_SEATS = ("s1", "s2", "s3", "s4", "s5", "s6")
"""The seats of :func:`six_seat_scenario`; ``s6`` holds a veto."""


def six_seat_scenario(
    *, scenario_id: str = "six", title: str = "Six seats", notes: bool = True
) -> dict[str, Any]:
    """Six seats of weights 1, 2, 3, 1, 2, 3, consensus in at most 3 rounds,
    a secret ballot, and 2 implementation periods.

    The agenda: a cut (low, mid, high) on which the seats' values spread
    apart, checks (a verification issue: none or full) and fines (an
    enforcement issue: none or heavy). Every seat's reservation is 0.2. With
    ``notes`` each brief carries the private notes ``"private notes of s1"``
    (and so on), which no other seat may ever see.
    """

    issues = [
        {"id": "cut", "title": "Cut", "options": ["low", "mid", "high"]},
        {"id": "checks", "title": "Checks", "kind": "verification", "options": ["none", "full"]},
        {"id": "fines", "title": "Fines", "kind": "enforcement", "options": ["none", "heavy"]},
    ]
    delegations = []
    for n, seat in enumerate(SIX_SEATS):
        brief: dict[str, Any] = {
            "weights": {"cut": 0.5, "checks": 0.25, "fines": 0.25},
            "values": {
                "cut": [0.1 * n, 0.5, 1 - 0.1 * n],
                "checks": [0.3, 0.7],
                "fines": [0.6, 0.4],
            },
            "reservation": 0.2,
        }
        if notes:
            brief["notes"] = f"private notes of {seat}"
        delegations.append(
            {
                "id": seat,
                "name": f"Seat {n + 1}",
                "weight": 1 + n % 3,
                "veto": seat == "s6",
                "brief": brief,
            }
        )
    return {
        "id": scenario_id,
        "title": title,
        "issues": issues,
        "delegations": delegations,
        "rules": {"decision": "consensus", "ballot": "secret", "max_rounds": 3},
        "implementation": {
            "periods": 2,
            "inspection_cost": 0.01,
            "challenge_quota": 1,
            "detection": {"checks": [0.0, 1.0]},
            "sanction": {"fines": [0.0, 0.3]},
            "parties": {
                seat: {"comply_cost": 0.05, "defect_gain": 0.1, "harm": 0.02} for seat in SIX_SEATS
            },
        },
    }
