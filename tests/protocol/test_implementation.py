"""The implementation phase: free riding, inspections, quotas and sanctions."""

from __future__ import annotations

import statistics

import pytest

from accord.protocol.commands import Act, CastVote, Challenge, Pass, Propose
from accord.protocol.engine.room import Room
from accord.protocol.errors import RuleViolation
from accord.protocol.events import ChallengeResult, SanctionImposed, TalksConcluded
from accord.protocol.scenario import Scenario, load_scenario
from tests.helpers import PKG_A, scenario, seated_room


def regime_package(s: Scenario, *, strongest: bool) -> dict[str, str]:
    """A package with the weakest (or strongest) verification and enforcement options."""

    assert s.implementation is not None
    package = {}
    for issue in s.issues:
        if issue.kind == "verification":
            row = s.implementation.detection[issue.id]
            pick = max if strongest else min
            package[issue.id] = issue.options[row.index(pick(row))]
        elif issue.kind == "enforcement":
            row = s.implementation.sanction[issue.id]
            pick = max if strongest else min
            package[issue.id] = issue.options[row.index(pick(row))]
        else:
            package[issue.id] = issue.options[0]
    return package


def implement(
    s: Scenario, package: dict[str, str], *, subject: str, choice: str, seed: int
) -> TalksConcluded:
    """Adopt ``package`` by acclamation, then let ``subject`` always ``choice``.

    Every other seat complies; one of them (the inspector) challenges the
    subject every period, the others pass.
    """

    room = Room(s, room_id="impl", seed=seed, now=0.0)
    for seat in s.seats:
        room.join(seat, now=0.0)
    first, *rest = s.seats
    room.handle(first, Propose(package=package), now=1.0)
    for seat in rest:
        if room.phase == "tabling":
            room.handle(seat, Pass(), now=1.0)
    if room.phase == "tabling":
        room.handle(first, Pass(), now=1.0)
    for seat in s.seats:
        room.handle(seat, CastVote(package_id=f"R1-{first}-1", vote="yes"), now=2.0)
    assert room.adopted is not None, "the acclaimed package must be adopted"
    inspector = next(x for x in s.seats if x != subject)
    now = 3.0
    while not room.finished:
        now += 1.0
        for seat in s.seats:
            room.handle(seat, Act(choice=choice if seat == subject else "comply"), now=now)
        for seat in s.seats:
            if room.phase != "verification":
                break
            if seat == inspector:
                room.handle(seat, Challenge(target=subject), now=now)
            else:
                room.handle(seat, Pass(), now=now)
    assert room.concluded is not None
    return room.concluded


def raw_of(concluded: TalksConcluded, seat: str) -> float:
    return next(x.raw for x in concluded.scores if x.seat == seat)


@pytest.mark.parametrize(
    "name",
    [
        "climate-accord",
        "nonproliferation-deal",
        "six-party-talks",
        "trade-round",
        "security-council",
    ],
)
def test_free_riding_pays_without_verification_and_not_under_the_strongest_regime(
    name: str,
) -> None:
    s = load_scenario(name)
    subject = s.seats[-1]
    weak = regime_package(s, strongest=False)
    defect = raw_of(implement(s, weak, subject=subject, choice="defect", seed=1), subject)
    comply = raw_of(implement(s, weak, subject=subject, choice="comply", seed=1), subject)
    assert defect > comply

    strong = regime_package(s, strongest=True)
    seeds = range(40)
    defects = [
        raw_of(implement(s, strong, subject=subject, choice="defect", seed=k), subject)
        for k in seeds
    ]
    complies = [
        raw_of(implement(s, strong, subject=subject, choice="comply", seed=k), subject)
        for k in seeds
    ]
    assert len(set(complies)) == 1  # complying is never sanctioned
    noise = 3 * statistics.stdev(defects) / len(defects) ** 0.5
    assert statistics.mean(defects) + noise < complies[0]


IMPL = {
    "periods": 2,
    "inspection_cost": 0.07,
    "challenge_quota": 2,
    "parties": {s: {"comply_cost": 0.1, "defect_gain": 0.3, "harm": 0.05} for s in "abc"},
}
ISSUES = [
    {"id": "cut", "options": ["low", "mid", "high"]},
    {"id": "money", "options": ["none", "some"]},
    {"id": "checks", "kind": "verification", "options": ["none", "full"]},
    {"id": "fines", "kind": "enforcement", "options": ["none", "big"]},
]


def adopted_room(seed: int = 1) -> Room:
    s = scenario(
        issues=ISSUES,
        implementation={
            **IMPL,
            "detection": {"checks": [0.0, 1.0]},
            "sanction": {"fines": [0.0, 0.5]},
        },
    )
    room = seated_room(s, seed=seed)
    room.handle("a", Propose(package={**PKG_A, "checks": "full", "fines": "big"}), now=1.0)
    room.handle("b", Pass(), now=1.0)
    room.handle("c", Pass(), now=1.0)
    for seat in "abc":
        room.handle(seat, CastVote(package_id="R1-a-1", vote="yes"), now=2.0)
    assert room.phase == "action"
    return room


def test_inspection_costs_are_charged_and_detection_sanctions() -> None:
    room = adopted_room()
    room.handle("a", Act(choice="defect"), now=3.0)
    room.handle("b", Act(choice="comply"), now=3.0)
    room.handle("c", Act(choice="comply"), now=3.0)
    assert room.phase == "verification"
    events = room.handle("b", Challenge(target="a"), now=4.0)
    result = next(e for e in events if isinstance(e, ChallengeResult))
    assert result.detected and result.cost == 0.07
    events = room.handle("b", Challenge(target="c"), now=4.0)  # quota 2
    assert not next(e for e in events if isinstance(e, ChallengeResult)).detected
    with pytest.raises(RuleViolation) as caught:
        room.handle("b", Challenge(target="c"), now=4.0)
    assert caught.value.code == "challenge_quota"
    room.handle("a", Pass(), now=4.0)
    events = room.handle("c", Pass(), now=4.0)
    sanctions = [e for e in events if isinstance(e, SanctionImposed)]
    assert [(e.seat, e.amount) for e in sanctions] == [("a", 0.5)]
    assert room.phase == "action" and room.period == 2
    # period 2: everyone complies, nobody inspects
    for seat in "abc":
        room.handle(seat, Act(choice="comply"), now=5.0)
    for seat in "abc":
        room.handle(seat, Pass(), now=6.0)
    scores = {s.seat: s for s in room.concluded.scores}  # type: ignore[union-attr]
    assert scores["b"].inspection_costs == pytest.approx(0.14)
    assert scores["a"].sanctions == 0.5 and scores["a"].detected == 1
    assert scores["a"].defection_gains == pytest.approx(0.3)
    assert scores["a"].compliance_costs == pytest.approx(0.1)
    assert scores["b"].harm_suffered == pytest.approx(0.05)
    u = scores["b"].utility
    assert scores["b"].raw == pytest.approx(u - 0.2 - 0.05 - 0.14)


def test_challenges_outside_verification_are_typed_errors() -> None:
    room = adopted_room()
    with pytest.raises(RuleViolation) as caught:
        room.handle("b", Challenge(target="a"), now=3.0)
    assert caught.value.code == "wrong_phase"
    for seat in "abc":
        room.handle(seat, Act(choice="comply"), now=3.0)
    room.tick(now=10_000.0)  # the verification deadline passes
    assert room.phase == "action" and room.period == 2
    with pytest.raises(RuleViolation) as caught:
        room.handle("b", Challenge(target="a"), now=10_001.0)
    assert caught.value.code == "wrong_phase"


def test_missing_actions_default_to_comply_and_are_recorded() -> None:
    from accord.protocol.events import Timeout

    room = adopted_room()
    room.handle("a", Act(choice="defect"), now=3.0)
    events = room.tick(now=10_000.0)
    timeouts = [e for e in events if isinstance(e, Timeout)]
    assert {(t.seat, t.default) for t in timeouts} == {("b", "comply"), ("c", "comply")}
    assert room.ledgers["b"].actions == ["comply"]


def test_no_implementation_without_an_agreement() -> None:
    s = scenario(
        issues=ISSUES,
        rules={"max_rounds": 1},
        implementation={
            **IMPL,
            "detection": {"checks": [0.0, 1.0]},
            "sanction": {"fines": [0.0, 0.5]},
        },
    )
    room = seated_room(s)
    for seat in "abc":
        room.handle(seat, Pass(), now=1.0)
    assert room.finished and room.concluded is not None
    assert room.concluded.outcome == "no_deal"
    for score in room.concluded.scores:
        assert score.utility == 0.3 and score.raw == 0.3  # reservation, nothing else
