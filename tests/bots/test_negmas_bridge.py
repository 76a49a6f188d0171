"""NegMAS negotiators in accord seats: they table, vote and finish talks against
accord strategies, see the brief's utility exactly, run in a tournament, and
unknown names are refused clearly."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("negmas")

from accord.bots import (  # noqa: E402
    Context,
    Delegation,
    load,
    negmas_bridge,  # noqa: E402
    play,
)
from accord.bots.registry import UnknownStrategy  # noqa: E402
from accord.protocol.events import ProposalTabled, TalksConcluded, VoteCast  # noqa: E402
from accord.protocol.scenario import load_scenario  # noqa: E402
from accord.protocol.tournament import tournament_from_dict  # noqa: E402
from accord.server.tournament.runner import run_tournament  # noqa: E402
from accord.server.tournament.store import load_results  # noqa: E402

NEGOTIATORS = ["BoulwareTBNegotiator", "NaiveTitForTatNegotiator", "MiCRONegotiator"]
SCENARIOS = ["trade-round", "security-council", "climate-accord"]


@pytest.mark.parametrize("scenario_name", SCENARIOS)
@pytest.mark.parametrize("negotiator", NEGOTIATORS)
def test_negmas_negotiators_finish_talks_against_accord_strategies(
    negotiator: str, scenario_name: str
) -> None:
    scenario = load_scenario(scenario_name)
    negmas_seat = load(f"negmas:{negotiator}")
    others = ["conceder", "tit-for-tat", "hardliner"]
    lineup: dict[str, Delegation] = {}
    for n, seat in enumerate(scenario.seats):
        lineup[seat] = negmas_seat() if n % 2 == 0 else load(others[n // 2 % len(others)])()
    talk = play(scenario, lineup, seed=3)

    assert not talk.failures and not talk.rejections
    assert isinstance(talk.room.log[-1], TalksConcluded)
    ours = {seat for n, seat in enumerate(scenario.seats) if n % 2 == 0}
    options = {issue.id: set(issue.options) for issue in scenario.issues}
    tabled = [e for e in talk.room.log if isinstance(e, ProposalTabled) and e.seat in ours]
    assert {e.seat for e in tabled} == ours
    for event in tabled:
        assert set(event.package) == set(options)
        assert all(option in options[issue] for issue, option in event.package.items())
    votes = [e for e in talk.room.log if isinstance(e, VoteCast) and e.seat in ours]
    assert {e.seat for e in votes} == ours
    assert {e.vote for e in votes} <= {"yes", "no"}


def test_a_talk_with_negmas_seats_is_a_function_of_its_seed() -> None:
    scenario = load_scenario("security-council")

    def log(seed: int) -> list[Any]:
        lineup: dict[str, Delegation] = {
            seat: load("negmas:MiCRONegotiator" if n % 2 else "negmas:AspirationNegotiator")()
            for n, seat in enumerate(scenario.seats)
        }
        return list(play(scenario, lineup, seed=seed).room.log)

    assert log(5) == log(5)


class Checked(negmas_bridge.delegation_for("AspirationNegotiator")):  # type: ignore[misc]
    """Compares the NegMAS utility function it builds with ``ctx.utility``."""

    pairs: list[tuple[float, float]]
    reserved: tuple[float, float]

    def on_start(self, ctx: Context) -> None:
        super().on_start(ctx)
        sample = random.Random(7)
        self.pairs = []
        for _ in range(200):
            package = {i.id: sample.choice(i.options) for i in ctx.scenario.issues}
            self.pairs.append((float(self.ufun(self.outcome(package))), ctx.utility(package)))
        self.reserved = (float(self.ufun.reserved_value), ctx.reservation)


@pytest.mark.parametrize("scenario_name", SCENARIOS)
def test_the_utility_function_is_the_briefs(scenario_name: str) -> None:
    scenario = load_scenario(scenario_name)
    seats = {seat: Checked() for seat in scenario.seats[:2]}
    talk = play(scenario, seats, seed=1)
    assert not talk.failures
    for checked in seats.values():
        assert len(checked.pairs) == 200
        for negmas_value, accord_value in checked.pairs:
            assert negmas_value == pytest.approx(accord_value, abs=1e-12)
        assert checked.reserved[0] == checked.reserved[1]


def test_options_reach_the_negotiator() -> None:
    cls = load("negmas:TimeBasedConcedingNegotiator")
    assert cls is load("negmas:TimeBasedConcedingNegotiator")  # one class per name
    assert cls.name == "negmas:TimeBasedConcedingNegotiator"
    scenario = load_scenario("security-council")
    seat = cls(name="kept")
    play(scenario, {scenario.seats[0]: seat}, seed=1)
    assert (seat.negotiator.name, seat.negotiator.id) == ("kept", scenario.seats[0])


def test_a_tournament_with_negmas_and_accord_entries(tmp_path: Path) -> None:
    tournament = tournament_from_dict(
        {
            "name": "negmas",
            "seed": 2,
            "format": "sample",
            "sample": 2,
            "store": str(tmp_path / "t.db"),
            "entries": [
                {"name": "micro", "strategy": "negmas:MiCRONegotiator"},
                {"name": "boulware", "strategy": "negmas:BoulwareTBNegotiator"},
                {"name": "conceder", "strategy": "conceder"},
            ],
            "scenarios": [{"name": "security-council"}],
        }
    )
    summary = run_tournament(tournament, workers=1)
    assert summary.played == summary.total > 0
    _, results = load_results(str(tmp_path / "t.db"), "negmas")
    assert len(results) == summary.total
    for result in results:
        assert not result.problems
    entries = {seat.entry for result in results for seat in result.seats}
    assert {"micro", "boulware"} <= entries


def test_unknown_negotiators_are_refused_with_close_names() -> None:
    with pytest.raises(UnknownStrategy, match="no negotiator class 'NoSuch'"):
        load("negmas:NoSuch")
    with pytest.raises(UnknownStrategy, match="did you mean AspirationNegotiator"):
        load("negmas:AspirationNegotiatr")


def test_without_negmas_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "negmas" or m.startswith("negmas.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(UnknownStrategy, match=r"pip install 'accord\[negmas\]'"):
        load("negmas:NotLoadedBefore")
