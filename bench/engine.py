"""Engine throughput: complete talks per second and commands per second, one core.

Scripted random delegations drive the pure engine directly (no I/O) on a
generated 6-seat, 5-issue scenario with 10 rounds. Two workloads:

- ``ten-rounds``: votes are mostly "no", so every talk runs all 10 rounds of
  tabling and ballot and ends without a deal;
- ``with-deal``: votes are mostly "yes", so talks adopt a package early and go
  through the implementation phase (action, challenges, sanctions).

Every talk's hash chain is computed (its head is read, as a tournament that
records each talk's transcript hash does), secret votes sealed included; a
second figure gives the rate without reading the head, where the chain only
takes each event's canonical form.

Run: ``python bench/engine.py [--talks N]``
"""

from __future__ import annotations

import argparse
import random
import time

from msgspec.structs import replace

from accord.protocol.commands import Act, CastVote, Challenge, Propose
from accord.protocol.engine.room import Room
from accord.protocol.scenario.generate import random_scenario
from accord.protocol.scenario.model import Scenario


def bench_scenario() -> Scenario:
    base = random_scenario(seed=2026, seats=6, issues=5, options=4, decision="consensus")
    rules = replace(base.rules, max_rounds=10, proposals_per_round=1, vetoes=False)
    return replace(base, rules=rules)


def run_talk(
    scenario: Scenario, seed: int, yes_rate: float, *, head: bool = True
) -> tuple[int, int]:
    """One complete talk; returns (commands, events)."""

    rng = random.Random(seed)
    room = Room(scenario, room_id=f"b{seed}", seed=seed, now=0.0)
    seats = scenario.seats
    issues = [(i.id, i.options) for i in scenario.issues]
    now = 0.0
    commands = 0
    for seat in seats:
        room.join(seat, now=now)
    while not room.finished:
        now += 1.0
        phase = room.phase
        if phase == "tabling":
            for seat in seats:
                room.handle(seat, Propose(package={i: rng.choice(o) for i, o in issues}), now=now)
                commands += 1
        elif phase == "ballot":
            ids = [p.package_id for p in room.packages()]
            for pid in ids:
                for seat in seats:
                    vote = "yes" if rng.random() < yes_rate else "no"
                    room.handle(seat, CastVote(package_id=pid, vote=vote), now=now)
                    commands += 1
        elif phase == "action":
            for seat in seats:
                choice = "defect" if rng.random() < 0.3 else "comply"
                room.handle(seat, Act(choice=choice), now=now)
                commands += 1
        elif phase == "verification":
            for n, seat in enumerate(seats):
                room.handle(seat, Challenge(target=seats[(n + 1) % len(seats)]), now=now)
                commands += 1
    if head:
        assert len(room.chain.head) == 64
    return commands, len(room.log)


def measure(
    scenario: Scenario, talks: int, yes_rate: float, *, head: bool = True
) -> dict[str, float]:
    started = time.perf_counter()
    commands = events = 0
    for seed in range(talks):
        c, e = run_talk(scenario, seed, yes_rate, head=head)
        commands += c
        events += e
    elapsed = time.perf_counter() - started
    return {
        "talks": talks,
        "seconds": elapsed,
        "talks_per_s": talks / elapsed,
        "commands_per_s": commands / elapsed,
        "events_per_s": events / elapsed,
        "commands_per_talk": commands / talks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=300)
    args = parser.parse_args()
    scenario = bench_scenario()
    print(
        f"scenario: {len(scenario.seats)} seats, {len(scenario.issues)} issues, "
        f"{scenario.outcome_count} packages, {scenario.rules.max_rounds} rounds, "
        f"{scenario.rules.ballot} ballot, "
        f"{scenario.implementation.periods if scenario.implementation else 0} periods"
    )
    run_talk(scenario, 10**6, 0.0)  # warm-up
    for name, yes_rate in (("ten-rounds", 0.05), ("with-deal", 0.97)):
        r = measure(scenario, args.talks, yes_rate)
        bare = measure(scenario, args.talks, yes_rate, head=False)
        print(
            f"{name:>10}: {r['talks_per_s']:8.1f} talks/s  {r['commands_per_s']:9.0f} commands/s  "
            f"{r['events_per_s']:9.0f} events/s  ({r['commands_per_talk']:.0f} commands/talk, "
            f"{r['talks']} talks in {r['seconds']:.2f} s); without reading the chain's head "
            f"{bare['talks_per_s']:.1f} talks/s"
        )
    print("target: >= 200 complete 10-round talks per second on one core")


if __name__ == "__main__":
    main()
