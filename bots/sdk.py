"""The delegation SDK: one small class with a few hooks.

A strategy subclasses :class:`Delegation`, sets ``name``, ``traits`` and a
docstring, and overrides the hooks it needs. Every hook gets the
:class:`~accord.bots.context.Context`: the seat's brief and utility function, the
public history, the phase, round, period and deadline, and a seeded
``random.Random``. The same class runs in-process (:mod:`accord.bots.inprocess`) and
over a websocket (:mod:`accord.bots.websocket`) unchanged.

Hooks and what the runner does with their answers:

========================  =====================================================
``on_start(ctx)``         once, when the talks open
``table(ctx)``            each tabling phase: packages to table (at most the
                          round's limit); fewer than the limit means "pass"
``vote(ctx, package)``    each package on the ballot: ``"yes"``, ``"no"``,
                          ``"abstain"`` or ``"veto"`` (veto holders only)
``act(ctx)``              each implementation period: ``"comply"`` or ``"defect"``
``challenge(ctx)``        each verification phase: seats to inspect (at most
                          the quota)
``on_event(ctx, event)``  every event the seat may see, after the history has it
========================  =====================================================

A hook that raises or overruns its time budget is isolated: the runner
reports it (with the seat and the strategy's name) and plays the default
(pass, abstain, comply, no challenge) for that seat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import msgspec

from accord.protocol.commands import Ballot, Choice, Package

__all__ = ["Ballot", "Choice", "Delegation", "Package", "Traits"]

if TYPE_CHECKING:
    from accord.bots.context import Context, TabledPackage
    from accord.protocol.events import Event


class Traits(msgspec.Struct, frozen=True, kw_only=True):
    """What a strategy does, for listings and tournament reports."""

    stochastic: bool = False
    """Uses randomness (from the context's seeded generator)."""
    private_statements: bool = False
    """Speaks to chosen seats privately (coalitions, side deals)."""
    challenges: bool = False
    """Inspects other seats during implementation."""
    may_defect: bool = False
    """Sometimes defects from the adopted agreement."""
    uses_veto: bool = False
    """Vetoes packages when it holds a veto."""
    models_opponents: bool = False
    """Estimates other seats' preferences from their votes and proposals."""


class Delegation:
    """Base class of every strategy; the defaults pass, abstain, comply and never inspect."""

    name: ClassVar[str] = "delegation"
    traits: ClassVar[Traits] = Traits()

    def on_start(self, ctx: Context) -> None:
        """The talks have opened; ``ctx.brief`` holds this seat's private brief."""

    def table(self, ctx: Context) -> list[Package]:
        """Packages to table this round (an empty list passes)."""

        return []

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        """This seat's vote on one package on the ballot."""

        return "abstain"

    def act(self, ctx: Context) -> Choice:
        """Comply with or defect from the adopted package this period."""

        return "comply"

    def challenge(self, ctx: Context) -> list[str]:
        """Seats to inspect this period (at most ``ctx.challenge_quota``)."""

        return []

    def on_event(self, ctx: Context, event: Event) -> None:
        """Any event this seat may see, once the history includes it."""
