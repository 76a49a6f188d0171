"""Ratings: openskill Plackett–Luce over each talk's ranking, in plan order."""

from __future__ import annotations

import random

import pytest
from openskill.models import PlackettLuce

from accord.protocol.tournament import SeatResult, TalkResult, ranks
from accord.server.tournament.ratings import in_plan_order, rate, ratings
from tests.server.tournament.played import (
    BUILT_INS,
    from_transcripts,
    play_tournament,
    six_entries,
)


def talk(
    talk_id: str, scores: dict[str, float] | list[tuple[str, float]], round_: int = 0
) -> TalkResult:
    """A made-up talk: entry → score, one seat each (or (entry, score) pairs)."""

    pairs = list(scores.items()) if isinstance(scores, dict) else scores
    places = ranks([s for _, s in pairs])
    seats = tuple(
        SeatResult(
            seat=f"seat{n}",
            entry=entry,
            score=score,
            raw=score,
            normalised=score,
            utility=score,
            rank=places[n],
        )
        for n, (entry, score) in enumerate(pairs)
    )
    return TalkResult(
        talk=talk_id,
        scenario=0,
        scenario_id="made-up",
        seed=1,
        seating=tuple(e for e, _ in pairs),
        series=talk_id,
        game=0,
        round=round_,
        head="0" * 64,
        events=10,
        outcome="agreement",
        rounds=3,
        seats=seats,
    )


def test_ratings_equal_a_recomputation_from_the_transcripts() -> None:
    played = play_tournament(six_entries())
    rebuilt = from_transcripts(played)
    assert rate(rebuilt) == rate(played.results)
    assert ratings(rebuilt) == ratings(played.results)
    assert set(ratings(played.results)) == set(BUILT_INS)


def test_the_rating_is_mu_minus_three_sigma_best_first() -> None:
    played = play_tournament(six_entries())
    rated = rate(played.results)
    values = ratings(played.results)
    assert list(values) == [e.entry for e in rated.entries]
    assert list(values.values()) == sorted(values.values(), reverse=True)
    for e in rated.entries:
        assert values[e.entry] == e.rating == e.mu - 3 * e.sigma
        assert e.talks == sum(any(s.entry == e.entry for s in r.seats) for r in played.results)


def test_history_has_a_point_per_entry_per_talk_ending_at_the_final_rating() -> None:
    played = play_tournament(six_entries())
    rated = rate(played.results)
    ordered = in_plan_order(played.results)
    assert len(rated.history) == sum(len({s.entry for s in r.seats}) for r in ordered)
    steps = [p.step for p in rated.history]
    assert steps == sorted(steps) and steps[0] == 1 and steps[-1] == len(ordered)
    for p in rated.history:
        assert p.talk == ordered[p.step - 1].talk
    last = {p.entry: p for p in rated.history}
    for e in rated.entries:
        assert (last[e.entry].mu, last[e.entry].sigma) == (e.mu, e.sigma)


def test_a_winner_rises_and_ties_keep_the_order() -> None:
    results = [talk(f"s0-t{n}-r0-g0", {"a": 0.9, "b": 0.5, "c": 0.1}) for n in range(20)]
    values = ratings(results)
    assert list(values) == ["a", "b", "c"]
    assert values["a"] > values["b"] > values["c"]
    tied = ratings([talk(f"s0-t{n}-r0-g0", {"a": 0.5, "b": 0.5, "c": 0.5}) for n in range(5)])
    assert tied["a"] == tied["b"] == tied["c"]


def test_one_talk_is_one_plackett_luce_match() -> None:
    result = talk("s0-t0-r0-g0", {"a": 0.9, "b": 0.2, "c": 0.2, "d": -0.4})
    model = PlackettLuce()
    teams = [[model.rating(name=e)] for e in "abcd"]
    expected = model.rate(teams, ranks=[1.0, 2.5, 2.5, 4.0])
    rated = {e.entry: e for e in rate([result]).entries}
    for name, team in zip("abcd", expected, strict=True):
        assert rated[name].mu == team[0].mu
        assert rated[name].sigma == team[0].sigma


def test_an_entry_in_several_seats_sums_its_seats_changes() -> None:
    result = talk("s0-t0-r0-g0", [("a", 0.9), ("b", 0.5), ("a", 0.1)])
    model = PlackettLuce()
    teams = [[model.rating(name=n)] for n in ("a", "b", "a")]
    seats = model.rate(teams, ranks=[1.0, 2.0, 3.0])
    rated = {e.entry: e for e in rate([result]).entries}
    widened = model.sigma**2 + model.tau**2
    assert rated["a"].mu == pytest.approx(
        model.mu + (seats[0][0].mu - model.mu) + (seats[2][0].mu - model.mu)
    )
    assert rated["a"].sigma == pytest.approx(
        (widened * (seats[0][0].sigma ** 2 / widened) * (seats[2][0].sigma ** 2 / widened)) ** 0.5
    )
    assert rated["b"].mu == seats[1][0].mu
    assert rated["a"].talks == rated["b"].talks == 1


def test_plan_order_compares_numbers_as_numbers_and_rounds_first() -> None:
    ids = ["s0-t10-r0-g0", "s0-t9-r0-g0", "s1-t0-r0-g0", "s0-t9-r0-g1", "s0-t9-r1-g0"]
    results = [talk(i, {"a": 1.0, "b": 0.0}) for i in ids]
    assert [r.talk for r in in_plan_order(results)] == [
        "s0-t9-r0-g0",
        "s0-t9-r0-g1",
        "s0-t9-r1-g0",
        "s0-t10-r0-g0",
        "s1-t0-r0-g0",
    ]
    rounds = [talk("s0-R2-T0-r0-g0", {"a": 1.0}, 2), talk("s1-R1-T0-r0-g0", {"a": 1.0}, 1)]
    assert [r.round for r in in_plan_order(rounds)] == [1, 2]


def test_the_order_the_results_come_in_does_not_matter() -> None:
    played = play_tournament(six_entries())
    shuffled = list(played.results)
    random.Random(3).shuffle(shuffled)
    assert rate(shuffled) == rate(played.results)


def test_entries_that_have_not_played_start_at_zero() -> None:
    values = ratings([], entries=["x", "y"])
    assert values == {"x": pytest.approx(0.0, abs=1e-9), "y": pytest.approx(0.0, abs=1e-9)}
    assert ratings([]) == {}
