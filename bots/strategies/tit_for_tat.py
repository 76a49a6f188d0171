"""A reciprocator: Tit For Tat for n delegations, in votes and in implementation."""

from __future__ import annotations

from accord.bots.context import Context, TabledPackage
from accord.bots.sdk import Ballot, Choice, Delegation, Package, Traits
from accord.bots.tactics import (
    Aspiration,
    expected_sanction,
    inspection_chance,
    package_near,
    utilities,
)


class TitForTat(Delegation):
    """Nice, retaliatory and forgiving, seat by seat.

    Talks: it concedes at a moderate, linear pace (``e = 1``) and tables the
    package closest above its target. On a package tabled by seat *S* it
    votes the way *S* last voted on one of its own packages in an open ballot
    (yes, no or abstain); until it has seen such a vote (first round, secret
    ballots) it cooperates: yes when the package reaches its reservation. It
    never votes yes below its reservation, and always yes on its own package.

    Implementation: it complies in period 1; afterwards it defects in a period
    exactly when some other seat was caught defecting in the previous one
    (any seat's defection harms every party, so it answers defection by
    anyone), and complies otherwise. Its own detected defections do not count,
    so it cannot feud with itself. Within its quota it inspects seats caught
    before (most caught first), then seats for which defection pays given the
    public stakes and how often they are inspected; never when an inspection
    cannot detect anything.

    Reputation (``ctx.reputation``): a seat whose record shows a defection
    caught in an earlier talk of the series (a broken pledge is one) is met
    with the retaliation it earned there: until that seat has voted on one of
    this seat's packages in this talk, it votes no on its packages, from the
    first round on (afterwards it mirrors that seat's votes as usual, so it
    forgives a seat that cooperates). Seats with a clean record get the usual
    first move, cooperation. In implementation it inspects known violators
    right after the seats caught in this talk (most violations first). Its
    own choice to comply or defect does not read the record: a defection
    harms every party, not only the violator.

    From Axelrod's tournaments, "The Evolution of Cooperation" (1984): Tit For
    Tat, submitted by Anatol Rapoport, generalised to n players; the record
    carries its memory across talks as in indirect reciprocity (Nowak and
    Sigmund, "Evolution of indirect reciprocity by image scoring", 1998):
    cooperate with those whose image is good.
    """

    name = "tit-for-tat"
    traits = Traits(challenges=True, may_defect=True)
    exponent = 1.0

    def on_start(self, ctx: Context) -> None:
        self._aspiration = Aspiration(self.exponent)
        self._utility = utilities(ctx)
        self._last: dict[str, str] = {}  # seat → its latest open vote on this seat's packages
        self._ballots_seen = 0  # how much of the history _last covers

    def table(self, ctx: Context) -> list[Package]:
        return [package_near(ctx, self._aspiration.at(ctx).target)]

    def last_vote_on_mine(self, ctx: Context, seat: str) -> str | None:
        """How ``seat`` voted on this seat's packages in the latest open ballot that shows it."""

        ballots = ctx.history.ballots
        if self._ballots_seen < len(ballots):  # later results overwrite earlier ones
            for ballot in ballots[self._ballots_seen :]:
                for result in ballot.results:
                    if result.seat == ctx.seat and result.votes is not None:
                        self._last.update(result.votes)
            self._ballots_seen = len(ballots)
        return self._last.get(seat)

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        u = self._utility(package.package)
        if u < ctx.reservation:
            return "no"
        if package.seat == ctx.seat:
            return "yes"
        last = self.last_vote_on_mine(ctx, package.seat)
        if last is None and self.known_violator(ctx, package.seat):
            return "no"  # its first move towards a seat caught defecting before
        return "no" if last == "no" else "abstain" if last == "abstain" else "yes"

    def known_violator(self, ctx: Context, seat: str) -> bool:
        """Whether ``seat``'s record shows a defection caught in an earlier talk."""

        record = ctx.reputation.get(seat)
        return record is not None and record.violations_detected > 0

    def act(self, ctx: Context) -> Choice:
        previous = ctx.period - 1
        caught = any(
            c.detected and c.period == previous and c.target != ctx.seat
            for c in ctx.history.challenges
        )
        return "defect" if caught else "comply"

    def challenge(self, ctx: Context) -> list[str]:
        impl, adopted = ctx.implementation, ctx.adopted
        if impl is None or adopted is None or adopted.detection <= 0:
            return []
        caught = {s: ctx.history.detected(s) for s in ctx.others}
        suspects = [s for s in ctx.others if caught[s] > 0]
        suspects.sort(key=lambda s: -caught[s])
        if ctx.reputation:  # then the seats caught in earlier talks, most violations first
            known = {
                s: record.violations_detected
                for s in ctx.others
                if s not in suspects
                and (record := ctx.reputation.get(s)) is not None
                and record.violations_detected > 0
            }
            suspects += sorted(known, key=lambda s: -known[s])
        for seat in ctx.others:
            terms = impl.parties.get(seat)
            if seat in suspects or terms is None:
                continue
            risk = inspection_chance(ctx, seat) * expected_sanction(ctx)
            if terms.defect_gain + terms.comply_cost > risk:
                suspects.append(seat)
        return suspects[: ctx.challenge_quota]
