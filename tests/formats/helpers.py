"""Shared by the format tests: fixture paths, the numbers written in them, utilities."""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

from accord.protocol.scenario import Scenario, utility_functions

FIXTURES = Path(__file__).parent / "fixtures"
REAL = Path("/work/shared/formats")

# What the Genius fixture files say, written out again: evaluations per item, weights,
# reservation (Genius's utility: sum of weight * evaluation / the issue's largest).
GENIUS_OPTIONS = {"Where": ["Beach", "Mountains", "City"], "Nights": ["2", "4", "7"]}
GENIUS_PARTIES: dict[str, dict[str, Any]] = {
    "alice": {"Where": [2, 4, 8], "Nights": [1, 3, 0], "w": [0.6, 0.4], "r": 0.25},
    "bob": {"Where": [5, 0, 1], "Nights": [0, 0, 0], "w": [0.7, 0.3], "r": 0.0},
    "carol": {"Where": [1, 1, 1], "Nights": [3, 2, 1], "w": [0.5, 0.3], "r": 0.4},
}

# The GeniusWeb fixture: value utilities as written, weights, the reservation bid.
GENIUSWEB_PARTIES: dict[str, dict[str, Any]] = {
    "ann": {
        "Food": {"Sandwiches": 0.75, "Catering": 0.25, "Custom, Handmade": 0.5},
        "Drinks": {"Water": 0.333333333, "Catering": 0.666666666666},
        "Size": {"1.0": 1, "2000": 0},
        "w": {"Food": 0.5, "Drinks": 0.3, "Size": 0.2},
        "bid": {"Food": "Catering", "Drinks": "Catering", "Size": "1.0"},
    },
    "ben": {
        "Food": {"Sandwiches": 0, "Catering": 1, "Custom, Handmade": 0.6},
        "Drinks": {"Water": 1, "Catering": 0.2},
        "Size": {"1.0": 0.4, "2000": 0.9},
        "w": {"Food": 0.10, "Drinks": 0.190, "Size": 0.71},
        "bid": None,
    },
}

# The LLM-Deliberation fixture: scores per option (issues A, B) and thresholds.
LLM_PARTIES = {
    "builder": ([[30, 0], [70, 35, 0]], 60),
    "city-hall": ([[10, 20], [0, 40, 80]], 45),
    "greens": ([[0, 0], [0, 50, 100]], 50),
}


def genius_utility(party: str, where: str, nights: str) -> float:
    """Genius's utility of a package for a fixture party (weights as written)."""

    p = GENIUS_PARTIES[party]
    total = 0.0
    for w, issue, option in zip(p["w"], ("Where", "Nights"), (where, nights), strict=True):
        row = p[issue]
        top = max(row)
        e = row[GENIUS_OPTIONS[issue].index(option)]
        total += w * e / top if top >= 1e-5 else 0.0
    return total


def utilities_by_title(scenario: Scenario) -> dict[str, dict[tuple[str, ...], float]]:
    """Per seat, the utility of every package keyed by options in issue-title order."""

    functions = utility_functions(scenario)
    order = sorted(range(len(scenario.issues)), key=lambda n: scenario.issues[n].title)
    result: dict[str, dict[tuple[str, ...], float]] = {}
    for seat, f in functions.items():
        table = {}
        for combo in itertools.product(*(i.options for i in scenario.issues)):
            package = {i.id: o for i, o in zip(scenario.issues, combo, strict=True)}
            table[tuple(combo[n] for n in order)] = f(package)
        result[seat] = table
    return result


def sample(items: list[Any], k: int, seed: int = 7) -> list[Any]:
    """A seeded sample (all of ``items`` if there are no more than ``k``)."""

    return items if len(items) <= k else random.Random(seed).sample(items, k)
