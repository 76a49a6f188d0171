"""Reference talks: a fixed set of in-process talks and the chain head each must end at.

Every built-in strategy plays every bundled scenario and a generated one, in
rotating line-ups, for several seeds: 180 talks. The head hash of a talk
covers every event of it, so an unchanged head means an unchanged talk, event
for event. A refactoring that must not change what strategies do (or what the
engine records) keeps every head; ``tests/test_reference_talks.py`` checks
them against ``tests/data/reference-talks.json``.

Run: ``python bench/reference_talks.py`` (prints each talk and whether its head
matches), ``python bench/reference_talks.py --write`` (records the current heads,
after a change that is meant to change talks).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from accord.bots.inprocess import play  # noqa: E402
from accord.bots.registry import BUILTIN, load  # noqa: E402
from accord.protocol.scenario import bundled_names, load_scenario  # noqa: E402
from accord.protocol.scenario.generate import random_scenario  # noqa: E402
from accord.protocol.scenario.model import Scenario  # noqa: E402

REFERENCE = REPO / "tests" / "data" / "reference-talks.json"
SEEDS = tuple(range(1, 31))


def scenarios() -> dict[str, Scenario]:
    out = {name: load_scenario(name) for name in bundled_names()}
    out["generated-2026"] = random_scenario(seed=2026, seats=6, issues=5, options=4)
    return out


def talks() -> list[tuple[str, int, str, list[str]]]:
    """(scenario, seed, talk id, line-up) of every reference talk."""

    names = sorted(BUILTIN)
    out = []
    for scenario_name, scenario in scenarios().items():
        for n, seed in enumerate(SEEDS):
            seats = len(scenario.seats)
            lineup = [names[(n * seats + k) % len(names)] for k in range(seats)]
            out.append((scenario_name, seed, f"{scenario_name}/{seed}", lineup))
    return out


def heads() -> dict[str, str]:
    """Talk id → chain head of every reference talk, played now."""

    found = {}
    by_name = scenarios()
    for scenario_name, seed, talk_id, lineup in talks():
        scenario = by_name[scenario_name]
        delegations = {s: load(name)() for s, name in zip(scenario.seats, lineup, strict=True)}
        found[talk_id] = play(scenario, delegations, seed=seed).room.chain.head
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record the current heads")
    args = parser.parse_args()
    current = heads()
    if args.write:
        REFERENCE.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        print(f"{len(current)} heads written to {REFERENCE.relative_to(REPO)}")
        return 0
    expected = json.loads(REFERENCE.read_text())
    changed = [t for t in current if expected.get(t) != current[t]]
    for talk_id in current:
        print(f"{'same   ' if talk_id not in changed else 'CHANGED'} {talk_id} {current[talk_id]}")
    print(f"{len(current) - len(changed)} of {len(current)} talks unchanged")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
