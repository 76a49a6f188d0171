"""Every built-in strategy does only what its traits declare.

Each plays a seat that holds a veto, is tempted to defect (no sanction
applies) and sits beside a defector that another seat inspects: chances to
veto, defect, inspect and speak in private that a strategy whose traits say it
never does so must let pass.
"""

from __future__ import annotations

import pytest

from accord.bots import registry
from accord.bots.context import Context, TabledPackage
from accord.bots.sdk import Ballot, Traits
from tests.bots.strategies.scripted import MockDelegation, Versus, ladder, level, versus_test

SEEDS = tuple(range(1, 11))
PERIODS = 4
STRATEGIES = sorted({**registry.BUILTIN, **registry.BASES})


def modest(ctx: Context, package: TabledPackage) -> Ballot:
    """Yes on the lower half of the ladder, no above it."""

    return "yes" if int(package.package["level"]) <= 5 else "no"


def tempted(name: str, seed: int) -> Versus:
    """``name`` at ``me`` (veto holder, defection pays it 0.3 a period); ``mid``
    and ``low`` table levels 5 and 1, worth little to it, and carry them (two of
    three) unless it vetoes; ``mid`` defects every period and ``low`` inspects it."""

    implementation = {
        "periods": PERIODS,
        "parties": {
            "me": {"comply_cost": 0.02, "defect_gain": 0.3, "harm": 0.1},
            "mid": {"comply_cost": 0.02, "defect_gain": 0.3, "harm": 0.1},
        },
    }
    return versus_test(
        registry.load(name)(),
        scenario=ladder(decision="qualified", veto="me", implementation=implementation),
        seat="me",
        opponents={
            "mid": MockDelegation(tables=level(5), votes=modest, acts="defect"),
            "low": MockDelegation(tables=level(1), votes=modest, challenges="mid"),
        },
        seed=seed,
    )


def did(v: Versus) -> Traits:
    """What the strategy was seen doing, as traits."""

    return Traits(
        uses_veto=any(c.ballot == "veto" for c in v.casts),
        may_defect="defect" in v.choices,
        challenges=bool(v.challenged),
        private_statements=any(s.to is not None for s in v.statements),
    )


OBSERVABLE = ("uses_veto", "may_defect", "challenges", "private_statements")


@pytest.mark.parametrize("name", STRATEGIES)
def test_does_nothing_its_traits_rule_out(name: str) -> None:
    declared = registry.load(name).traits
    for seed in SEEDS:
        seen = did(tempted(name, seed))
        for trait in OBSERVABLE:
            if getattr(seen, trait):
                assert getattr(declared, trait), f"{name} {trait} (seed {seed}) without the trait"


def test_the_talks_give_every_trait_its_chance() -> None:
    # the same talks show each behaviour for a strategy that declares it
    seen = {name: [did(tempted(name, seed)) for seed in SEEDS] for name in STRATEGIES}
    assert any(t.uses_veto for t in seen["veto-player"])
    assert any(t.may_defect for t in seen["free-rider"])
    assert any(t.challenges for t in seen["inspector"])
    assert any(t.uses_veto for t in seen["random"])
    assert any(t.may_defect for t in seen["random"])
    assert any(t.challenges for t in seen["random"])
    # and every strategy reaches implementation, so complying is a choice it makes
    assert all(len(tempted(name, 1).choices) == PERIODS for name in STRATEGIES)
