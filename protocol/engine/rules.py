"""Decision rules: does a package pass, given the votes?

``unanimity``: every seat votes yes. ``consensus``: at least one yes and no
seat votes no (abstention does not block). ``qualified``: the yes weight is at
least ``threshold`` × the total weight and the weight of seats that voted
(yes, no or abstain; a timeout is absent) reaches ``quorum`` × the total.
``all_but = k`` lets unanimity tolerate k seats not voting yes and consensus
tolerate k seats voting no. A ``required`` seat's yes is indispensable under
every rule. A missing vote (a timeout) counts as an abstention, and is also
counted as absent for the quorum. Vetoes are checked separately by the room.
"""

from __future__ import annotations

from collections.abc import Mapping

from accord.protocol.commands import Vote
from accord.protocol.events import Tally
from accord.protocol.scenario.model import Rules
from accord.protocol.scenario.utility import add_up

_EPS = 1e-9


def tally(weights: Mapping[str, float], votes: Mapping[str, Vote | None]) -> Tally:
    """Tally votes; a seat missing from ``votes`` (or None) timed out: it abstains."""

    # plain locals instead of per-vote dict updates: this runs for every
    # package on every ballot (and in strategies' forecasts)
    yes = no = abstain = timeouts = 0
    yes_weight = no_weight = abstain_weight = timeout_weight = 0.0
    get = votes.get
    for seat, weight in weights.items():
        vote = get(seat)
        if vote == "yes":
            yes += 1
            yes_weight += weight
        elif vote == "no":
            no += 1
            no_weight += weight
        elif vote is None or vote == "abstain":
            if vote is None:
                timeouts += 1
                timeout_weight += weight
            abstain += 1
            abstain_weight += weight
        else:
            raise KeyError(vote)
    return Tally(
        yes=yes,
        no=no,
        abstain=abstain,
        timeouts=timeouts,
        yes_weight=yes_weight,
        no_weight=no_weight,
        abstain_weight=abstain_weight,
        timeout_weight=timeout_weight,
    )


def decide(
    rules: Rules, weights: Mapping[str, float], votes: Mapping[str, Vote | None]
) -> tuple[Tally, bool]:
    """The tally of ``votes`` and whether they carry the package under ``rules``
    (vetoes aside): the one implementation of the decision rules, which the
    room, the analysis and the strategies all call."""

    t = tally(weights, votes)
    return t, _carried(rules, weights, t, votes)


def passes(rules: Rules, weights: Mapping[str, float], votes: Mapping[str, Vote | None]) -> bool:
    """Whether the votes carry the package under ``rules`` (vetoes aside)."""

    return decide(rules, weights, votes)[1]


def _carried(
    rules: Rules, weights: Mapping[str, float], t: Tally, votes: Mapping[str, Vote | None]
) -> bool:
    for seat in rules.required:  # a required seat's yes is indispensable
        if votes.get(seat) != "yes":
            return False
    seats = len(weights)
    if rules.decision == "unanimity":
        return seats - t.yes <= rules.all_but and t.yes > 0
    if rules.decision == "consensus":
        return t.no <= rules.all_but and t.yes > 0
    total = add_up(weights.values())
    present = total - t.timeout_weight
    return (
        t.yes > 0
        and t.yes_weight + _EPS >= rules.threshold * total
        and present + _EPS >= rules.quorum * total
    )
