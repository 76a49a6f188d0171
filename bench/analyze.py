"""Scenario analysis speed: exact analyze() on generated scenarios, one core.

For each size, a scenario from ``scenario_of_size`` is analysed and the run
prints the packages, the seconds analyze() took, packages per second and the
Pareto frontier size (which drives the cost: the frontier check is the
expensive part). The largest size is 6 seats and 6 issues of 10 options:
10^6 packages, the size the specification requires to be exact.

Run: ``python bench/analyze.py [--seeds N] [--seed S] [--quick]``
"""

from __future__ import annotations

import argparse
import time

from accord.protocol.analysis import analyze
from accord.protocol.scenario.generate import scenario_of_size

# (seats, issues, options per issue)
SIZES = [
    (4, 4, 5),  # 625 packages
    (5, 5, 6),  # 7,776
    (6, 5, 10),  # 100,000
    (6, 6, 10),  # 1,000,000
]


def run(seats: int, issues: int, options: int, seed: int) -> tuple[int, float, int, int]:
    """Analyse one generated scenario; returns (packages, seconds, frontier, passing)."""

    scenario = scenario_of_size(seed=seed, seats=seats, issues=issues, options_per_issue=options)
    started = time.perf_counter()
    analysis = analyze(scenario)
    seconds = time.perf_counter() - started
    return analysis.packages, seconds, analysis.pareto_size, analysis.passing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per size (default 1)")
    parser.add_argument("--quick", action="store_true", help="skip the 10^6 size")
    args = parser.parse_args()

    sizes = SIZES[:-1] if args.quick else SIZES
    header = (
        f"{'seats x issues x options':>24}  {'seed':>4}  {'packages':>10}  {'seconds':>8}  "
        f"{'packages/s':>11}  {'frontier':>9}  {'passing':>8}"
    )
    print(header)
    print("-" * len(header))
    for seats, issues, options in sizes:
        for seed in range(args.seed, args.seed + args.seeds):
            packages, seconds, frontier, passing = run(seats, issues, options, seed)
            print(
                f"{f'{seats} x {issues} x {options}':>24}  {seed:>4}  {packages:>10,}  "
                f"{seconds:>8.2f}  {packages / seconds:>11,.0f}  {frontier:>9,}  {passing:>8,}",
                flush=True,
            )


if __name__ == "__main__":
    main()
