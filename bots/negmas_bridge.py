"""NegMAS negotiators as accord delegations.

:class:`NegMASDelegation` plays any NegMAS SAO negotiator class
(``negmas.sao.AspirationNegotiator``, ``MiCRONegotiator``, ...) in an accord
seat; ``accord.bots.load("negmas:ClassName")`` makes one for a class of
``negmas.sao`` (or ``negmas``). The mapping:

- **Preferences.** The negotiator's utility function is a NegMAS
  ``LinearAdditiveUtilityFunction`` over one categorical issue per agenda
  issue (its values are the option ids, in agenda order), with the brief's
  weights and option values and the brief's reservation as its reserved
  value: the same number as ``ctx.utility`` for every package.
- **Time.** Accord round ``r`` is NegMAS step ``r − 1`` of a negotiation of
  ``rules.max_rounds`` steps, so the negotiator sees the relative time NegMAS
  itself gives that step, ``r / (max_rounds + 1)``.
- **Tabling.** Each tabling phase the negotiator proposes once; its outcome
  is tabled as a package. A negotiator that proposes nothing passes. It
  tables one package a round even where the rules allow more, as a NegMAS
  negotiator makes one offer a step.
- **Votes.** At the start of a ballot every package the other seats tabled
  this round reaches the negotiator as a partner's offer
  (``on_partner_proposal``), then it responds to each in voting order:
  ``ACCEPT_OFFER`` is yes, ``REJECT_OFFER`` no, ``END_NEGOTIATION`` (and
  ``LEAVE``) no, as a seat cannot leave an accord talk, and any other answer
  abstains. Its own packages get yes (offering is accepting in SAO). It never
  vetoes.
- **Implementation.** It complies in every period and never inspects (the
  defaults): a NegMAS negotiator has no notion of implementation.

Randomness: NegMAS negotiators draw from the ``random`` and ``numpy.random``
globals, so each call into the negotiator runs with both seeded from
``ctx.rng`` and restored afterwards: a talk stays a function of its seed.

NegMAS is imported only when a negotiator is made; without it, the error
says to ``pip install 'accord[negmas]'``.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import importlib
import random
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any, ClassVar

from accord.bots.context import Context, TabledPackage
from accord.bots.sdk import Ballot, Delegation, Package, Traits

__all__ = ["INSTALL_HINT", "NegMASDelegation", "delegation_for", "negotiator_class"]

INSTALL_HINT = "NegMAS is not installed: pip install 'accord[negmas]'"


def _negmas(module: str = "negmas") -> ModuleType:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.split(".")[0] == "negmas":
            raise ModuleNotFoundError(INSTALL_HINT, name="negmas") from None
        raise


@contextlib.contextmanager
def _seeded(ctx: Context) -> Iterator[None]:
    """The global generators NegMAS draws from, seeded from the seat's rng for one call."""

    import numpy as np

    saved, saved_np = random.getstate(), np.random.get_state()
    random.seed(ctx.rng.getrandbits(64))
    np.random.seed(ctx.rng.getrandbits(32))
    try:
        yield
    finally:
        random.setstate(saved)
        np.random.set_state(saved_np)


_VOTES: dict[str, Ballot] = {
    "ACCEPT_OFFER": "yes",
    "REJECT_OFFER": "no",
    "END_NEGOTIATION": "no",
    "LEAVE": "no",
}


class NegMASDelegation(Delegation):
    """A NegMAS SAO negotiator in an accord seat: proposes what it tables and
    responds to the other seats' packages as offers; complies and never
    inspects. Keyword options go to the negotiator's constructor."""

    name = "negmas"
    traits = Traits(stochastic=True)
    negotiator_type: ClassVar[Any] = None
    """The NegMAS negotiator class; set by :func:`delegation_for`, or by a subclass."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    # --- the shadow negotiation ---------------------------------------------------

    def on_start(self, ctx: Context) -> None:
        if self.negotiator_type is None:
            raise TypeError(f"{type(self).__name__} names no negotiator_type")
        negmas = _negmas()
        sao = _negmas("negmas.sao")
        self._issues = [issue.id for issue in ctx.scenario.issues]
        space = negmas.make_os(
            [negmas.make_issue(values=list(i.options), name=i.id) for i in ctx.scenario.issues]
        )
        self.ufun: Any = self.utility_function(ctx, space)
        # A mechanism that is never run: it gives the negotiator its interface (outcome
        # space, step limit, partners) while the accord room drives the talk.
        self._mechanism: Any = sao.SAOMechanism(
            outcome_space=space, n_steps=ctx.rules.max_rounds, extra_callbacks=False
        )
        with _seeded(ctx):
            # the id stays the seat's: the partners' offers name the seats
            options = {"name": ctx.seat, **self.options, "id": ctx.seat}
            self.negotiator: Any = self.negotiator_type(**options)
            self._mechanism.add(self.negotiator, preferences=self.ufun)
            for seat in ctx.others:  # partners, so offers come from known negotiator ids
                self._mechanism.add(_partner_type()(id=seat, name=seat))
        self._fed_round = 0
        with _seeded(ctx):
            self.negotiator._on_negotiation_start(self._state(ctx))

    def utility_function(self, ctx: Context, space: Any) -> Any:
        """The brief as a NegMAS ``LinearAdditiveUtilityFunction`` over ``space``."""

        negmas = _negmas()
        brief = ctx.brief
        return negmas.LinearAdditiveUtilityFunction(
            values={
                i.id: dict(zip(i.options, brief.values[i.id], strict=True))
                for i in ctx.scenario.issues
            },
            weights={i.id: brief.weights[i.id] for i in ctx.scenario.issues},
            outcome_space=space,
            reserved_value=brief.reservation,
        )

    def _state(self, ctx: Context, offer: tuple[str, ...] | None = None, source: str = "") -> Any:
        """The SAO state of round ``ctx.round`` (step ``round − 1``), with ``offer`` from ``source``."""

        state = self._mechanism.state  # the mechanism's own state: nmi.state reads it too
        state.running = state.started = True
        state.step = max(ctx.round, 1) - 1
        state.n_negotiators = len(ctx.seats)
        current = self._mechanism.state_for(self.negotiator)  # a copy with NegMAS's relative time
        state.relative_time = current.relative_time
        current.current_offer = offer
        current.current_proposer = source or None
        if offer is not None:
            current.new_offers = [(source, offer)]
        return current

    def outcome(self, package: Mapping[str, str]) -> tuple[str, ...]:
        """A package as a NegMAS outcome: its options in agenda order."""

        return tuple(package[issue] for issue in self._issues)

    def package(self, outcome: Any) -> Package:
        """A NegMAS outcome as a package."""

        return {issue: str(value) for issue, value in zip(self._issues, outcome, strict=True)}

    # --- hooks --------------------------------------------------------------------

    def table(self, ctx: Context) -> list[Package]:
        with _seeded(ctx):
            proposal = self.negotiator.propose_(self._state(ctx))
        proposal = getattr(proposal, "outcome", proposal)  # an ExtendedOutcome carries it
        return [] if proposal is None else [self.package(proposal)]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        if package.seat == ctx.seat:
            return "yes"
        offer = self.outcome(package.package)
        with _seeded(ctx):
            if self._fed_round != ctx.round:
                # every package of the round is an offer the negotiator hears of before responding
                self._fed_round = ctx.round
                for tabled in ctx.ballot:
                    if tabled.seat != ctx.seat:
                        outcome = self.outcome(tabled.package)
                        self.negotiator.on_partner_proposal(
                            self._state(ctx, outcome, tabled.seat), tabled.seat, outcome
                        )
            response = self.negotiator.respond_(self._state(ctx, offer, package.seat), package.seat)
        response = getattr(response, "response", response)  # an ExtendedResponseType
        return _VOTES.get(getattr(response, "name", ""), "abstain")


@functools.cache
def _partner_type() -> Any:
    """A stand-in for another seat in the shadow mechanism; it is never asked anything."""

    sao = _negmas("negmas.sao")

    class Partner(sao.SAONegotiator):  # type: ignore[misc,name-defined]
        def propose(self, state: Any, dest: str | None = None) -> None:
            return None

    return Partner


def _negotiator_names() -> list[str]:
    found: set[str] = set()
    for module_name in ("negmas.sao", "negmas"):
        module = _negmas(module_name)
        gb = _negmas("negmas.gb")
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, gb.GBNegotiator):
                found.add(name)
    return sorted(found)


def negotiator_class(name: str) -> Any:
    """The NegMAS negotiator class ``name``, from ``negmas.sao`` or else ``negmas``.

    Raises ``LookupError`` (with close names) for a name that is not a negotiator
    class, ``ModuleNotFoundError`` with :data:`INSTALL_HINT` without NegMAS.
    """

    gb = _negmas("negmas.gb")
    for module_name in ("negmas.sao", "negmas"):
        found = getattr(_negmas(module_name), name, None)
        if isinstance(found, type) and issubclass(found, gb.GBNegotiator):
            return found
    close = difflib.get_close_matches(name, _negotiator_names(), n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise LookupError(f"NegMAS has no negotiator class {name!r} in negmas.sao or negmas{hint}")


@functools.cache
def delegation_for(name: str) -> type[NegMASDelegation]:
    """A :class:`NegMASDelegation` subclass playing ``negmas.sao.<name>``; one per name."""

    negotiator = negotiator_class(name)
    summary = (negotiator.__doc__ or "").strip().split("\n\n")[0].split("\n")[0].strip()
    doc = f"NegMAS {name}{': ' + summary if summary else ''}, through the NegMAS bridge."
    return type(
        f"NegMAS{name}",
        (NegMASDelegation,),
        {
            "name": f"negmas:{name}",
            "negotiator_type": negotiator,
            "__doc__": doc,
            "__module__": __name__,
        },
    )
