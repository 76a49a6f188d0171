"""Scenarios at the limits play to finite, replayable transcripts; beyond them, they are refused.

Random scenarios are drawn with every number at or near its bound (voting
weights up to 10⁶, costs, gains, harm and sanctions up to 1000, probabilities
at 0 and 1, the smallest positive float where 0 is excluded), played to the
end by random, free-riding and inspecting delegations, and every number of
every logged event must be finite and the transcript must replay. Sometimes
one field is pushed just or far beyond its bound: the loader must then refuse
the scenario, naming that field.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import msgspec
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accord.bots.inprocess import play
from accord.bots.sdk import Delegation
from accord.bots.strategies.free_rider import FreeRider
from accord.bots.strategies.inspector import Inspector
from accord.bots.strategies.random import Random
from accord.protocol.engine.transcript import export, read, verify
from accord.protocol.errors import ScenarioError
from accord.protocol.events import TalksConcluded
from accord.protocol.scenario import scenario_from_dict
from accord.protocol.scenario.limits import (
    MAX_AMOUNT,
    MAX_CHALLENGE_QUOTA,
    MAX_PROPOSALS_PER_ROUND,
    MAX_SAFE_INTEGER,
    MAX_STATEMENT_LIMIT,
    MAX_TIME_LIMIT,
    MAX_VOTING_WEIGHT,
)

TINY = 5e-324  # the smallest positive float
HUGE = sys.float_info.max

VOTING_WEIGHTS = [MAX_VOTING_WEIGHT, math.nextafter(MAX_VOTING_WEIGHT, 0.0), 1.0, 1e-300, TINY]
AMOUNTS = [MAX_AMOUNT, math.nextafter(MAX_AMOUNT, 0.0), 0.0, 0.5]
SHARES = [0.0, 1.0, math.nextafter(1.0, 0.0), 0.5, TINY]
BEYOND_WEIGHT = [math.nextafter(MAX_VOTING_WEIGHT, math.inf), 1e308, HUGE, math.inf, math.nan]
BEYOND_AMOUNT = [math.nextafter(MAX_AMOUNT, math.inf), 1e308, HUGE, math.inf, math.nan]

STRATEGIES = {
    "random": Random,
    "free-rider": FreeRider,
    "inspector": Inspector,
}


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], str | None]:
    """A file-form scenario at the limits, and the path of the field pushed beyond (if any)."""

    seats = [f"s{n}" for n in range(draw(st.integers(2, 6)))]
    kinds = ["verification", "enforcement"] + ["substance"] * draw(st.integers(1, 2))
    issues = [
        {"id": f"i{n}", "kind": kind, "options": [f"o{k}" for k in range(draw(st.integers(2, 3)))]}
        for n, kind in enumerate(kinds)
    ]
    ids = [issue["id"] for issue in issues]
    share = st.sampled_from(SHARES)
    amount = st.sampled_from(AMOUNTS)

    def row(issue: dict[str, Any], values: st.SearchStrategy[float]) -> list[float]:
        return [draw(values) for _ in issue["options"]]

    delegations = []
    for seat in seats:
        focus = draw(st.sampled_from([None, *ids]))
        weights = {i: (1 / len(ids) if focus is None else float(i == focus)) for i in ids}
        delegations.append(
            {
                "id": seat,
                "weight": draw(st.sampled_from(VOTING_WEIGHTS)),
                "veto": draw(st.booleans()),
                "brief": {
                    "weights": weights,
                    "values": {issue["id"]: row(issue, share) for issue in issues},
                    "reservation": draw(share),
                },
            }
        )
    raw: dict[str, Any] = {
        "id": "extreme",
        "issues": issues,
        "delegations": delegations,
        "rules": {
            "decision": draw(st.sampled_from(["unanimity", "consensus", "qualified"])),
            "threshold": draw(st.sampled_from([1.0, 0.5, TINY])),
            "quorum": draw(st.sampled_from([0.0, 1.0])),
            "vetoes": draw(st.booleans()),
            "max_rounds": draw(st.integers(1, 3)),
            "proposals_per_round": draw(st.sampled_from([1, MAX_PROPOSALS_PER_ROUND])),
            "ballot": draw(st.sampled_from(["open", "secret"])),
            "statement_limit": draw(st.sampled_from([1, MAX_STATEMENT_LIMIT])),
            "time_limits": {
                name: draw(st.sampled_from([MAX_TIME_LIMIT, 1.0]))
                for name in ("tabling", "ballot", "action", "verification")
            },
        },
        "implementation": {
            "periods": draw(st.integers(1, 5)),
            "inspection_cost": draw(amount),
            "challenge_quota": draw(st.sampled_from([0, 1, MAX_CHALLENGE_QUOTA])),
            "detection": {issues[0]["id"]: row(issues[0], share)},
            "sanction": {issues[1]["id"]: row(issues[1], amount)},
            "parties": {
                seat: {
                    "comply_cost": draw(amount),
                    "defect_gain": draw(amount),
                    "harm": draw(amount),
                }
                for seat in seats
            },
        },
    }
    # half the time, push one field beyond its bound
    beyond = draw(
        st.none()
        | st.sampled_from(
            ["weight", "harm", "defect_gain", "comply_cost", "sanction", "inspection_cost"]
        )
    )
    impl = raw["implementation"]
    if beyond == "weight":
        value = draw(st.sampled_from(BEYOND_WEIGHT))
        for delegation in delegations:
            delegation["weight"] = value
        return raw, "$.delegations[0].weight"
    if beyond is None:
        return raw, None
    value = draw(st.sampled_from(BEYOND_AMOUNT))
    if beyond == "sanction":
        sanctioned = issues[1]["id"]
        impl["sanction"][sanctioned] = [value] * len(issues[1]["options"])
        return raw, f"$.implementation.sanction.{sanctioned}[0]"
    if beyond == "inspection_cost":
        impl["inspection_cost"] = value
        return raw, "$.implementation.inspection_cost"
    for terms in impl["parties"].values():
        terms[beyond] = value
    return raw, f"$.implementation.parties.{seats[0]}.{beyond}"


def numbers(value: Any) -> list[int | float]:
    """Every number in a decoded value (bools are not numbers here)."""

    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers(v)]
    if isinstance(value, list | tuple):
        return [n for v in value for n in numbers(v)]
    return []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    drawn=scenarios(),
    lineup=st.lists(st.sampled_from(["random", "random", "free-rider", "inspector"]), min_size=6),
    seed=st.integers(0, 2**32),
)
def test_scenarios_at_the_limits_play_to_finite_replayable_transcripts(
    drawn: tuple[dict[str, Any], str | None], lineup: list[str], seed: int
) -> None:
    raw, beyond = drawn
    event("refused" if beyond else "played")
    try:
        scenario = scenario_from_dict(raw, file="extreme")
    except ScenarioError as exc:
        assert beyond is not None, f"a scenario within the limits was refused: {exc}"
        assert exc.path == beyond
        assert "is outside" in exc.problem
        return
    assert beyond is None, f"{beyond} is beyond its limit but the scenario was accepted"

    delegations: dict[str, Delegation] = {
        seat: STRATEGIES[name]() for seat, name in zip(scenario.seats, lineup, strict=False)
    }
    talk = play(scenario, delegations, seed=seed)
    room = talk.room
    assert isinstance(room.concluded, TalksConcluded)
    for logged in room.log:
        for number in numbers(msgspec.to_builtins(logged)):
            if isinstance(number, int):
                assert abs(number) <= MAX_SAFE_INTEGER, f"{type(logged).__name__} holds {number}"
            else:
                assert math.isfinite(number), f"{type(logged).__name__} holds {number}"
    verification = verify(read(export(room).splitlines()))
    assert verification.ok, verification.problems
    assert len(verification.scores) == len(scenario.seats)
