"""An adaptive negotiator: learns what the others accept and aims at the Nash point."""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import msgspec

from accord.bots.context import Context, TabledPackage, remember, stakes
from accord.bots.reputation import suspicion
from accord.bots.sdk import Ballot, Choice, Delegation, Package, Traits
from accord.bots.tactics import OpponentModel, defection_pays, inspection_chance
from accord.protocol.commands import Vote
from accord.protocol.engine.rules import passes

CANDIDATES = 64
"""At most this many of its own best packages are weighed each round (the
forecasts cost per candidate and modelled seat; weighing up to 4000 scored no
better on the bundled scenarios)."""
INSPECTORS = 2
"""Inspections per period it reckons with before defecting."""
PRIOR_RESERVATION = 0.4
"""A seat's reservation on the opponent model's scale, until its votes show a lower one."""
SOFT = 0.05
"""Slack in the Nash product, so that packages just short of acceptance still rank."""


def _caught(detection: float, inspections: int) -> float:
    return 1.0 - (1.0 - detection) ** inspections


Positions = tuple[int, ...]
"""Where a package's options sit in a flat option table, in the package's order."""

_add = OpponentModel.total
"""How the opponent model adds up a package's estimated option values."""

_ADDS_LEFT_TO_RIGHT = _add([1e16, 1.0, -1e16]) == 0.0
"""Whether that adds floats one by one, left to right (the builtin sum does up
to Python 3.11; 3.12 compensates rounding errors). Then ``t[a] + t[b] + ...``
gives the same sums (equal floats; ``sum`` starts from 0, which only turns a
zero's sign)."""


def _positions(index: dict[str, dict[str, int]], package: Mapping[str, str]) -> Positions:
    return tuple(index[issue][option] for issue, option in package.items())


def _utility(table: Sequence[float], at: Positions) -> float:
    """A package's estimated utility, given a seat's flat option table and the
    package's positions in it: ``OpponentModel.utility``, the same additions."""

    return _add(map(table.__getitem__, at))


# The sums of many packages at once, written out per agenda width: one list
# comprehension with the additions spelled ``t[a] + t[b] + ...`` is several
# times faster than a call per package, and adds in the same order as ``_add``
# where that adds left to right (tests/bots/strategies/test_adaptive_sums.py).
_WRITTEN_OUT: dict[int, Callable[[Sequence[float], Sequence[Positions]], list[float]]] = {
    1: lambda t, ps: [t[a] for (a,) in ps],
    2: lambda t, ps: [t[a] + t[b] for a, b in ps],
    3: lambda t, ps: [t[a] + t[b] + t[c] for a, b, c in ps],
    4: lambda t, ps: [t[a] + t[b] + t[c] + t[d] for a, b, c, d in ps],
    5: lambda t, ps: [t[a] + t[b] + t[c] + t[d] + t[e] for a, b, c, d, e in ps],
    6: lambda t, ps: [t[a] + t[b] + t[c] + t[d] + t[e] + t[f] for a, b, c, d, e, f in ps],
    7: lambda t, ps: [t[a] + t[b] + t[c] + t[d] + t[e] + t[f] + t[g] for a, b, c, d, e, f, g in ps],
    8: lambda t, ps: [
        t[a] + t[b] + t[c] + t[d] + t[e] + t[f] + t[g] + t[h] for a, b, c, d, e, f, g, h in ps
    ],
}


def _plain_sums(table: Sequence[float], positions: Sequence[Positions]) -> list[float]:
    return [_utility(table, at) for at in positions]


def _sums_for(width: int) -> Callable[[Sequence[float], Sequence[Positions]], list[float]]:
    """``sums(table, positions)``: :func:`_utility` of each package, for packages of
    ``width`` issues: written out where that gives the same floats, else plain."""

    if _ADDS_LEFT_TO_RIGHT and width in _WRITTEN_OUT:
        return _WRITTEN_OUT[width]
    return _plain_sums


class _Valuation:
    """The strategy's value of every package and its candidates, best first.

    Derived from its own brief and the public scenario only, so the same in
    every talk on this agenda with this brief: shared between talks (see
    :meth:`~accord.bots.context.Context.remember`).
    """

    def __init__(self, seeker: Adaptive, ctx: Context) -> None:
        ranked = sorted(
            ((seeker.value(ctx, p), p) for p in ctx.all_packages()), key=lambda vp: -vp[0]
        )
        self.values = {tuple(p.values()): v for v, p in ranked}
        above = [vp for vp in ranked if vp[0] >= ctx.reservation]
        self.candidates = above[:CANDIDATES] or ranked[:1]
        self.best = max(ranked[0][0], ctx.reservation)
        # For the forecasts: where each option sits in a flat table of option
        # values (issue by issue, in agenda order), each candidate's options
        # in such a table, its own factor of the Nash product, and its value
        # negated (ascending, to find those above a minimum by bisection).
        self.index: dict[str, dict[str, int]] = {}
        offset = 0
        for issue in ctx.scenario.issues:
            self.index[issue.id] = {o: offset + n for n, o in enumerate(issue.options)}
            offset += len(issue.options)
        self.positions = [_positions(self.index, p) for _, p in self.candidates]
        self.sums = _sums_for(len(ctx.scenario.issues))
        self.own = [v - ctx.reservation + SOFT for v, _ in self.candidates]
        self.negated = [-v for v, _ in self.candidates]

    def utilities(self, table: list[float], n: int) -> list[float]:
        """A seat's estimated utility of each of the first ``n`` candidates, given
        its flat option table: ``OpponentModel.utility``, all at once."""

        return self.sums(table, self.positions[:n])


class _Round:
    """One round's opponent model: each modelled seat's option values and threshold."""

    def __init__(self, round_: int) -> None:
        self.round = round_
        self.seats: list[tuple[int, list[float], float]] = []
        """(bit of the seat among the others, flat option table, threshold), in seat order."""
        self.plan: list[Package] | None = None


class Adaptive(Delegation):
    """Values a package at what living with it is worth: its utility, plus
    per implementation period the gain of defecting where even two
    inspections would not deter it (else minus the cost of complying), minus
    the harm expected from the other seats the regime does not deter.

    Each round it models every other seat from its proposals and open votes
    (:class:`~accord.bots.tactics.OpponentModel`) and estimates the seat's reservation
    (the lowest estimated utility it voted yes on) and current threshold
    (between that and its latest proposal, closing in as the rounds run
    out). It predicts the sincere votes on every package at or above its own
    minimum, keeps those that pass the room's rule without a veto, and tables
    the one(s) with the largest estimated Nash product (own gain over its
    reservation × each seat's estimated gain over its threshold); if none is
    forecast to pass, the best by that product. Its minimum falls from its
    best value to its reservation (Boulware, ``e = 0.6``; the reservation in
    the last round), never below. It votes yes at or above its minimum, and,
    in open ballots, on packages above its reservation that are forecast to
    fail anyway (goodwill that reciprocators return).

    In implementation it defects only when that clearly pays: when its gain
    beats the expected sanction even under as many inspections per period as
    it has ever drawn (at least two). It inspects a seat only when that
    deters it (detection × sanction outweighs the seat's gain, its inspection
    rate so far does not) and the harm stopped is worth the inspection cost.

    Reputation (``ctx.reputation``): its estimate that a seat defects (the
    chances above, ``defect_pays`` and ``defect_base``) starts from that
    seat's record (:func:`~accord.bots.reputation.suspicion`: its detected
    violations over the detections its earlier inspections could have made,
    never below the prior). With known violators at the table it expects
    more harm from regimes that do not deter them, so it values verification
    and enforcement more at the table, and it counts on a known violator
    defecting when it weighs an inspection of it. Without a record it plays
    as without reputation.

    From the Nash bargaining solution (Nash, "The bargaining problem", 1950)
    and opponent modelling in the ANAC agents (Baarslag, Hendrikx, Hindriks
    and Jonker, "Learning about the opponent in automated bilateral
    negotiation", 2016); carrying beliefs about a seat's conduct from one
    talk to the next follows Kreps and Wilson, "Reputation and imperfect
    information" (1982).
    """

    name = "adaptive"
    traits = Traits(models_opponents=True, challenges=True, may_defect=True)
    exponent = 0.6
    defect_pays = 0.5
    """Chance that a seat defects when the regime does not deter it..."""
    defect_base = 0.15
    """...and when it does."""

    def value(self, ctx: Context, package: Mapping[str, str]) -> float:
        """Own utility of ``package`` with the expected stakes of implementing it."""

        impl, terms = ctx.implementation, ctx.terms
        u = ctx.utility(package)
        if impl is None or terms is None:
            return u
        detection = stakes(ctx).detection(package)
        sanction = stakes(ctx).sanction(package)
        own = max(terms.defect_gain - _caught(detection, INSPECTORS) * sanction, -terms.comply_cost)
        harm = 0.0
        for seat, t in impl.parties.items():
            if seat != ctx.seat:
                pays = t.defect_gain + t.comply_cost > detection * sanction / 2
                record = ctx.reputation.get(seat)
                harm += t.harm * suspicion(record, self.defect_pays if pays else self.defect_base)
        return u + impl.periods * (own - harm)

    def suspects(self, ctx: Context) -> list[tuple[str, float, float]]:
        """(seat, chance it defects when the regime does not deter it, and when it
        does) for the other seats whose record raises either above the priors."""

        out = []
        for seat in ctx.others:
            record = ctx.reputation.get(seat)
            pays, base = suspicion(record, self.defect_pays), suspicion(record, self.defect_base)
            if (pays, base) != (self.defect_pays, self.defect_base):
                out.append((seat, pays, base))
        return out

    def value_key(self, ctx: Context) -> tuple[object, ...]:
        """What :meth:`value` (and the candidate list) reads beyond the agenda
        and this seat's brief.

        The valuation is kept on this class's shelf under it and shared between
        talks; a subclass whose ``value`` reads more extends it.
        """

        key: tuple[object, ...] = (
            ctx.seat,
            ctx.implementation,
            self.defect_pays,
            self.defect_base,
            CANDIDATES,
            INSPECTORS,
            SOFT,
        )
        suspects = self.suspects(ctx)
        return (*key, suspects) if suspects else key

    def on_start(self, ctx: Context) -> None:
        key = msgspec.json.encode(self.value_key(ctx))
        valuation = remember(ctx, key, lambda: _Valuation(self, ctx))
        self._valuation = valuation
        self._values = valuation.values
        self._candidates = valuation.candidates
        self._best = valuation.best
        self._weights = {d.id: d.weight for d in ctx.scenario.delegations}
        self._vetoes = {d.id for d in ctx.scenario.delegations if d.veto and ctx.rules.vetoes}
        self._round: _Round | None = None
        self._opponents = OpponentModel(ctx)
        # seat → its latest proposal, and the packages it voted yes on, as
        # the positions of their options in the seat's flat option table
        self._last_tabled: dict[str, Positions] = {}
        self._accepted: dict[str, dict[tuple[tuple[str, str], ...], Positions]] = {}
        self._tabled_seen = 0
        self._ballots_seen = 0
        self._pass_memo: dict[int, bool] = {}

    def minimum(self, ctx: Context) -> float:
        if ctx.round >= ctx.rules.max_rounds:
            return ctx.reservation
        curve: float = ctx.progress ** (1.0 / self.exponent)  # a float ** float is typed Any
        return self._best - (self._best - ctx.reservation) * curve

    # --- the opponents ----------------------------------------------------------------

    def _follow(self, ctx: Context) -> None:
        """Note the proposals and yes votes the history gained since the last call."""

        history = ctx.history
        index = self._valuation.index
        for tabled in history.tabled[self._tabled_seen :]:
            self._last_tabled[tabled.seat] = _positions(index, tabled.package)
        self._tabled_seen = len(history.tabled)
        for ballot in history.ballots[self._ballots_seen :]:
            for result in ballot.results:
                package = history.package(result.package_id)
                if result.votes is None or package is None:
                    continue
                key = tuple(package.items())
                for seat, vote in result.votes.items():
                    if vote == "yes":
                        accepted = self._accepted.setdefault(seat, {})
                        if key not in accepted:
                            accepted[key] = _positions(index, package)
        self._ballots_seen = len(history.ballots)

    def _model(self, ctx: Context) -> _Round:
        """This round's opponent model and thresholds (computed once a round)."""

        if self._round is not None and self._round.round == ctx.round:
            return self._round
        self._follow(ctx)
        tables = self._opponents.tables()
        r = _Round(ctx.round)
        for n, seat in enumerate(ctx.others):
            table = tables.get(seat)
            if table is None:
                continue
            # the lowest estimated utility it voted yes on (min depends neither
            # on the order nor on repeats of the same package)
            accepted = self._accepted.get(seat, {}).values()
            low = min([PRIOR_RESERVATION, *(_utility(table, at) for at in accepted)])
            latest = self._last_tabled.get(seat)
            high = max(_utility(table, latest), low) if latest is not None else low
            threshold = low + (high - low) * (1.0 - ctx.progress)
            r.seats.append((1 << n, table, threshold))
        self._round = r
        return r

    def _passes(self, ctx: Context, noes: int) -> bool:
        """Whether a package passes (vetoes included) when exactly the other seats in
        bit set ``noes`` vote no and every other seat, this one included, votes yes."""

        found = self._pass_memo.get(noes)
        if found is None:
            votes: dict[str, Vote] = {ctx.seat: "yes"}
            for n, seat in enumerate(ctx.others):
                votes[seat] = "no" if noes >> n & 1 else "yes"
            vetoed = any(votes[s] == "no" for s in self._vetoes if s != ctx.seat)
            found = passes(ctx.rules, self._weights, votes) and not vetoed
            self._pass_memo[noes] = found
        return found

    def _forecast(self, ctx: Context, package: Mapping[str, str], own: float) -> tuple[bool, float]:
        """Whether ``package`` would pass with this seat's yes, and its estimated Nash product."""

        r = self._model(ctx)
        at = _positions(self._valuation.index, package)
        noes = 0
        product = own - ctx.reservation + SOFT
        for bit, table, threshold in r.seats:
            gain = _utility(table, at) - threshold
            if gain < 0:
                noes |= bit
            product *= max(gain + SOFT, SOFT / 10)
        return self._passes(ctx, noes), product

    def _plan(self, ctx: Context, r: _Round) -> list[Package]:
        """The candidates at or above the minimum forecast to pass, best Nash product
        first, then the others, best first; as many as may be tabled.

        :meth:`_forecast` for all of them at once, list by list: per modelled
        seat the gains, then the running products and who votes no.
        """

        valuation = self._valuation
        n = bisect_right(valuation.negated, -self.minimum(ctx))  # value >= minimum
        products = valuation.own[:n]
        noes = [0] * n
        least = SOFT / 10
        for bit, table, threshold in r.seats:
            utilities = valuation.utilities(table, n)
            # the gain u - threshold; its factor max(gain + SOFT, least), as in _forecast
            products = [
                p * (f if (f := u - threshold + SOFT) >= least else least)
                for p, u in zip(products, utilities, strict=False)  # all n long
            ]
            # the gain is negative exactly when u < threshold: a no
            if utilities and min(utilities) < threshold:
                noes = [
                    m | bit if u < threshold else m for m, u in zip(noes, utilities, strict=False)
                ]
        # nlargest keeps the list order among equal products, like a stable sort
        k = ctx.rules.proposals_per_round
        carried = {m: self._passes(ctx, m) for m in set(noes)}
        if any(carried.values()):
            passing = [i for i, m in enumerate(noes) if carried[m]]
            chosen = heapq.nlargest(k, passing, key=products.__getitem__)
            if len(chosen) < k:
                failing = [i for i, m in enumerate(noes) if not carried[m]]
                chosen += heapq.nlargest(k - len(chosen), failing, key=products.__getitem__)
        else:  # none forecast to pass: the best products
            chosen = heapq.nlargest(k, range(n), key=products.__getitem__)
        return [valuation.candidates[i][1] for i in chosen]

    # --- hooks ------------------------------------------------------------------------

    def table(self, ctx: Context) -> list[Package]:
        r = self._model(ctx)
        if r.plan is None:
            r.plan = self._plan(ctx, r)
        return list(r.plan) or [self._candidates[0][1]]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        value = self._values.get(tuple(package.package.values()))
        if value is None:
            value = self.value(ctx, package.package)
        if value >= self.minimum(ctx):
            return "yes"
        goodwill = ctx.rules.ballot == "open" and value >= ctx.reservation
        return "yes" if goodwill and not self._forecast(ctx, package.package, value)[0] else "no"

    def act(self, ctx: Context) -> Choice:
        adopted = ctx.adopted
        if adopted is None or adopted.detection <= 0:
            return "defect" if defection_pays(ctx) else "comply"
        per_period = Counter(c.period for c in ctx.history.challenges if c.target == ctx.seat)
        caught = _caught(adopted.detection, max(INSPECTORS, *per_period.values(), 0))
        return (
            "defect"
            if defection_pays(ctx, inspection_chance=caught / adopted.detection)
            else "comply"
        )

    def challenge(self, ctx: Context) -> list[str]:
        impl, adopted = ctx.implementation, ctx.adopted
        if impl is None or adopted is None:
            return []
        expected = adopted.detection * adopted.sanction
        remaining = impl.periods - ctx.period + 1
        worth = []
        for seat in ctx.others:
            terms = impl.parties.get(seat)
            if terms is None:
                continue
            gain = terms.defect_gain + terms.comply_cost
            if inspection_chance(ctx, seat) * expected < gain <= expected:
                if ctx.history.detected(seat):
                    defect = 1.0
                else:  # the prior, or what its record says
                    defect = suspicion(ctx.reputation.get(seat), self.defect_pays)
                if defect * terms.harm * remaining > impl.inspection_cost:
                    worth.append((defect * terms.harm, seat))
        worth.sort(key=lambda vs: -vs[0])
        return [seat for _, seat in worth[: ctx.challenge_quota]]
