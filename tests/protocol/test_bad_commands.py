"""Every kind of bad command gets its own typed error and changes nothing."""

from __future__ import annotations

import pytest

from accord.protocol.commands import (
    Act,
    CastVeto,
    CastVote,
    Challenge,
    Pass,
    Propose,
    Say,
    SeatCommand,
    Withdraw,
)
from accord.protocol.engine.room import Room
from accord.protocol.errors import RuleViolation, all_codes
from tests.helpers import PKG_A, PKG_B, scenario, seated_room

IMPLEMENTATION = {
    "periods": 2,
    "inspection_cost": 0.01,
    "challenge_quota": 1,
    "parties": {s: {"comply_cost": 0.1, "defect_gain": 0.2, "harm": 0.05} for s in "pbc"},
}
SEATS = [("p", 1.0, True), ("b", 1.0, False), ("c", 1.0, False)]


def fingerprint(room: Room) -> tuple:
    return (
        len(room.log),
        room.chain.head,
        room.phase,
        room.round,
        room.period,
        room.deadline,
        repr(room._round),
        repr(room._period),
        repr(room.ledgers),
        repr(room.seated),
    )


def in_tabling() -> Room:
    room = seated_room(scenario(SEATS, implementation=IMPLEMENTATION))
    room.handle("b", Propose(package=PKG_A), now=1.0)
    return room


def in_ballot() -> Room:
    room = in_tabling()
    room.handle("c", Propose(package=PKG_B), now=1.0)
    room.handle("b", Withdraw(package_id="R1-b-1"), now=1.0)
    room.handle("p", Pass(), now=1.0)
    room.handle("b", Propose(package=PKG_A), now=1.0)
    assert room.phase == "ballot"
    room.handle("b", CastVote(package_id="R1-c-1", vote="yes"), now=2.0)
    return room


def in_action() -> Room:
    room = in_tabling()
    room.handle("c", Pass(), now=1.0)
    room.handle("p", Pass(), now=1.0)
    for seat in "pbc":
        room.handle(seat, CastVote(package_id="R1-b-1", vote="yes"), now=2.0)
    assert room.phase == "action"
    room.handle("p", Act(choice="comply"), now=3.0)
    return room


def in_verification() -> Room:
    room = in_action()
    room.handle("b", Act(choice="defect"), now=3.0)
    room.handle("c", Act(choice="comply"), now=3.0)
    assert room.phase == "verification"
    room.handle("p", Challenge(target="b"), now=4.0)
    return room


def concluded() -> Room:
    room = seated_room(scenario(SEATS, rules={"max_rounds": 1}))
    for seat in "pbc":
        room.handle(seat, Pass(), now=1.0)
    assert room.finished
    return room


CASES: list[tuple[str, object, str, SeatCommand, str]] = [
    ("vote in tabling", in_tabling, "b", CastVote(package_id="R1-b-1", vote="yes"), "wrong_phase"),
    ("act in tabling", in_tabling, "b", Act(choice="defect"), "wrong_phase"),
    ("challenge in ballot", in_ballot, "b", Challenge(target="c"), "wrong_phase"),
    ("table in ballot", in_ballot, "c", Propose(package=PKG_A), "wrong_phase"),
    (
        "withdraw another seat's package",
        in_tabling,
        "c",
        Withdraw(package_id="R1-b-1"),
        "not_your_package",
    ),
    ("withdraw unknown package", in_tabling, "b", Withdraw(package_id="P99"), "unknown_package"),
    (
        "option that does not exist",
        in_tabling,
        "c",
        Propose(package={"cut": "max", "money": "some"}),
        "unknown_option",
    ),
    (
        "issue that does not exist",
        in_tabling,
        "c",
        Propose(package={**PKG_A, "oil": "x"}),
        "unknown_issue",
    ),
    (
        "package missing an issue",
        in_tabling,
        "c",
        Propose(package={"cut": "low"}),
        "incomplete_package",
    ),
    ("tabling beyond the limit", in_tabling, "b", Propose(package=PKG_B), "tabling_limit"),
    (
        "vote on unknown package",
        in_ballot,
        "c",
        CastVote(package_id="P42", vote="yes"),
        "unknown_package",
    ),
    (
        "vote on withdrawn package",
        in_ballot,
        "c",
        CastVote(package_id="R1-b-1", vote="yes"),
        "package_withdrawn",
    ),
    ("vote twice", in_ballot, "b", CastVote(package_id="R1-c-1", vote="no"), "already_voted"),
    ("veto by a non-holder", in_ballot, "c", CastVeto(package_id="R1-c-1"), "not_veto_holder"),
    ("act for another seat", in_tabling, "b", Propose(package=PKG_B, seat="c"), "not_your_seat"),
    ("act twice in a period", in_action, "p", Act(choice="defect"), "already_acted"),
    ("challenge oneself", in_verification, "b", Challenge(target="b"), "self_challenge"),
    ("challenge unknown seat", in_verification, "b", Challenge(target="zz"), "unknown_seat"),
    ("challenge beyond quota", in_verification, "p", Challenge(target="c"), "challenge_quota"),
    ("statement too long", in_tabling, "b", Say(text="x" * 1001), "statement_too_long"),
    ("empty statement", in_tabling, "b", Say(text="   "), "empty_statement"),
    ("private statement to nobody", in_tabling, "b", Say(text="hi", to=[]), "bad_recipients"),
    ("private statement to oneself", in_tabling, "b", Say(text="hi", to=["b"]), "bad_recipients"),
    (
        "private statement to unknown seat",
        in_tabling,
        "b",
        Say(text="hi", to=["zz"]),
        "unknown_seat",
    ),
    ("pass twice", in_ballot, "p", Pass(), "wrong_phase"),
    ("command after conclusion", concluded, "b", Say(text="late"), "room_concluded"),
]


@pytest.mark.parametrize(
    ("name", "setup", "seat", "command", "code"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_command_is_refused_with_its_code_and_changes_nothing(
    name: str, setup, seat: str, command: SeatCommand, code: str
) -> None:
    room = setup()
    before = fingerprint(room)
    with pytest.raises(RuleViolation) as caught:
        room.handle(seat, command, now=9.0)
    assert caught.value.code == code
    assert code in all_codes()
    assert caught.value.message
    assert fingerprint(room) == before


def test_unknown_seat_acting_is_refused() -> None:
    room = in_tabling()
    before = fingerprint(room)
    with pytest.raises(RuleViolation) as caught:
        room.handle("intruder", Pass(), now=1.0)
    assert caught.value.code == "unknown_seat"
    assert fingerprint(room) == before


def test_vetoes_disabled() -> None:
    room = seated_room(scenario(SEATS, rules={"vetoes": False}))
    room.handle("b", Propose(package=PKG_A), now=1.0)
    room.handle("c", Pass(), now=1.0)
    room.handle("p", Pass(), now=1.0)
    before = fingerprint(room)
    with pytest.raises(RuleViolation) as caught:
        room.handle("p", CastVeto(package_id="R1-b-1"), now=2.0)
    assert caught.value.code == "vetoes_disabled"
    assert fingerprint(room) == before


def test_pass_twice_in_tabling() -> None:
    room = in_tabling()
    room.handle("c", Pass(), now=1.0)
    with pytest.raises(RuleViolation) as caught:
        room.handle("c", Pass(), now=1.0)
    assert caught.value.code == "already_passed"
    with pytest.raises(RuleViolation) as caught:
        room.handle("c", Propose(package=PKG_B), now=1.0)
    assert caught.value.code == "already_passed"


def test_organizer_start_twice_is_wrong_phase() -> None:
    room = in_tabling()
    with pytest.raises(RuleViolation) as caught:
        room.start(now=1.0)
    assert caught.value.code == "wrong_phase"


def test_every_refusal_has_a_distinct_code() -> None:
    codes = [c[4] for c in CASES]
    expected = {
        "wrong_phase",
        "not_your_package",
        "unknown_package",
        "unknown_option",
        "unknown_issue",
        "incomplete_package",
        "tabling_limit",
        "package_withdrawn",
        "already_voted",
        "not_veto_holder",
        "not_your_seat",
        "already_acted",
        "self_challenge",
        "unknown_seat",
        "challenge_quota",
        "statement_too_long",
        "empty_statement",
        "bad_recipients",
        "room_concluded",
    }
    assert set(codes) == expected
