"""Standings: recomputed from transcripts, intervals, head to head, spread.

Tournaments are played in-process here (no runner, no store): each talk's
result is made from its room's log, and its organizer's transcript is kept
so the results can be rebuilt from transcripts alone.
"""

from __future__ import annotations

import math
import random

import msgspec
import pytest

from accord.protocol.tournament import (
    tournament_from_dict,
)
from accord.server.tournament.standings import bootstrap_ci, head_to_head, standings
from tests.server.tournament.played import (
    BUILT_INS,
    from_transcripts,
    play_tournament,
    six_entries,
)


def width(low: float | None, high: float | None) -> float:
    assert low is not None and high is not None
    return high - low


# --- tests ------------------------------------------------------------------------------


def test_standings_equal_a_recomputation_from_the_transcripts() -> None:
    played = play_tournament(six_entries())
    rebuilt = from_transcripts(played)
    assert sorted(rebuilt, key=lambda r: r.talk) == sorted(played.results, key=lambda r: r.talk)
    board = standings(played.results, played.tournament)
    again = standings(rebuilt, played.tournament)
    assert again == board
    assert msgspec.json.encode(again) == msgspec.json.encode(board)
    assert [e.entry for e in board.entries] != []
    assert {e.entry for e in board.entries} == set(BUILT_INS)


def test_columns_count_what_the_talks_hold() -> None:
    played = play_tournament(six_entries())
    results = played.results
    board = standings(results, played.tournament)
    assert board.talks == len(results)
    assert board.agreements == sum(r.outcome == "agreement" for r in results)
    for row in board.entries:
        mine = [r for r in results if any(s.entry == row.entry for s in r.seats)]
        seats = [s for r in mine for s in r.seats if s.entry == row.entry]
        agreed = [r for r in mine if r.outcome == "agreement"]
        assert row.talks == len(mine)
        assert row.seats == len(seats)
        assert row.agreements == len(agreed)
        assert row.mean_score == pytest.approx(sum(s.score for s in seats) / len(seats))
        assert row.mean_normalised == pytest.approx(sum(s.normalised for s in seats) / len(seats))
        assert row.vetoes == sum(s.vetoes for s in seats)
        assert row.defections == sum(s.defections for s in seats)
        assert row.detected == sum(s.detected for s in seats)
        assert row.challenges == sum(s.challenges for s in seats)
        assert row.hits == sum(s.hits for s in seats)
        if row.challenges:
            assert row.hit_rate == row.hits / row.challenges
        else:
            assert row.hit_rate is None
        if agreed:
            assert row.agreement_rate == len(agreed) / len(mine)
            assert row.mean_rounds_to_agreement == pytest.approx(
                sum(r.rounds for r in agreed) / len(agreed)
            )
            assert row.mean_pareto_distance == pytest.approx(
                sum(r.pareto_distance or 0.0 for r in agreed) / len(agreed)
            )
    means = [e.mean_score for e in board.entries]
    assert means == sorted(means, reverse=True)


def test_each_scenario_has_its_own_table() -> None:
    played = play_tournament(six_entries())
    board = standings(played.results, played.tournament)
    assert [s.scenario_id for s in board.scenarios] == ["climate-accord", "nonproliferation-deal"]
    for table in board.scenarios:
        talks = [r for r in played.results if r.scenario == table.scenario]
        assert table.talks == len(talks)
        assert table.agreements == sum(r.outcome == "agreement" for r in talks)
        alone = standings(talks, played.tournament)
        # the same columns, restricted to the scenario (the bootstrap draws its own stream)
        for row, other in zip(table.entries, alone.entries, strict=True):
            assert row.entry == other.entry
            assert row.talks == other.talks
            assert row.mean_score == other.mean_score
            assert row.rating == other.rating


def test_the_interval_holds_the_mean_and_narrows_with_more_talks() -> None:
    played = play_tournament(six_entries(sample=6))
    once = standings(played.results)
    for row in once.entries + standings(play_tournament(six_entries(sample=30)).results).entries:
        assert row.ci_low is not None and row.ci_high is not None
        assert row.ci_low <= row.mean_score <= row.ci_high  # type: ignore[operator]

    # Scores are heavy-tailed (a free rider's windfall, a sanction), so a small
    # tournament that has not met the tails can have a narrower interval than a
    # large one that has. With the distribution held fixed (the same talks k
    # times over) the interval shrinks like 1/sqrt(k).
    four = standings(list(played.results) * 4)
    sixteen = standings(list(played.results) * 16)
    for a, b, c in zip(once.entries, four.entries, sixteen.entries, strict=True):
        assert a.entry == b.entry == c.entry
        assert c.mean_score == pytest.approx(a.mean_score)
        w1, w4, w16 = (width(r.ci_low, r.ci_high) for r in (a, b, c))
        assert w1 > 0
        assert w16 < w4 < w1
        assert w4 / w1 == pytest.approx(0.5, abs=0.15)
        assert w16 / w1 == pytest.approx(0.25, abs=0.08)

    # and for draws from one distribution, more draws give a narrower interval
    rng = random.Random(11)
    draws = [rng.gauss(0.4, 0.3) for _ in range(1600)]
    widths = []
    for n in (25, 100, 400, 1600):
        low, high = bootstrap_ci(draws[:n], seed=1)  # type: ignore[misc]
        assert low <= sum(draws[:n]) / n <= high
        widths.append(high - low)
    assert widths == sorted(widths, reverse=True)


def test_the_bootstrap_is_seeded() -> None:
    values = [0.1, 0.5, -0.3, 1.2, 0.8, 0.0, 0.4]
    assert bootstrap_ci(values, seed=3) == bootstrap_ci(values, seed=3)
    assert bootstrap_ci(values, seed=3) != bootstrap_ci(values, seed=4)
    assert bootstrap_ci([], seed=1) is None
    assert bootstrap_ci([0.25], seed=1) == (0.25, 0.25)
    low, high = bootstrap_ci(values, seed=3, resamples=5000)  # type: ignore[misc]
    assert min(values) <= low < sum(values) / len(values) < high <= max(values)

    played = play_tournament(six_entries())
    same = standings(played.results, played.tournament)
    assert standings(played.results, played.tournament) == same
    other = standings(played.results, played.tournament, seed=played.tournament.spec.seed + 1)
    assert [e.mean_score for e in other.entries] == [e.mean_score for e in same.entries]
    assert [(e.ci_low, e.ci_high) for e in other.entries] != [
        (e.ci_low, e.ci_high) for e in same.entries
    ]


def test_head_to_head_is_antisymmetric() -> None:
    played = play_tournament(six_entries())
    cells = {(h.entry, h.opponent): h for h in head_to_head(played.results)}
    assert cells
    for (a, b), cell in cells.items():
        back = cells[b, a]
        assert cell.talks == back.talks
        assert cell.mean_difference == -back.mean_difference  # exactly
        assert cell.mean_score == back.opponent_mean_score
        assert (cell.wins, cell.losses, cell.ties) == (back.losses, back.wins, back.ties)
        assert cell.wins + cell.losses + cell.ties == cell.talks
        assert cell.mean_difference == pytest.approx(cell.mean_score - cell.opponent_mean_score)


def test_head_to_head_counts_the_talks_where_both_sat() -> None:
    played = play_tournament(six_entries())
    cell = next(
        h for h in head_to_head(played.results) if (h.entry, h.opponent) == ("adaptive", "random")
    )
    together = [r for r in played.results if {"adaptive", "random"} <= {s.entry for s in r.seats}]
    mine = [next(s.score for s in r.seats if s.entry == "adaptive") for r in together]
    theirs = [next(s.score for s in r.seats if s.entry == "random") for r in together]
    assert cell.talks == len(together)
    assert cell.mean_score == pytest.approx(sum(mine) / len(mine))
    assert cell.opponent_mean_score == pytest.approx(sum(theirs) / len(theirs))
    assert cell.wins == sum(x > y for x, y in zip(mine, theirs, strict=True))


def test_strategies_separate_on_the_tournament_score() -> None:
    played = play_tournament(six_entries(sample=12))
    board = standings(played.results, played.tournament)
    spread = board.spread
    assert spread.score is not None and spread.normalised is not None
    print(
        f"spread of entry means: tournament score {spread.score:.3f},"
        f" the talks' normalised score {spread.normalised:.3f},"
        f" {spread.separated}/{spread.pairs} pairs separated at 95%"
    )
    assert spread.score > spread.normalised
    means = [e.mean_score for e in board.entries if e.mean_score is not None]
    assert spread.score == max(means) - min(means)
    assert spread.best == board.entries[0].entry
    assert spread.worst == board.entries[-1].entry
    assert 0 <= spread.separated <= spread.pairs == 15


def test_the_order_of_the_results_does_not_matter() -> None:
    played = play_tournament(six_entries())
    shuffled = list(played.results)
    random.Random(5).shuffle(shuffled)
    assert standings(shuffled, played.tournament) == standings(played.results, played.tournament)


def test_entries_without_talks_and_entries_in_several_seats() -> None:
    # two entries on three seats: each sits in several seats of a talk
    spec = {
        "name": "few",
        "seed": 2,
        "entries": [
            {"name": "adaptive", "strategy": "adaptive"},
            {"name": "conceder", "strategy": "conceder"},
        ],
        "scenarios": [{"generate": {"seed": 4, "seats": 3, "issues": 2, "options": 3}}],
    }
    played = play_tournament(spec)
    board = standings(played.results, played.tournament)
    for row in board.entries:
        assert row.seats > row.talks
        mine = []
        for r in played.results:
            scores = [s.score for s in r.seats if s.entry == row.entry]
            if scores:
                mine.append(math.fsum(scores) / len(scores))
        assert row.mean_score == pytest.approx(sum(mine) / len(mine))
    # a tournament entry that has not played yet still has a row
    more = tournament_from_dict(
        {**spec, "entries": [*spec["entries"], {"name": "late", "strategy": "random"}]}
    )
    board = standings(played.results, more)
    late = next(e for e in board.entries if e.entry == "late")
    assert late.talks == 0 and late.mean_score is None and late.ci_low is None
    assert board.entries[-1] is late


def test_no_results() -> None:
    board = standings([], tournament_from_dict(six_entries()))
    assert board.talks == 0 and board.agreement_rate is None
    assert board.spread.score is None and board.scenarios == () and board.head_to_head == ()
    assert len(board.entries) == 6
