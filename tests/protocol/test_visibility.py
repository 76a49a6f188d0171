"""Live visibility of the events whose content is not for everyone, whatever their field types."""

from __future__ import annotations

from accord.protocol.engine.visibility import ORGANIZER, SPECTATOR, Viewer, visible
from accord.protocol.events import ActionTaken, StatementMade, Timeout, VoteCast


def test_a_private_statement_reaches_only_its_speaker_its_addressees_and_the_organizer() -> None:
    for to in (("b", "c"), ["b", "c"]):  # engine events hold tuples, decoded ones lists
        said = StatementMade(room="r", seq=5, at=1.0, seat="a", text="between us", to=to)  # type: ignore[arg-type]
        assert visible(said, SPECTATOR) is None
        assert visible(said, Viewer.of_seat("d")) is None
        for reader in (ORGANIZER, Viewer.of_seat("a"), Viewer.of_seat("b"), Viewer.of_seat("c")):
            assert visible(said, reader) is said
    public = StatementMade(room="r", seq=6, at=1.0, seat="a", text="to all")
    assert visible(public, SPECTATOR) is public


def test_votes_and_actions_are_hidden_from_everyone_but_their_seat() -> None:
    vote = VoteCast(room="r", seq=7, at=1.0, seat="a", round=1, package_id="R1-a-1", vote="no")
    assert visible(vote, SPECTATOR).vote is None  # type: ignore[union-attr]
    assert visible(vote, Viewer.of_seat("b")).vote is None  # type: ignore[union-attr]
    assert visible(vote, Viewer.of_seat("a")) is vote
    act = ActionTaken(room="r", seq=8, at=1.0, seat="a", period=1, choice="defect")
    missed = Timeout(room="r", seq=9, at=1.0, seat="a", phase="action", default="comply")
    for hidden in (act, missed):
        assert visible(hidden, SPECTATOR) is None and visible(hidden, Viewer.of_seat("b")) is None
        assert visible(hidden, Viewer.of_seat("a")) is hidden
