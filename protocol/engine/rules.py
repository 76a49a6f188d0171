"""Decision rules: does a package pass, given the votes?

``unanimity``: every seat votes yes. ``consensus``: at least one yes and no
seat votes no (abstention does not block). ``qualified``: the yes weight is at
least ``threshold`` × the total weight and the weight of seats that voted
(yes, no or abstain; a timeout is absent) reaches ``quorum`` × the total.
``all_but = k`` lets unanimity tolerate k seats not voting yes and consensus
tolerate k seats voting no. A ``required`` seat's yes is indispensable under
every rule. Vetoes are checked separately by the room.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import msgspec

from protocol.scenario.model import Rules

Vote = Literal["yes", "no", "abstain"]

_EPS = 1e-9


class Tally(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Counts and weights of the votes on one package."""

    yes: int = 0
    no: int = 0
    abstain: int = 0
    absent: int = 0
    yes_weight: float = 0.0
    no_weight: float = 0.0
    abstain_weight: float = 0.0
    absent_weight: float = 0.0


def tally(weights: Mapping[str, float], votes: Mapping[str, Vote | None]) -> Tally:
    """Tally votes; a seat missing from ``votes`` or mapped to None is absent."""

    counts = {"yes": 0, "no": 0, "abstain": 0, "absent": 0}
    sums = {"yes": 0.0, "no": 0.0, "abstain": 0.0, "absent": 0.0}
    for seat, weight in weights.items():
        key = votes.get(seat) or "absent"
        counts[key] += 1
        sums[key] += weight
    return Tally(
        yes=counts["yes"],
        no=counts["no"],
        abstain=counts["abstain"],
        absent=counts["absent"],
        yes_weight=sums["yes"],
        no_weight=sums["no"],
        abstain_weight=sums["abstain"],
        absent_weight=sums["absent"],
    )


def passes(rules: Rules, weights: Mapping[str, float], votes: Mapping[str, Vote | None]) -> bool:
    """Whether the votes carry the package under ``rules`` (vetoes aside)."""

    for seat in rules.required:
        if votes.get(seat) != "yes":
            return False
    t = tally(weights, votes)
    seats = len(weights)
    if rules.decision == "unanimity":
        return seats - t.yes <= rules.all_but and t.yes > 0
    if rules.decision == "consensus":
        return t.no <= rules.all_but and t.yes > 0
    total = sum(weights.values())
    present = t.yes_weight + t.no_weight + t.abstain_weight
    return (
        t.yes > 0
        and t.yes_weight + _EPS >= rules.threshold * total
        and present + _EPS >= rules.quorum * total
    )
