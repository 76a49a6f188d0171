"""The normalised scenario: the agenda, the seats and their private briefs.

These are the typed values the engine, the analysis and the wire use. Files
on disk may use shorthands (numeric ranges, linear values) that
:mod:`protocol.scenario.load` expands into this form.
"""

from __future__ import annotations

from typing import Literal

import msgspec

IssueKind = Literal["substance", "verification", "enforcement"]
DecisionRule = Literal["unanimity", "consensus", "qualified"]
BallotKind = Literal["open", "secret"]


class _Model(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class Issue(_Model, kw_only=True):
    """One item on the agenda with its ordered options (option ids are strings)."""

    id: str
    title: str
    kind: IssueKind = "substance"
    options: tuple[str, ...]
    labels: tuple[str, ...] | None = None
    unit: str = ""

    def label(self, option: str) -> str:
        if self.labels is None:
            return f"{option} {self.unit}".strip()
        return self.labels[self.options.index(option)]


class Brief(_Model, kw_only=True):
    """A delegation's private brief: what it wants and what no deal is worth."""

    weights: dict[str, float]
    values: dict[str, tuple[float, ...]]
    reservation: float
    notes: str = ""


class Delegation(_Model, kw_only=True):
    """A seat at the table. ``brief`` is ``None`` in views that may not see it."""

    id: str
    name: str
    weight: float = 1.0
    veto: bool = False
    brief: Brief | None = None


class TimeLimits(_Model, kw_only=True):
    """Wall-clock seconds each phase stays open in live rooms."""

    tabling: float = 60.0
    ballot: float = 60.0
    action: float = 30.0
    verification: float = 30.0


class Rules(_Model, kw_only=True):
    """How the room decides."""

    decision: DecisionRule = "consensus"
    threshold: float = 2 / 3
    quorum: float = 0.0
    required: tuple[str, ...] = ()
    all_but: int = 0
    vetoes: bool = True
    max_rounds: int = 5
    proposals_per_round: int = 1
    ballot: BallotKind = "open"
    statement_limit: int = 1000
    time_limits: TimeLimits = TimeLimits()


class Terms(_Model, kw_only=True):
    """A party's per-period stakes in implementing the agreement."""

    comply_cost: float = 0.0
    defect_gain: float = 0.0
    harm: float = 0.0


class Implementation(_Model, kw_only=True):
    """The implementation phase: periods of comply/defect, inspections, sanctions.

    ``detection`` maps each ``verification`` issue to the detection probability
    of an inspection under each of its options; ``sanction`` maps each
    ``enforcement`` issue to the sanction a detected defection costs.
    """

    periods: int
    inspection_cost: float = 0.0
    challenge_quota: int = 1
    detection: dict[str, tuple[float, ...]] = {}
    sanction: dict[str, tuple[float, ...]] = {}
    parties: dict[str, Terms] = {}


class Scenario(_Model, kw_only=True):
    """A complete scenario: agenda, delegations with briefs, rules, implementation."""

    id: str
    title: str
    description: str = ""
    issues: tuple[Issue, ...]
    delegations: tuple[Delegation, ...]
    rules: Rules = Rules()
    implementation: Implementation | None = None

    def issue(self, issue_id: str) -> Issue:
        for issue in self.issues:
            if issue.id == issue_id:
                return issue
        raise KeyError(issue_id)

    def delegation(self, seat: str) -> Delegation:
        for delegation in self.delegations:
            if delegation.id == seat:
                return delegation
        raise KeyError(seat)

    @property
    def seats(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.delegations)

    @property
    def outcome_count(self) -> int:
        count = 1
        for issue in self.issues:
            count *= len(issue.options)
        return count

    def public(self, *, seat: str | None = None) -> Scenario:
        """This scenario with every brief removed but ``seat``'s own."""

        delegations = tuple(
            d if d.id == seat else msgspec.structs.replace(d, brief=None) for d in self.delegations
        )
        return msgspec.structs.replace(self, delegations=delegations)
