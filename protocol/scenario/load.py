"""Load and validate scenario files (TOML or JSON).

A file is first decoded into the *file form* (which allows shorthands:
``range`` issues and ``{low, high}`` linear values) with msgspec, which
reports type errors with a field path; then it is expanded into the
normalised :class:`~protocol.scenario.model.Scenario` and checked for
meaning (weights sum to 1, values in [0, 1], unique ids, ...). Every problem
is a :class:`~protocol.errors.ScenarioError` naming the file and the field.
"""

from __future__ import annotations

import json
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from protocol.errors import ScenarioError, UnknownScenario
from protocol.scenario.model import (
    BallotKind,
    Brief,
    DecisionRule,
    Delegation,
    Implementation,
    Issue,
    IssueKind,
    Rules,
    Scenario,
    Terms,
    TimeLimits,
)

MAX_RANGE_OPTIONS = 1000
WEIGHT_TOLERANCE = 1e-6


class _File(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class RangeSpec(_File, kw_only=True):
    """``range = {min = 0, max = 100, step = 10}`` expands to 11 numeric options."""

    min: float
    max: float
    step: float


class LinearValues(_File, kw_only=True):
    """``{low = 0.2, high = 1.0}``: values rise linearly from the first option to the last."""

    low: float
    high: float


class IssueFile(_File, kw_only=True):
    id: str
    title: str = ""
    kind: IssueKind = "substance"
    options: list[str | int | float] | None = None
    labels: list[str] | None = None
    range: RangeSpec | None = None
    unit: str = ""


class BriefFile(_File, kw_only=True):
    weights: dict[str, float]
    values: dict[str, list[float] | LinearValues]
    reservation: float
    notes: str = ""


class DelegationFile(_File, kw_only=True):
    id: str
    name: str = ""
    weight: float = 1.0
    veto: bool = False
    brief: BriefFile


class RulesFile(_File, kw_only=True):
    decision: DecisionRule = "consensus"
    threshold: float = 2 / 3
    quorum: float = 0.0
    required: list[str] = []
    all_but: int = 0
    vetoes: bool = True
    max_rounds: int = 5
    proposals_per_round: int = 1
    ballot: BallotKind = "open"
    statement_limit: int = 1000
    time_limits: TimeLimits = TimeLimits()


class ImplementationFile(_File, kw_only=True):
    periods: int
    inspection_cost: float = 0.0
    challenge_quota: int = 1
    detection: dict[str, list[float]] = {}
    sanction: dict[str, list[float]] = {}
    parties: dict[str, Terms] = {}


class ScenarioFile(_File, kw_only=True):
    id: str
    title: str = ""
    description: str = ""
    issues: list[IssueFile]
    delegations: list[DelegationFile]
    rules: RulesFile = RulesFile()
    implementation: ImplementationFile | None = None


# --- entry points ---------------------------------------------------------------


def bundled_names() -> list[str]:
    """Names of the scenarios shipped with accord."""

    folder = resources.files("protocol.scenario").joinpath("bundled")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a scenario by bundled name (``climate-accord``) or by file path."""

    path = Path(name_or_path)
    if path.suffix in {".toml", ".json"} or path.is_file():
        if not path.is_file():
            raise UnknownScenario("no such file", file=str(path))
        return parse_scenario(path.read_bytes(), file=str(path), fmt=path.suffix.lstrip("."))
    name = str(name_or_path)
    resource = resources.files("protocol.scenario").joinpath("bundled", f"{name}.toml")
    if not resource.is_file():
        known = ", ".join(bundled_names())
        raise UnknownScenario(f"no bundled scenario named {name!r} (bundled: {known})", file=name)
    return parse_scenario(resource.read_bytes(), file=f"bundled:{name}", fmt="toml")


def parse_scenario(data: bytes | str, *, file: str = "<scenario>", fmt: str = "toml") -> Scenario:
    """Decode, expand and validate scenario text; raise ScenarioError on any problem."""

    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScenarioError(f"not UTF-8 text ({exc.reason})", file=file) from None
    else:
        text = data
    try:
        raw: Any = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"not valid {fmt.upper()}: {exc}", file=file) from None
    return scenario_from_dict(raw, file=file)


def scenario_from_dict(raw: Any, *, file: str = "<scenario>") -> Scenario:
    """Validate an already-decoded mapping (e.g. an inline scenario in an API call)."""

    try:
        spec = msgspec.convert(raw, ScenarioFile, strict=True)
    except msgspec.ValidationError as exc:
        problem, _, where = str(exc).partition(" - at `")
        raise ScenarioError(problem, file=file, path=where.rstrip("`") or "$") from None
    return _Builder(file).build(spec)


# --- expansion and meaning --------------------------------------------------------


def _format_number(value: float) -> str:
    text = f"{value:.10g}"
    return "0" if text == "-0" else text


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, problem: str) -> ScenarioError:
        return ScenarioError(problem, file=self.file, path=path)

    def build(self, spec: ScenarioFile) -> Scenario:
        if not spec.id.strip():
            raise self.fail("$.id", "must not be empty")
        issues = tuple(self.issue(i, f"$.issues[{n}]") for n, i in enumerate(spec.issues))
        if not issues:
            raise self.fail("$.issues", "a scenario needs at least one issue")
        self.unique([i.id for i in issues], "$.issues", "issue id")
        if len(spec.delegations) < 2:
            raise self.fail("$.delegations", "a scenario needs at least two delegations")
        delegations = tuple(
            self.delegation(d, issues, f"$.delegations[{n}]")
            for n, d in enumerate(spec.delegations)
        )
        self.unique([d.id for d in delegations], "$.delegations", "delegation id")
        seats = [d.id for d in delegations]
        rules = self.rules(spec.rules, seats)
        implementation = (
            None
            if spec.implementation is None
            else self.implementation(spec.implementation, issues, seats)
        )
        return Scenario(
            id=spec.id,
            title=spec.title or spec.id,
            description=spec.description,
            issues=issues,
            delegations=delegations,
            rules=rules,
            implementation=implementation,
        )

    def unique(self, ids: list[str], path: str, what: str) -> None:
        seen: set[str] = set()
        for n, value in enumerate(ids):
            if value in seen:
                raise self.fail(f"{path}[{n}].id", f"duplicate {what} {value!r}")
            seen.add(value)

    def issue(self, spec: IssueFile, path: str) -> Issue:
        if not spec.id.strip():
            raise self.fail(f"{path}.id", "must not be empty")
        if (spec.options is None) == (spec.range is None):
            raise self.fail(path, "give exactly one of `options` or `range`")
        if spec.range is not None:
            r = spec.range
            if not all(math.isfinite(x) for x in (r.min, r.max, r.step)):
                raise self.fail(f"{path}.range", "min, max and step must be finite numbers")
            if r.step <= 0:
                raise self.fail(f"{path}.range.step", "must be greater than 0")
            if r.max <= r.min:
                raise self.fail(f"{path}.range.max", "must be greater than min")
            count = int(math.floor((r.max - r.min) / r.step + 1e-9)) + 1
            if count > MAX_RANGE_OPTIONS:
                raise self.fail(
                    f"{path}.range", f"expands to {count} options (at most {MAX_RANGE_OPTIONS})"
                )
            options = [_format_number(r.min + k * r.step) for k in range(count)]
        else:
            options = [
                o if isinstance(o, str) else _format_number(float(o)) for o in spec.options or []
            ]
        if len(options) < 2:
            raise self.fail(f"{path}.options", "an issue needs at least two options")
        for n, option in enumerate(options):
            if not option.strip():
                raise self.fail(f"{path}.options[{n}]", "option ids must not be empty")
        seen: set[str] = set()
        for n, option in enumerate(options):
            if option in seen:
                raise self.fail(f"{path}.options[{n}]", f"duplicate option {option!r}")
            seen.add(option)
        if spec.labels is not None and len(spec.labels) != len(options):
            raise self.fail(
                f"{path}.labels", f"has {len(spec.labels)} labels for {len(options)} options"
            )
        return Issue(
            id=spec.id,
            title=spec.title or spec.id,
            kind=spec.kind,
            options=tuple(options),
            labels=None if spec.labels is None else tuple(spec.labels),
            unit=spec.unit,
        )

    def delegation(self, spec: DelegationFile, issues: tuple[Issue, ...], path: str) -> Delegation:
        if not spec.id.strip():
            raise self.fail(f"{path}.id", "must not be empty")
        if not (math.isfinite(spec.weight) and spec.weight > 0):
            raise self.fail(f"{path}.weight", "voting weight must be a positive number")
        return Delegation(
            id=spec.id,
            name=spec.name or spec.id,
            weight=spec.weight,
            veto=spec.veto,
            brief=self.brief(spec.brief, issues, f"{path}.brief"),
        )

    def brief(self, spec: BriefFile, issues: tuple[Issue, ...], path: str) -> Brief:
        ids = [i.id for i in issues]
        for key in spec.weights:
            if key not in ids:
                raise self.fail(f"{path}.weights.{key}", "no issue has this id")
        for key in ids:
            if key not in spec.weights:
                raise self.fail(f"{path}.weights.{key}", "missing weight for this issue")
            w = spec.weights[key]
            if not (math.isfinite(w) and w >= 0):
                raise self.fail(f"{path}.weights.{key}", f"weight {w} must be >= 0")
        total = sum(spec.weights.values())
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise self.fail(f"{path}.weights", f"issue weights sum to {total:.6g}, not 1")
        values: dict[str, tuple[float, ...]] = {}
        for key in spec.values:
            if key not in ids:
                raise self.fail(f"{path}.values.{key}", "no issue has this id")
        for issue in issues:
            where = f"{path}.values.{issue.id}"
            if issue.id not in spec.values:
                raise self.fail(where, "missing values for this issue")
            given = spec.values[issue.id]
            n = len(issue.options)
            if isinstance(given, LinearValues):
                row = [given.low + (given.high - given.low) * k / (n - 1) for k in range(n)]
            else:
                row = list(given)
                if len(row) != n:
                    raise self.fail(where, f"has {len(row)} values for {n} options")
            for k, value in enumerate(row):
                if not (math.isfinite(value) and 0.0 <= value <= 1.0):
                    raise self.fail(f"{where}[{k}]", f"value {value} is outside [0, 1]")
            values[issue.id] = tuple(round(v, 12) for v in row)
        if not (math.isfinite(spec.reservation) and 0.0 <= spec.reservation <= 1.0):
            raise self.fail(f"{path}.reservation", f"{spec.reservation} is outside [0, 1]")
        return Brief(
            weights={i: spec.weights[i] for i in ids},
            values=values,
            reservation=spec.reservation,
            notes=spec.notes,
        )

    def rules(self, spec: RulesFile, seats: list[str]) -> Rules:
        path = "$.rules"
        if not (0.0 < spec.threshold <= 1.0):
            raise self.fail(f"{path}.threshold", f"{spec.threshold} is outside (0, 1]")
        if not (0.0 <= spec.quorum <= 1.0):
            raise self.fail(f"{path}.quorum", f"{spec.quorum} is outside [0, 1]")
        for n, seat in enumerate(spec.required):
            if seat not in seats:
                raise self.fail(f"{path}.required[{n}]", f"no delegation has id {seat!r}")
            if seat in spec.required[:n]:
                raise self.fail(f"{path}.required[{n}]", f"{seat!r} is listed twice")
        if not (0 <= spec.all_but < len(seats)):
            raise self.fail(f"{path}.all_but", f"must be between 0 and {len(seats) - 1}")
        if spec.max_rounds < 1:
            raise self.fail(f"{path}.max_rounds", "must be at least 1")
        if spec.proposals_per_round < 1:
            raise self.fail(f"{path}.proposals_per_round", "must be at least 1")
        if spec.statement_limit < 1:
            raise self.fail(f"{path}.statement_limit", "must be at least 1")
        for name in TimeLimits.__struct_fields__:
            value = getattr(spec.time_limits, name)
            if not (math.isfinite(value) and value > 0):
                raise self.fail(f"{path}.time_limits.{name}", "must be a positive number")
        return Rules(
            decision=spec.decision,
            threshold=spec.threshold,
            quorum=spec.quorum,
            required=tuple(spec.required),
            all_but=spec.all_but,
            vetoes=spec.vetoes,
            max_rounds=spec.max_rounds,
            proposals_per_round=spec.proposals_per_round,
            ballot=spec.ballot,
            statement_limit=spec.statement_limit,
            time_limits=spec.time_limits,
        )

    def implementation(
        self, spec: ImplementationFile, issues: tuple[Issue, ...], seats: list[str]
    ) -> Implementation:
        path = "$.implementation"
        if spec.periods < 1:
            raise self.fail(f"{path}.periods", "must be at least 1")
        if not (math.isfinite(spec.inspection_cost) and spec.inspection_cost >= 0):
            raise self.fail(f"{path}.inspection_cost", "must be >= 0")
        if spec.challenge_quota < 0:
            raise self.fail(f"{path}.challenge_quota", "must be >= 0")
        by_id = {i.id: i for i in issues}

        def table(name: str, kind: str, low: float, high: float) -> dict[str, tuple[float, ...]]:
            given: dict[str, list[float]] = getattr(spec, name)
            out: dict[str, tuple[float, ...]] = {}
            for key, row in given.items():
                where = f"{path}.{name}.{key}"
                issue = by_id.get(key)
                if issue is None:
                    raise self.fail(where, "no issue has this id")
                if issue.kind != kind:
                    raise self.fail(where, f"issue {key!r} is {issue.kind}, not {kind}")
                if len(row) != len(issue.options):
                    raise self.fail(
                        where, f"has {len(row)} entries for {len(issue.options)} options"
                    )
                for k, value in enumerate(row):
                    if not (math.isfinite(value) and low <= value <= high):
                        raise self.fail(f"{where}[{k}]", f"{value} is outside [{low}, {high}]")
                out[key] = tuple(row)
            return out

        detection = table("detection", "verification", 0.0, 1.0)
        sanction = table("sanction", "enforcement", 0.0, math.inf)
        # an adopted option must mean something: every verification issue maps
        # to detection probabilities, every enforcement issue to sanctions
        for issue in issues:
            if issue.kind == "verification" and issue.id not in detection:
                raise self.fail(
                    f"{path}.detection.{issue.id}",
                    "missing: a verification issue needs a detection row",
                )
            if issue.kind == "enforcement" and issue.id not in sanction:
                raise self.fail(
                    f"{path}.sanction.{issue.id}",
                    "missing: an enforcement issue needs a sanction row",
                )
        for seat in spec.parties:
            if seat not in seats:
                raise self.fail(f"{path}.parties.{seat}", "no delegation has this id")
        parties: dict[str, Terms] = {}
        for seat in seats:
            terms = spec.parties.get(seat, Terms())
            for field in Terms.__struct_fields__:
                value = getattr(terms, field)
                if not (math.isfinite(value) and value >= 0):
                    raise self.fail(f"{path}.parties.{seat}.{field}", "must be >= 0")
            parties[seat] = terms
        return Implementation(
            periods=spec.periods,
            inspection_cost=spec.inspection_cost,
            challenge_quota=spec.challenge_quota,
            detection=detection,
            sanction=sanction,
            parties=parties,
        )
