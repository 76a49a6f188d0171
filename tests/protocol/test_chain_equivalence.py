"""The chain's fast paths give exactly the hashes of the documented construction.

The reference below follows docs/protocol.md word for word: secret paths,
salts, digests, the chained form, and the exact RFC 8785 writer (no msgspec
shortcut). Random talks push the fast paths to their edges: secret ballots,
private statements, weights that print with exponents, integral floats, and
ids beyond the BMP (where key order by UTF-16 differs from code points).
"""

from __future__ import annotations

import hashlib
import random

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.bots.inprocess import play
from accord.bots.strategies.coalition_builder import CoalitionBuilder
from accord.bots.strategies.conceder import Conceder
from accord.bots.strategies.free_rider import FreeRider
from accord.bots.strategies.inspector import Inspector
from accord.bots.strategies.random import Random
from accord.protocol.commands import Act, CastVote, Propose
from accord.protocol.engine.room import Room
from accord.protocol.engine.seals import Secrets, chained_form, pointer_get
from accord.protocol.events import TalksOpened
from accord.protocol.jcs import _text
from accord.protocol.scenario import Scenario, scenario_from_dict

LINEUP = (CoalitionBuilder, Conceder, Random, FreeRider, Inspector)


def reference_hashes(log: list) -> list[str]:
    """Every hash of the chain, computed the slow, literal way."""

    opened = log[0]
    assert isinstance(opened, TalksOpened) and opened.sealing_key is not None
    key = bytes.fromhex(opened.sealing_key)
    secrets = Secrets(opened)
    previous, out = "0" * 64, []
    for event in log:
        document = msgspec.to_builtins(event)
        digests = {}
        for path in secrets.paths(event):
            salt = hashlib.blake2s(f"{event.seq}:{path}".encode(), key=key).digest()
            value = pointer_get(document, path)
            digests[path] = hashlib.sha256(salt + _text(value).encode("utf-8")).hexdigest()
        form = chained_form(document, digests)
        previous = hashlib.sha256(previous.encode() + _text(form).encode("utf-8")).hexdigest()
        out.append(previous)
    return out


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    seats = draw(st.integers(3, 4))
    odd = draw(st.booleans())
    ids = ["\U0001f30d", "\ufb33", "a"] if odd else ["cut", "checks", "fund"]
    issues = [
        {"id": ids[0], "title": "A", "options": ["low", "mid", "high"]},
        {"id": ids[1], "title": "B", "kind": "verification", "options": ["none", "full"]},
        {"id": ids[2], "title": "C", "kind": "enforcement", "options": ["none", "heavy"]},
    ]
    weight = st.sampled_from([1.0, 2.0, 1e-5, 0.3, 123456.789, 1e6])
    delegations = [
        {
            "id": f"s{n}" if not odd else f"s{n}\U0001f600",
            "weight": draw(weight),
            "veto": draw(st.booleans()),
            "brief": {
                "weights": {i: w for i, w in zip(ids, (0.5, 0.25, 0.25), strict=True)},
                "values": {
                    ids[0]: [0.0, draw(st.sampled_from([0.5, 1e-5, 0.123456789])), 1.0],
                    ids[1]: [1.0, 0.0],
                    ids[2]: [1.0, 0.0],
                },
                "reservation": draw(st.sampled_from([0.0, 0.25, 0.5])),
            },
        }
        for n in range(seats)
    ]
    return {
        "id": "chain",
        "issues": issues,
        "delegations": delegations,
        "rules": {
            "max_rounds": draw(st.integers(1, 3)),
            "ballot": draw(st.sampled_from(["open", "secret"])),
            "decision": draw(st.sampled_from(["consensus", "qualified", "unanimity"])),
        },
        "implementation": {
            "periods": draw(st.integers(1, 2)),
            "inspection_cost": draw(st.sampled_from([0.0, 0.02, 1e-5])),
            "detection": {ids[1]: [0.0, 1.0]},
            "sanction": {ids[2]: [0.0, draw(st.sampled_from([0.5, 2.0, 100.0]))]},
            "parties": {
                d["id"]: {"comply_cost": 0.1, "defect_gain": 0.2, "harm": 0.05} for d in delegations
            },
        },
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=scenarios(),
    seed=st.integers(0, 10_000),
    start=st.sampled_from([0, 0.0, 1.7e9, 1.7e9 + 0.25, 5e-5, 2e16]),
)
def test_the_chain_gives_the_reference_hashes(raw: dict, seed: int, start: float) -> None:
    scenario = scenario_from_dict(raw, file="chain")
    lineup = {s: LINEUP[n % len(LINEUP)]() for n, s in enumerate(scenario.seats)}
    room = play(scenario, lineup, seed=seed, start=start).room
    assert room.chain.hashes == reference_hashes(room.log)


def drive(scenario: Scenario, seed: int, start: float, step: float, yes_rate: float) -> Room:
    """A talk driven straight through the engine, every command at ``start + k·step``."""

    rng = random.Random(seed)
    room = Room(scenario, room_id="whole", seed=seed, now=start)
    seats = scenario.seats
    now = start
    for seat in seats:
        room.join(seat, now=now)
    while not room.finished:
        now += step
        if room.phase == "tabling":
            for seat in seats:
                package = {i.id: rng.choice(i.options) for i in scenario.issues}
                room.handle(seat, Propose(package=package), now=now)
        elif room.phase == "ballot":
            for tabled in room.packages():
                for seat in seats:
                    vote = "yes" if rng.random() < yes_rate else "no"
                    room.handle(seat, CastVote(package_id=tabled.package_id, vote=vote), now=now)
        elif room.phase == "action":
            for seat in seats:
                room.handle(seat, Act(choice=rng.choice(["comply", "defect"])), now=now)
        else:
            room.tick(now=now + 10_000.0)
    return room


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=scenarios(),
    seed=st.integers(0, 10_000),
    start=st.sampled_from([0, 0.0, 3.0, 1.7e9, 2e16]),
    step=st.sampled_from([1, 1.0, 0.5]),
    yes_rate=st.sampled_from([0.2, 0.9]),
)
def test_whole_second_clocks_give_the_reference_hashes(
    raw: dict, seed: int, start: float, step: float, yes_rate: float
) -> None:
    # whole floats (and ints) print as integers: the fast paths must convert them
    scenario = scenario_from_dict(raw, file="chain")
    room = drive(scenario, seed, start, step, yes_rate)
    assert room.chain.hashes == reference_hashes(room.log)
