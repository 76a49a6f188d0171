"""The normalised scenario: the agenda, the seats and their private briefs.

These are the typed values the engine, the analysis and the wire use. Files
on disk may use shorthands (numeric ranges, linear values) that
:mod:`accord.protocol.scenario.load` expands into this form.
"""

from __future__ import annotations

import math
from typing import Literal

import msgspec

from accord.protocol.frozen import FrozenDict, frozen_dict

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


def all_finite(scenario: Scenario) -> bool:
    """Whether every number in ``scenario`` is finite (which the hash chain needs)."""

    isfinite = math.isfinite
    rules = scenario.rules
    numbers: list[float] = [
        rules.threshold,
        rules.quorum,
        *msgspec.structs.astuple(rules.time_limits),
    ]
    for d in scenario.delegations:
        numbers.append(d.weight)
        if d.brief is not None:
            numbers.append(d.brief.reservation)
            numbers.extend(d.brief.weights.values())
            for row in d.brief.values.values():
                numbers.extend(row)
    impl = scenario.implementation
    if impl is not None:
        numbers.append(impl.inspection_cost)
        for rows in (impl.detection, impl.sanction):
            for row in rows.values():
                numbers.extend(row)
        for terms in impl.parties.values():
            numbers.extend(msgspec.structs.astuple(terms))
    return all(isfinite(x) for x in numbers)


def freeze_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` with every map read-only (the same object if it already is).

    Refuses (ValueError) a scenario with a number that is not finite, which no
    hash chain could hold.
    """

    if not all_finite(scenario):
        raise ValueError("the scenario holds a number that is not finite")
    if _is_frozen(scenario):
        return scenario

    def brief(b: Brief | None) -> Brief | None:
        if b is None:
            return None
        return msgspec.structs.replace(
            b,
            weights=frozen_dict(b.weights),
            values=frozen_dict({k: tuple(v) for k, v in b.values.items()}),
        )

    delegations = tuple(
        msgspec.structs.replace(d, brief=brief(d.brief)) for d in scenario.delegations
    )
    impl = scenario.implementation
    if impl is not None:
        impl = msgspec.structs.replace(
            impl,
            detection=frozen_dict({k: tuple(v) for k, v in impl.detection.items()}),
            sanction=frozen_dict({k: tuple(v) for k, v in impl.sanction.items()}),
            parties=frozen_dict(impl.parties),
        )
    return msgspec.structs.replace(
        scenario, issues=tuple(scenario.issues), delegations=delegations, implementation=impl
    )


def _is_frozen(scenario: Scenario) -> bool:
    if type(scenario.delegations) is not tuple or type(scenario.issues) is not tuple:
        return False
    for d in scenario.delegations:
        if d.brief is not None and (
            type(d.brief.weights) is not FrozenDict or type(d.brief.values) is not FrozenDict
        ):
            return False
    impl: Implementation | None = scenario.implementation
    return impl is None or all(
        type(m) is FrozenDict for m in (impl.detection, impl.sanction, impl.parties)
    )
