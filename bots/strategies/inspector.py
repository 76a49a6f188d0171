"""An inspector: insists on verification, keeps its word, and checks on others."""

from __future__ import annotations

from collections.abc import Mapping

from accord.bots.context import Context, Record, TabledPackage, stakes
from accord.bots.reputation import suspicion
from accord.bots.sdk import Ballot, Delegation, Package, Traits
from accord.bots.tactics import Aspiration, ValueRanking, inspection_chance

PRIOR_RATIONAL = 0.5
"""Chance that a seat for which defection pays actually defects (before evidence)."""
PRIOR_IRRATIONAL = 0.1
"""Chance that a seat defects although defection does not pay for it."""


class Inspector(Delegation):
    """Negotiates like a moderate conceder (``e = 1``) over a value that
    counts verification: a package's utility minus the harm expected over the
    implementation periods from every other seat that the package would not
    deter (one for which ``defect_gain + comply_cost`` exceeds detection ×
    sanction × an even inspection chance), so it tables and votes for strong
    verification and enforcement. It always complies. In each verification
    phase it estimates, for every other seat, the chance that it defects
    (whether defection pays for it under the adopted regime, updated by
    Bayes' rule on its inspections so far) and inspects the seats for which
    that chance × the detection probability × (the harm the seat does it +
    the sanction, the inspection's deterrent value) exceeds the inspection
    cost, best first, up to the quota; otherwise it passes.

    Reputation (``ctx.reputation``): a seat's chance of defecting starts from
    its record instead of the prior (:func:`~accord.bots.reputation.suspicion`:
    its detected violations over the detections its earlier inspections
    could have made, never below the prior), so seats caught in earlier
    talks are inspected first and from the first period, and at the table
    the harm it expects from an undeterred seat grows with that seat's
    record, so it insists on stronger verification and enforcement when
    known violators sit at the table. Without a record it plays as without
    reputation.

    From inspection games: Avenhaus, von Stengel and Zamir, "Inspection
    games" (2002), and the IAEA safeguards practice of inspecting where a
    diversion would be both tempting and detectable; starting from the
    record follows Kreps and Wilson, "Reputation and imperfect information"
    (1982): beliefs about a player's type carry over from its past play.
    """

    name = "inspector"
    traits = Traits(stochastic=True, challenges=True)
    exponent = 1.0

    def value(self, ctx: Context, package: Mapping[str, str]) -> float:
        """Utility minus the harm expected from the seats ``package`` fails to deter."""

        impl = ctx.implementation
        u = ctx.utility(package)
        if impl is None:
            return u
        deterrent = 0.5 * stakes(ctx).detection(package) * stakes(ctx).sanction(package)
        suspects = self.suspects(ctx)
        if suspects:  # each undeterred seat's harm weighted by its own chance of defecting
            expected = sum(
                t.harm * suspects.get(seat, PRIOR_RATIONAL)
                for seat, t in impl.parties.items()
                if seat != ctx.seat and t.defect_gain + t.comply_cost > deterrent
            )
            return u - impl.periods * expected
        exposed = sum(
            t.harm
            for seat, t in impl.parties.items()
            if seat != ctx.seat and t.defect_gain + t.comply_cost > deterrent
        )
        return u - impl.periods * PRIOR_RATIONAL * exposed

    def suspects(self, ctx: Context) -> dict[str, float]:
        """Other seats whose record raises their chance of defecting above the prior
        (when defection pays for them), with that chance; empty without reputation."""

        reputation = ctx.reputation
        if not reputation:
            return {}
        cached: tuple[Mapping[str, Record], dict[str, float]] | None = getattr(
            self, "_suspects", None
        )
        if cached is not None and cached[0] is reputation:  # read once a talk, not per package
            return cached[1]
        raised = {seat: suspicion(reputation.get(seat), PRIOR_RATIONAL) for seat in ctx.others}
        found = {seat: chance for seat, chance in raised.items() if chance != PRIOR_RATIONAL}
        self._suspects = (reputation, found)
        return found

    def _target(self, ctx: Context) -> float:
        return self._aspiration.at(ctx).floor

    def value_key(self, ctx: Context) -> tuple[object, ...]:
        """What :meth:`value` reads beyond the agenda and this seat's brief.

        The ranking is kept on this class's shelf under it and shared between
        talks; a subclass whose ``value`` reads more extends it.
        """

        suspects = self.suspects(ctx)
        if suspects:
            return (ctx.seat, ctx.implementation, PRIOR_RATIONAL, sorted(suspects.items()))
        return (ctx.seat, ctx.implementation, PRIOR_RATIONAL)

    def on_start(self, ctx: Context) -> None:
        self._ranking = ValueRanking(ctx, lambda p: self.value(ctx, p), key=self.value_key(ctx))
        self._aspiration = Aspiration(self.exponent)

    def table(self, ctx: Context) -> list[Package]:
        return [self._ranking.near(ctx, self._target(ctx))]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        value = self._ranking.value_of(package.package) if self._ranking.shared else None
        if value is None:
            value = self.value(ctx, package.package)
        return "yes" if value >= self._target(ctx) else "no"

    def defect_chance(self, ctx: Context, seat: str) -> float:
        """Estimated chance that ``seat`` defects this period."""

        impl, adopted = ctx.implementation, ctx.adopted
        if impl is None or adopted is None or seat not in impl.parties:
            return 0.0
        terms = impl.parties[seat]
        pays = terms.defect_gain + terms.comply_cost > (
            inspection_chance(ctx, seat) * adopted.detection * adopted.sanction
        )
        # its record, if any, raises the prior (the same in every period of this talk)
        chance = suspicion(ctx.reputation.get(seat), PRIOR_RATIONAL if pays else PRIOR_IRRATIONAL)
        for result in ctx.history.challenges:
            if result.target != seat:
                continue
            if result.detected:
                return 0.9
            miss = chance * (1.0 - adopted.detection)
            chance = miss / (miss + 1.0 - chance)
        return chance

    def challenge(self, ctx: Context) -> list[str]:
        impl, adopted = ctx.implementation, ctx.adopted
        if impl is None or adopted is None:
            return []
        worth = []
        for seat in ctx.others:
            harm = impl.parties[seat].harm if seat in impl.parties else 0.0
            gain = self.defect_chance(ctx, seat) * adopted.detection * (harm + adopted.sanction)
            if gain > impl.inspection_cost:
                worth.append((gain, seat))
        worth.sort(key=lambda gs: -gs[0])
        return [seat for _, seat in worth[: ctx.challenge_quota]]
