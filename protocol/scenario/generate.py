"""Seeded random scenarios, for tournaments, property tests and benchmarks.

Every random choice comes from one ``random.Random(seed)``, so a seed always
yields the same scenario. The result is built as a file-form mapping and
passed through :func:`~accord.protocol.scenario.load.scenario_from_dict`, so a
generated scenario is validated exactly like one read from disk.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from accord.protocol.scenario.limits import MAX_DELEGATIONS, MAX_ISSUES, MAX_OPTIONS
from accord.protocol.scenario.load import scenario_from_dict
from accord.protocol.scenario.model import DecisionRule, IssueKind, Scenario

_DECISIONS: tuple[DecisionRule, ...] = ("unanimity", "consensus", "qualified")
# How many random packages estimate a seat's utility distribution when its
# reservation is drawn as a quantile of it.
_RESERVATION_SAMPLE = 256


def random_scenario(
    *,
    seed: int,
    seats: int = 4,
    issues: int = 3,
    options: int | tuple[int, int] = (2, 5),
    implementation: bool = True,
    decision: DecisionRule | None = None,
    veto_chance: float = 0.25,
    scenario_id: str | None = None,
) -> Scenario:
    """A random, validated scenario that is the same for the same arguments.

    ``options`` is the number of options of every issue, or an inclusive
    ``(low, high)`` range drawn per issue. With ``implementation`` the agenda
    holds at least one verification and one enforcement issue (their first
    option detects nothing and sanctions nothing; later options rise) and the
    scenario has an implementation section. Issue weights are drawn per seat
    and sum to 1; values lie in [0, 1] with three decimals; each reservation
    is a quantile of the seat's utility over random packages, so some but not
    all packages beat it. Each seat holds a veto with ``veto_chance``;
    ``decision`` fixes the decision rule (random when ``None``).
    """

    rng = random.Random(seed)
    low, high = (options, options) if isinstance(options, int) else options
    if low < 2 or high < low or high > MAX_OPTIONS:
        raise ValueError(f"options must lie between 2 and {MAX_OPTIONS} (got {options!r})")
    if not 2 <= seats <= MAX_DELEGATIONS:
        raise ValueError(f"a scenario has between 2 and {MAX_DELEGATIONS} seats (got {seats})")
    if issues > MAX_ISSUES:
        raise ValueError(f"a scenario has at most {MAX_ISSUES} issues (got {issues})")
    if issues < (2 if implementation else 1):
        raise ValueError(
            f"{issues} issue(s) is too few"
            + (" for an implementation section (needs 2)" if implementation else "")
        )
    if decision is not None and decision not in _DECISIONS:
        raise ValueError(f"unknown decision rule {decision!r}")

    kinds = _issue_kinds(rng, issues, implementation)
    agenda = [_issue(n, kind, rng.randint(low, high)) for n, kind in enumerate(kinds)]
    issue_ids = [issue["id"] for issue in agenda]
    sizes = [len(issue["options"]) for issue in agenda]

    seat_ids = [f"s{n + 1}" for n in range(seats)]
    delegations = []
    for n, seat in enumerate(seat_ids):
        weights = _weights(rng, issues)
        values = [_values(rng, size) for size in sizes]
        reservation = _reservation(rng, weights, values, sizes)
        delegations.append(
            {
                "id": seat,
                "name": f"Seat {n + 1}",
                "weight": float(rng.randint(1, 4)),
                "veto": rng.random() < veto_chance,
                "brief": {
                    "weights": dict(zip(issue_ids, weights, strict=True)),
                    "values": dict(zip(issue_ids, values, strict=True)),
                    "reservation": reservation,
                },
            }
        )

    # Draw the rule even when it is given, so fixing it changes nothing else.
    drawn = rng.choice(_DECISIONS)
    label = _seed_label(seed)
    raw: dict[str, Any] = {
        "id": scenario_id or f"random-{label}",
        "title": f"Random scenario (seed {label})",
        "description": (
            f"Generated: {seats} seats, {issues} issues, {_outcomes(sizes)} packages, seed {label}."
        ),
        "issues": agenda,
        "delegations": delegations,
        "rules": _rules(rng, decision or drawn, seats),
    }
    if implementation:
        raw["implementation"] = _implementation(rng, agenda, seat_ids)
    return scenario_from_dict(raw, file=f"<generated seed={label}>")


def scenario_of_size(*, seed: int, seats: int, issues: int, options_per_issue: int) -> Scenario:
    """A random scenario of an exact size (``options_per_issue ** issues`` packages).

    Meant for benchmarks: e.g. 6 seats and 6 issues of 10 options give 10^6
    packages.
    """

    return random_scenario(
        seed=seed,
        seats=seats,
        issues=issues,
        options=options_per_issue,
        implementation=issues >= 2,
        scenario_id=f"size-{seats}x{issues}x{options_per_issue}-{seed}",
    )


# --- pieces -------------------------------------------------------------------------


def _seed_label(seed: int) -> str:
    """The seed in decimal, or a digest of it when that would make the id too long."""

    if abs(seed) < 10**40:
        return str(seed)
    # hex() has no digit limit, unlike str() on huge integers
    return "h" + hashlib.sha256(hex(seed).encode()).hexdigest()[:16]


def _outcomes(sizes: list[int]) -> int:
    count = 1
    for size in sizes:
        count *= size
    return count


def _issue_kinds(rng: random.Random, count: int, implementation: bool) -> list[IssueKind]:
    # Verification and enforcement issues only mean something with an
    # implementation section, so without one the agenda is all substance.
    if not implementation:
        return ["substance"] * count
    kinds: list[IssueKind] = [
        rng.choices(("substance", "verification", "enforcement"), (0.7, 0.15, 0.15))[0]
        for _ in range(count)
    ]
    verification, enforcement = rng.sample(range(count), 2)
    kinds[verification] = "verification"
    kinds[enforcement] = "enforcement"
    return kinds


def _issue(n: int, kind: IssueKind, size: int) -> dict[str, Any]:
    if kind == "substance":
        options = [f"o{k}" for k in range(size)]
    else:
        # The first option of a verification or enforcement issue is "none".
        options = ["none", *(f"level-{k}" for k in range(1, size))]
    return {
        "id": f"i{n + 1}",
        "title": f"{kind.capitalize()} issue {n + 1}",
        "kind": kind,
        "options": options,
    }


def _weights(rng: random.Random, count: int) -> list[float]:
    """Random non-negative weights that sum to exactly 1 in decimal.

    Largest-remainder apportionment of integer units keeps the float sum
    within a few ulps of 1, far inside the loader's tolerance.
    """

    units = 1000 if count <= 50 else 1_000_000
    raw = [rng.random() ** 2 + 0.02 for _ in range(count)]
    total = sum(raw)
    exact = [r * units / total for r in raw]
    shares = [int(e) for e in exact]
    by_remainder = sorted(range(count), key=lambda k: exact[k] - shares[k], reverse=True)
    for k in by_remainder[: units - sum(shares)]:
        shares[k] += 1
    return [share / units for share in shares]


def _values(rng: random.Random, size: int) -> list[float]:
    """Values of one issue's options: rising, falling, peaked or unordered."""

    lo = rng.uniform(0.0, 0.3)
    hi = rng.uniform(0.7, 1.0)
    points = sorted(rng.random() for _ in range(size))
    span = points[-1] - points[0] or 1.0
    rising = [lo + (hi - lo) * (p - points[0]) / span for p in points]
    shape = rng.choices(("rising", "falling", "peaked", "unordered"), (0.35, 0.35, 0.15, 0.15))[0]
    if shape == "falling":
        row = rising[::-1]
    elif shape == "peaked":
        # Best in the middle, falling away on both sides.
        peak = rng.randrange(size)
        order = sorted(range(size), key=lambda k: abs(k - peak))
        row = [0.0] * size
        for rank, k in enumerate(order):
            row[k] = rising[size - 1 - rank]
    elif shape == "unordered":
        row = rising[:]
        rng.shuffle(row)
    else:
        row = rising
    return [min(1.0, max(0.0, round(v, 3))) for v in row]


def _reservation(
    rng: random.Random, weights: list[float], values: list[list[float]], sizes: list[int]
) -> float:
    """A quantile of the seat's utility over random packages, strictly inside it."""

    utilities = sorted(
        sum(
            w * row[rng.randrange(size)]
            for w, row, size in zip(weights, values, sizes, strict=True)
        )
        for _ in range(_RESERVATION_SAMPLE)
    )
    if utilities[0] == utilities[-1]:
        return round(min(1.0, max(0.0, utilities[0])), 3)
    quantile = rng.uniform(0.3, 0.8)
    k = min(len(utilities) - 1, max(1, int(quantile * len(utilities))))
    while utilities[k - 1] == utilities[k]:
        k = k + 1 if k + 1 < len(utilities) else 1
    midpoint = (utilities[k - 1] + utilities[k]) / 2
    rounded = round(midpoint, 3)
    # Rounding must not push the reservation past every sampled package (or
    # below all of them); the unrounded midpoint always lies strictly inside.
    if utilities[0] <= rounded < utilities[-1]:
        return rounded
    return midpoint


def _rules(rng: random.Random, decision: DecisionRule, seats: int) -> dict[str, Any]:
    rules: dict[str, Any] = {
        "decision": decision,
        "vetoes": rng.random() < 0.8,
        "max_rounds": rng.randint(3, 8),
        "proposals_per_round": rng.randint(1, 2),
        "ballot": rng.choice(("open", "secret")),
    }
    if decision == "qualified":
        rules["threshold"] = rng.choice((0.5, 0.6, 2 / 3, 0.75))
        rules["quorum"] = rng.choice((0.0, 0.5))
    elif seats > 3 and rng.random() < 0.3:
        rules["all_but"] = 1
    return rules


def _rising(rng: random.Random, size: int, top: float) -> list[float]:
    """0.0 for the first option, then strictly rising to about ``top``."""

    steps = [rng.uniform(0.2, 1.0) for _ in range(size - 1)]
    total = sum(steps)
    out = [0.0]
    for step in steps:
        out.append(out[-1] + top * step / total)
    rounded = [round(v, 3) for v in out]
    # Keep it strictly rising after rounding (tiny steps could collapse).
    for k in range(1, size):
        rounded[k] = max(rounded[k], round(rounded[k - 1] + 0.001, 3))
    return rounded


def _implementation(
    rng: random.Random, agenda: list[dict[str, Any]], seats: list[str]
) -> dict[str, Any]:
    detection = {
        issue["id"]: [
            min(1.0, p) for p in _rising(rng, len(issue["options"]), rng.uniform(0.6, 0.99))
        ]
        for issue in agenda
        if issue["kind"] == "verification"
    }
    sanction = {
        issue["id"]: _rising(rng, len(issue["options"]), rng.uniform(0.1, 0.6))
        for issue in agenda
        if issue["kind"] == "enforcement"
    }
    parties = {
        seat: {
            "comply_cost": round(rng.uniform(0.01, 0.08), 3),
            "defect_gain": round(rng.uniform(0.01, 0.1), 3),
            "harm": round(rng.uniform(0.0, 0.05), 3),
        }
        for seat in seats
    }
    return {
        "periods": rng.randint(3, 10),
        "inspection_cost": round(rng.uniform(0.0, 0.05), 3),
        "challenge_quota": rng.randint(1, 2),
        "detection": detection,
        "sanction": sanction,
        "parties": parties,
    }
