"""A tournament with reputation changes compliance: measured, seeded, with a margin.

Two tournaments differ only in ``reputation``: nine entries on the security
council (five free riders, three inspectors, tit-for-tat), sixty seatings
drawn at random, each a series of four talks. From the second talk of a
series on, free riders with reputation see who was caught before (and are
seen); the share of implementation periods in which they defect falls. The
difference is bounded below by a paired bootstrap over series (the same
seatings and seeds in both arms) at 99 %.
"""

from __future__ import annotations

import random
from pathlib import Path

from accord.protocol.tournament import TalkResult, load_scenarios, tournament_from_dict
from accord.server.tournament.runner import run_tournament
from accord.server.tournament.store import load_results

ENTRIES = (
    [{"name": f"free-rider-{n}", "strategy": "free-rider"} for n in range(5)]
    + [{"name": f"inspector-{n}", "strategy": "inspector"} for n in range(3)]
    + [{"name": "tit-for-tat", "strategy": "tit-for-tat"}]
)


def run(folder: Path, reputation: bool) -> list[TalkResult]:
    tournament = tournament_from_dict(
        {
            "name": "reputation" if reputation else "no-reputation",
            "seed": 11,
            "format": "sample",
            "sample": 60,
            "series": 4,
            "reputation": reputation,
            "store": str(folder / f"{reputation}.db"),
            "entries": ENTRIES,
            "scenarios": [{"name": "security-council"}],
        }
    )
    run_tournament(tournament, workers=1)
    return load_results(str(folder / f"{reputation}.db"), tournament.name)[1]


def free_riding(results: list[TalkResult], periods: int) -> dict[str, tuple[int, int]]:
    """Series → (periods free riders defected, periods they lived under an agreement),
    over the talks after the first of each series."""

    out: dict[str, tuple[int, int]] = {}
    for result in results:
        defected, lived = out.get(result.series, (0, 0))
        if result.game > 0 and result.outcome == "agreement":
            for seat in result.seats:
                if seat.entry.startswith("free-rider"):
                    defected += seat.defections
                    lived += periods
        out[result.series] = (defected, lived)
    return out


def rate(rows: list[tuple[int, int]]) -> float:
    return sum(d for d, _ in rows) / sum(n for _, n in rows)


def test_reputation_in_a_tournament_reduces_free_riding(tmp_path: Path) -> None:
    without, with_ = run(tmp_path, False), run(tmp_path, True)
    # the first talk of every series is the same talk in both arms
    first = {r.talk: r.seats for r in without if r.game == 0}
    assert first == {r.talk: r.seats for r in with_ if r.game == 0}
    periods = load_scenarios(tournament_from_dict({
        "name": "x", "entries": ENTRIES, "scenarios": [{"name": "security-council"}],
    }))[0].implementation.periods  # type: ignore[union-attr]  # fmt: skip
    a, b = free_riding(without, periods), free_riding(with_, periods)
    series = sorted(a)
    assert series == sorted(b) and len(series) == 60
    drop = rate([a[s] for s in series]) - rate([b[s] for s in series])
    rng = random.Random(2026)
    drops = []
    for _ in range(2000):
        picked = [rng.choice(series) for _ in series]
        drops.append(rate([a[s] for s in picked]) - rate([b[s] for s in picked]))
    drops.sort()
    low, high = drops[9], drops[-10]  # the 0.5th and 99.5th percentiles
    assert low <= drop <= high
    assert low > 0, (drop, low, high)  # free riders defect less with reputation
