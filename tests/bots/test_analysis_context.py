"""The analysis a strategy reaches through its context: coalitions agree with the
engine's own decisions, the frontier for true briefs is the scenario analysis's."""

from __future__ import annotations

import contextlib
import itertools
import random

import pytest

from accord.bots import Context
from accord.bots.analysis import Coalitions, frontier
from accord.protocol.analysis.outcome_space import analyze
from accord.protocol.commands import CastVeto, CastVote, Pass, Propose
from accord.protocol.engine.room import Room
from accord.protocol.errors import RuleViolation
from accord.protocol.events import PackageAdopted
from accord.protocol.scenario import bundled_names, load_scenario
from accord.protocol.scenario.generate import random_scenario


def _adopted_when(scenario_name: str, yes: frozenset[str]) -> bool:
    """Play one ballot in the real engine: ``yes`` votes yes, everyone else no, and
    every veto holder outside ``yes`` vetoes; is the package adopted?"""

    scenario = load_scenario(scenario_name)
    room = Room(scenario, room_id="c", seed=1, now=0.0)
    for seat in scenario.seats:
        room.join(seat, now=0.0)
    first = scenario.seats[0]
    package = {i.id: i.options[0] for i in scenario.issues}
    room.handle(first, Propose(package=package), now=1.0)
    for seat in scenario.seats:
        if room.phase == "tabling":
            with contextlib.suppress(RuleViolation):  # the proposer may be done already
                room.handle(seat, Pass(), now=1.0)
    assert room.phase == "ballot"
    (tabled,) = room.packages()
    for d in scenario.delegations:
        if d.id not in yes and d.veto and scenario.rules.vetoes:
            room.handle(d.id, CastVeto(package_id=tabled.package_id), now=2.0)
        else:
            vote = "yes" if d.id in yes else "no"
            room.handle(d.id, CastVote(package_id=tabled.package_id, vote=vote), now=2.0)
    return any(isinstance(e, PackageAdopted) for e in room.log)


@pytest.mark.parametrize("name", ["security-council", "trade-round", "climate-accord"])
def test_winning_coalitions_are_the_ones_the_engine_adopts_with(name: str) -> None:
    scenario = load_scenario(name)
    coalitions = Coalitions(scenario)
    rng = random.Random(name)
    every = [
        frozenset(c)
        for size in range(1, len(scenario.seats) + 1)
        for c in itertools.combinations(scenario.seats, size)
    ]
    for coalition in [*rng.sample(every, 25), *coalitions.minimal_winning()]:
        assert coalitions.wins(coalition) == _adopted_when(name, coalition), sorted(coalition)


def test_minimal_winning_coalitions_pivots_and_power() -> None:
    scenario = load_scenario("security-council")
    weight = {d.id: d.weight for d in scenario.delegations}
    council = Coalitions(scenario)
    permanent = {"us", "uk", "france", "russia", "china"}
    assert council.minimal_winning()
    for coalition in council.minimal_winning():
        assert permanent <= coalition  # the permanent members' vetoes
        assert sum(weight[s] for s in coalition) >= 9  # nine of fifteen votes
        assert set(council.pivotal(coalition)) == set(coalition)  # minimal: all pivotal
    assert council.pivotal(permanent) == ()  # it loses: nobody is pivotal in it
    power = council.power()
    assert sum(power.values()) == pytest.approx(1.0)
    assert all(power[p] > power["a3"] for p in permanent)
    climate = Coalitions(load_scenario("climate-accord"))
    assert climate.minimal_winning() == (frozenset(load_scenario("climate-accord").seats),)


def test_too_many_seats_to_enumerate_is_said_plainly() -> None:
    big = Coalitions(random_scenario(seed=1, seats=21))
    with pytest.raises(ValueError, match="21 seats are too many to enumerate"):
        big.minimal_winning()
    assert big.wins(big.seats) is True  # asking about one coalition still works


@pytest.mark.parametrize("name", bundled_names())
def test_the_frontier_for_true_briefs_is_the_scenario_analysis(name: str) -> None:
    scenario = load_scenario(name)
    analysis = analyze(scenario)
    found = frontier(scenario, {d.id: d.brief for d in scenario.delegations})  # type: ignore[misc]
    assert len(found.packages) == analysis.pareto_size
    assert (found.nash is None) == (analysis.nash is None)
    if analysis.nash is not None:
        assert dict(found.nash) == analysis.nash.package  # type: ignore[arg-type]


def test_the_context_offers_both_and_keeps_them() -> None:
    scenario = load_scenario("trade-round")
    me = scenario.seats[0]
    ctx = Context(seat=me, scenario=scenario.public(seat=me), rng=random.Random(0))
    assert ctx.coalitions is ctx.coalitions
    assert ctx.coalitions.wins(scenario.seats)
    guess = {"eu": scenario.delegation(me).brief}  # "the EU wants what I want"
    mine = ctx.frontier(guess)  # type: ignore[arg-type]
    assert mine is ctx.frontier(guess)  # type: ignore[arg-type]
    assert mine.seats == (me, "eu")
    alone = ctx.frontier()
    assert alone.seats == (me,) and len(alone.packages) >= 1
    with pytest.raises(ValueError, match="no seat 'atlantis'"):
        ctx.frontier({"atlantis": scenario.delegation(me).brief})  # type: ignore[dict-item]
