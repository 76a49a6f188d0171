"""What a strategy keeps on its class's shelf is shared between talks only
under the key its ``value_key`` names: a subclass gets its own shelf, and one
whose ``value`` reads a parameter of its own extends the key with it."""

from __future__ import annotations

from accord.bots import Context, Delegation, Package
from accord.bots.inprocess import play
from accord.bots.strategies.free_rider import FreeRider
from accord.bots.strategies.inspector import Inspector
from accord.bots.tables import Tables
from accord.protocol.scenario import load_scenario

SEED = 3


class Taxed(FreeRider):
    """A free rider that docks ``tax`` from every package with audit monitoring."""

    name = "taxed"

    def __init__(self, *, tax: float) -> None:
        self.tax = tax
        self.mismatches: list[Package] = []

    def value(self, ctx: Context, package: Package) -> float:
        audited = package.get("monitoring") == "audit"
        return super().value(ctx, package) - (self.tax if audited else 0.0)

    def value_key(self, ctx: Context) -> tuple[object, ...]:
        return (*super().value_key(ctx), self.tax)

    def on_start(self, ctx: Context) -> None:
        super().on_start(ctx)
        # every ranked value is what this instance's value() gives
        for v, package in self._ranking.ranked:
            if v != self.value(ctx, package):
                self.mismatches.append(package)


class Plain(Inspector):
    """An inspector subclass that values packages at their bare utility."""

    name = "plain"

    def __init__(self) -> None:
        self.mismatches: list[Package] = []

    def value(self, ctx: Context, package: Package) -> float:
        return ctx.utility(package)

    def on_start(self, ctx: Context) -> None:
        super().on_start(ctx)
        for v, package in self._ranking.ranked:
            if v != ctx.utility(package):
                self.mismatches.append(package)


def seats_with(seat: str, strategy: Delegation) -> dict[str, Delegation]:
    scenario = load_scenario("trade-round")
    seats: dict[str, Delegation] = {s: Inspector() for s in scenario.seats}
    seats[seat] = strategy
    return seats


def test_a_subclass_that_extends_the_key_gets_its_own_ranking_per_parameter() -> None:
    scenario = load_scenario("trade-round")
    tables = Tables()
    first, second = Taxed(tax=0.0), Taxed(tax=5.0)
    play(scenario, seats_with("china", FreeRider()), seed=SEED, tables=tables)
    play(scenario, seats_with("china", first), seed=SEED, tables=tables)
    play(scenario, seats_with("china", second), seed=SEED, tables=tables)
    assert first.mismatches == []
    assert second.mismatches == []
    # the tax moved audited packages to the bottom of the second ranking only
    assert second._ranking.ranked[0][1]["monitoring"] == "audit"
    assert first._ranking.ranked != second._ranking.ranked


def test_a_subclass_does_not_reuse_its_parents_shelf() -> None:
    scenario = load_scenario("trade-round")
    tables = Tables()
    play(scenario, seats_with("us", Inspector()), seed=SEED, tables=tables)
    plain = Plain()
    play(scenario, seats_with("us", plain), seed=SEED, tables=tables)
    assert plain.mismatches == []
