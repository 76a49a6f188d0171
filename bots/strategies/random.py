"""A delegation that does everything at random."""

from __future__ import annotations

from accord.bots.context import Context, TabledPackage
from accord.bots.sdk import Ballot, Choice, Delegation, Package, Traits


class Random(Delegation):
    """Tables a random package, votes yes, no or abstain at random (vetoes
    now and then when it can), defects with probability one half, and
    challenges a random seat half the time.

    The baseline of every tournament, like Axelrod's ``Random`` player: a
    strategy that cannot beat it has learned nothing about the talks.
    """

    name = "random"
    traits = Traits(stochastic=True, challenges=True, may_defect=True, uses_veto=True)

    def table(self, ctx: Context) -> list[Package]:
        return [ctx.random_package()] if ctx.rng.random() < 0.8 else []

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        if ctx.holds_veto and ctx.rng.random() < 0.1:
            return "veto"
        return ctx.rng.choice(["yes", "no", "abstain"])

    def act(self, ctx: Context) -> Choice:
        return "defect" if ctx.rng.random() < 0.5 else "comply"

    def challenge(self, ctx: Context) -> list[str]:
        return [ctx.rng.choice(ctx.others)] if ctx.rng.random() < 0.5 else []
