"""Load and validate scenario files (TOML or JSON).

A file is first decoded into the *file form* (which allows shorthands:
``range`` issues and ``{low, high}`` linear values) with msgspec, which
reports type errors with a field path; then it is expanded into the
normalised :class:`~accord.protocol.scenario.model.Scenario` and checked for
meaning (weights sum to 1, values in [0, 1], unique ids, ...) and against the
bounds of :mod:`accord.protocol.scenario.limits`. Every problem is a
:class:`~accord.protocol.errors.ScenarioError` naming the file and the field.
"""

from __future__ import annotations

import json
import math
import tomllib
import unicodedata
from collections.abc import Sized
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from accord.protocol.errors import ScenarioError, UnknownScenario
from accord.protocol.scenario.limits import (
    MAX_AMOUNT,
    MAX_CHALLENGE_QUOTA,
    MAX_DELEGATIONS,
    MAX_DEPTH,
    MAX_ID_LENGTH,
    MAX_ISSUES,
    MAX_MAGNITUDE,
    MAX_NAME_LENGTH,
    MAX_OPTIONS,
    MAX_PERIODS,
    MAX_PROPOSALS_PER_ROUND,
    MAX_ROUNDS,
    MAX_STATEMENT_LIMIT,
    MAX_STEP,
    MAX_TEXT_LENGTH,
    MAX_TIME_LIMIT,
    MAX_VOTING_WEIGHT,
    MIN_DELEGATIONS,
    MIN_ISSUES,
    MIN_OPTIONS,
)
from accord.protocol.scenario.model import (
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
    freeze_scenario,
)

WEIGHT_TOLERANCE = 1e-6
"""How far a brief's issue weights may sum from 1."""

_TOO_DEEP = f"nested too deeply (more than {MAX_DEPTH} levels)"
_MAX_PROBLEM = 300
"""Characters of a decoder's message kept in a ScenarioError (it may quote the input)."""


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

    folder = resources.files("accord.protocol.scenario").joinpath("bundled")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a scenario by bundled name (``climate-accord``) or by file path."""

    path = Path(name_or_path)
    if path.suffix in {".toml", ".json"} or path.is_file():
        if not path.is_file():
            raise UnknownScenario("no such file", file=str(path))
        return parse_scenario(path.read_bytes(), file=str(path), fmt=path.suffix.lstrip("."))
    name = str(name_or_path)
    resource = resources.files("accord.protocol.scenario").joinpath("bundled", f"{name}.toml")
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
    except RecursionError:
        # both parsers recurse once per level of nesting
        raise ScenarioError(_TOO_DEEP, file=file) from None
    except ValueError as exc:
        # TOMLDecodeError, JSONDecodeError, and integers too long to convert
        raise ScenarioError(f"not valid {fmt.upper()}: {_clean(str(exc))}", file=file) from None
    return scenario_from_dict(raw, file=file)


def scenario_from_dict(raw: Any, *, file: str = "<scenario>") -> Scenario:
    """Validate an already-decoded mapping (e.g. an inline scenario in an API call)."""

    _check_depth(raw, file)
    try:
        spec = msgspec.convert(raw, ScenarioFile, strict=True)
    except msgspec.ValidationError as exc:
        problem, _, where = str(exc).partition(" - at `")
        raise ScenarioError(_clean(problem), file=file, path=where.rstrip("`") or "$") from None
    return _Builder(file).build(spec)


def _check_depth(raw: Any, file: str) -> None:
    """Refuse values nested deeper than MAX_DEPTH, without recursing (so at any depth)."""

    # depth-first, so that a cyclic value also stops at MAX_DEPTH
    stack: list[tuple[Any, int]] = [(raw, 1)] if _is_container(raw) else []
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ScenarioError(_TOO_DEEP, file=file)
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if _is_container(c))


def _is_container(value: Any) -> bool:
    return isinstance(value, dict | list | tuple)


def _clean(text: str) -> str:
    """``text`` on one printable line of bounded length (it may quote the input)."""

    out = "".join(f"\\u{ord(ch):04x}" if _control(ch) else ch for ch in text[: _MAX_PROBLEM + 1])
    return out if len(out) <= _MAX_PROBLEM else out[: _MAX_PROBLEM - 1] + "…"


def _quote(text: str) -> str:
    """``text`` quoted for a message: escaped and cut short (it is not yet validated)."""

    return repr(text) if len(text) <= MAX_ID_LENGTH else repr(text[:MAX_ID_LENGTH]) + "…"


def _key(key: str) -> str:
    """A mapping key as a path segment: as written if it could be an id, else quoted."""

    plain = 0 < len(key) <= MAX_ID_LENGTH and not any(_control(ch) for ch in key)
    return key if plain else _quote(key)


def _control(ch: str) -> bool:
    # control, invisible formatting (e.g. bidirectional overrides) and lone surrogates
    return unicodedata.category(ch) in {"Cc", "Cf", "Cs"}


def _show(value: float) -> str:
    if isinstance(value, int):
        # str() refuses integers of more than 4300 digits
        return (
            str(value) if value.bit_length() <= 64 else f"an integer of {value.bit_length()} bits"
        )
    return repr(value)


def _interval(low: float, high: float, open_low: bool) -> str:
    return f"{'(' if open_low else '['}{low:.10g}, {high:.10g}]"


# --- expansion and meaning --------------------------------------------------------


def _format_number(value: float) -> str:
    text = f"{value:.10g}"
    return "0" if text == "-0" else text


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, problem: str) -> ScenarioError:
        return ScenarioError(problem, file=self.file, path=path)

    # --- bounds ---------------------------------------------------------------------

    def number(
        self, path: str, value: float, low: float, high: float, *, open_low: bool = False
    ) -> float:
        """``value`` if it lies in the interval (NaN never does), as a float without a sign on 0."""

        inside = (low < value if open_low else low <= value) and value <= high
        if not inside:
            raise self.fail(path, f"{_show(value)} is outside {_interval(low, high, open_low)}")
        return float(value) + 0.0  # -0.0 + 0.0 is 0.0

    def integer(self, path: str, value: int, low: int, high: int) -> int:
        if not low <= value <= high:
            raise self.fail(path, f"{_show(value)} is outside {_interval(low, high, False)}")
        return value

    def count(self, path: str, items: Sized, what: str, low: int, high: int, too_few: str) -> None:
        if len(items) < low:
            raise self.fail(path, too_few)
        if len(items) > high:
            raise self.fail(path, f"has {len(items)} {what} (at most {high})")

    def text(self, path: str, value: str, limit: int) -> str:
        if len(value) > limit:
            raise self.fail(path, f"is {len(value)} characters long (at most {limit})")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            # a lone surrogate (JSON allows "\ud800") cannot be written to a log
            raise self.fail(
                path, f"is not valid text (lone surrogate U+{ord(value[exc.start]):04X})"
            ) from None
        return value

    def ident(self, path: str, value: str, problem: str = "must not be empty") -> str:
        if not value.strip():
            raise self.fail(path, problem)
        self.text(path, value, MAX_ID_LENGTH)
        for ch in value:
            if _control(ch):
                raise self.fail(path, f"contains a control character (U+{ord(ch):04X})")
        return value

    # --- the scenario ---------------------------------------------------------------

    def build(self, spec: ScenarioFile) -> Scenario:
        self.ident("$.id", spec.id)
        self.text("$.title", spec.title, MAX_NAME_LENGTH)
        self.text("$.description", spec.description, MAX_TEXT_LENGTH)
        self.count(
            "$.issues",
            spec.issues,
            "issues",
            MIN_ISSUES,
            MAX_ISSUES,
            "a scenario needs at least one issue",
        )
        issues = tuple(self.issue(i, f"$.issues[{n}]") for n, i in enumerate(spec.issues))
        self.unique([i.id for i in issues], "$.issues", "issue id")
        self.count(
            "$.delegations",
            spec.delegations,
            "delegations",
            MIN_DELEGATIONS,
            MAX_DELEGATIONS,
            "a scenario needs at least two delegations",
        )
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
        # read-only maps: the room and every seat of an in-process talk share it
        return freeze_scenario(
            Scenario(
                id=spec.id,
                title=spec.title or spec.id,
                description=spec.description,
                issues=issues,
                delegations=delegations,
                rules=rules,
                implementation=implementation,
            )
        )

    def unique(self, ids: list[str], path: str, what: str) -> None:
        seen: set[str] = set()
        for n, value in enumerate(ids):
            if value in seen:
                raise self.fail(f"{path}[{n}].id", f"duplicate {what} {value!r}")
            seen.add(value)

    def issue(self, spec: IssueFile, path: str) -> Issue:
        self.ident(f"{path}.id", spec.id)
        self.text(f"{path}.title", spec.title, MAX_NAME_LENGTH)
        self.text(f"{path}.unit", spec.unit, MAX_NAME_LENGTH)
        if (spec.options is None) == (spec.range is None):
            raise self.fail(path, "give exactly one of `options` or `range`")
        if spec.range is not None:
            options = self.expand(spec.range, f"{path}.range")
        else:
            given = spec.options or []
            if len(given) > MAX_OPTIONS:
                raise self.fail(
                    f"{path}.options", f"has {len(given)} options (at most {MAX_OPTIONS})"
                )
            options = [
                o
                if isinstance(o, str)
                else _format_number(
                    self.number(f"{path}.options[{n}]", o, -MAX_MAGNITUDE, MAX_MAGNITUDE)
                )
                for n, o in enumerate(given)
            ]
        if len(options) < MIN_OPTIONS:
            raise self.fail(f"{path}.options", "an issue needs at least two options")
        seen: set[str] = set()
        for n, option in enumerate(options):
            self.ident(f"{path}.options[{n}]", option, "option ids must not be empty")
            if option in seen:
                raise self.fail(f"{path}.options[{n}]", f"duplicate option {option!r}")
            seen.add(option)
        if spec.labels is not None:
            if len(spec.labels) != len(options):
                raise self.fail(
                    f"{path}.labels", f"has {len(spec.labels)} labels for {len(options)} options"
                )
            for n, label in enumerate(spec.labels):
                self.text(f"{path}.labels[{n}]", label, MAX_NAME_LENGTH)
        return Issue(
            id=spec.id,
            title=spec.title or spec.id,
            kind=spec.kind,
            options=tuple(options),
            labels=None if spec.labels is None else tuple(spec.labels),
            unit=spec.unit,
        )

    def expand(self, spec: RangeSpec, path: str) -> list[str]:
        low = self.number(f"{path}.min", spec.min, -MAX_MAGNITUDE, MAX_MAGNITUDE)
        high = self.number(f"{path}.max", spec.max, -MAX_MAGNITUDE, MAX_MAGNITUDE)
        step = self.number(f"{path}.step", spec.step, 0.0, MAX_STEP, open_low=True)
        if high <= low:
            raise self.fail(f"{path}.max", "must be greater than min")
        # a tiny step makes the quotient infinite: refuse before converting it
        steps = (high - low) / step
        if not steps < 100 * MAX_OPTIONS:
            raise self.fail(path, f"expands to more than {MAX_OPTIONS} options")
        count = int(math.floor(steps + 1e-9)) + 1
        if count > MAX_OPTIONS:
            raise self.fail(path, f"expands to {count} options (at most {MAX_OPTIONS})")
        return [_format_number(low + k * step) for k in range(count)]

    def delegation(self, spec: DelegationFile, issues: tuple[Issue, ...], path: str) -> Delegation:
        self.ident(f"{path}.id", spec.id)
        self.text(f"{path}.name", spec.name, MAX_NAME_LENGTH)
        return Delegation(
            id=spec.id,
            name=spec.name or spec.id,
            weight=self.number(
                f"{path}.weight", spec.weight, 0.0, MAX_VOTING_WEIGHT, open_low=True
            ),
            veto=spec.veto,
            brief=self.brief(spec.brief, issues, f"{path}.brief"),
        )

    def brief(self, spec: BriefFile, issues: tuple[Issue, ...], path: str) -> Brief:
        ids = [i.id for i in issues]
        known = set(ids)
        for key in spec.weights:
            if key not in known:
                raise self.fail(f"{path}.weights.{_key(key)}", "no issue has this id")
        weights: dict[str, float] = {}
        for key in ids:
            if key not in spec.weights:
                raise self.fail(f"{path}.weights.{key}", "missing weight for this issue")
            weights[key] = self.number(f"{path}.weights.{key}", spec.weights[key], 0.0, 1.0)
        total = sum(weights.values())
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise self.fail(f"{path}.weights", f"issue weights sum to {total:.6g}, not 1")
        values: dict[str, tuple[float, ...]] = {}
        for key in spec.values:
            if key not in known:
                raise self.fail(f"{path}.values.{_key(key)}", "no issue has this id")
        for issue in issues:
            where = f"{path}.values.{issue.id}"
            if issue.id not in spec.values:
                raise self.fail(where, "missing values for this issue")
            given = spec.values[issue.id]
            n = len(issue.options)
            if isinstance(given, LinearValues):
                low = self.number(f"{where}.low", given.low, 0.0, 1.0)
                high = self.number(f"{where}.high", given.high, 0.0, 1.0)
                # between low and high, so in [0, 1] but for rounding
                row = [min(1.0, max(0.0, low + (high - low) * k / (n - 1))) for k in range(n)]
            else:
                if len(given) != n:
                    raise self.fail(where, f"has {len(given)} values for {n} options")
                row = [self.number(f"{where}[{k}]", v, 0.0, 1.0) for k, v in enumerate(given)]
            values[issue.id] = tuple(round(v, 12) for v in row)
        return Brief(
            weights=weights,
            values=values,
            reservation=self.number(f"{path}.reservation", spec.reservation, 0.0, 1.0),
            notes=self.text(f"{path}.notes", spec.notes, MAX_TEXT_LENGTH),
        )

    def rules(self, spec: RulesFile, seats: list[str]) -> Rules:
        path = "$.rules"
        threshold = self.number(f"{path}.threshold", spec.threshold, 0.0, 1.0, open_low=True)
        quorum = self.number(f"{path}.quorum", spec.quorum, 0.0, 1.0)
        known = set(seats)
        for n, seat in enumerate(spec.required):
            if seat not in known:
                raise self.fail(f"{path}.required[{n}]", f"no delegation has id {_quote(seat)}")
            if seat in spec.required[:n]:
                raise self.fail(f"{path}.required[{n}]", f"{seat!r} is listed twice")
        if not (0 <= spec.all_but < len(seats)):
            raise self.fail(f"{path}.all_but", f"must be between 0 and {len(seats) - 1}")
        limits = spec.time_limits
        return Rules(
            decision=spec.decision,
            threshold=threshold,
            quorum=quorum,
            required=tuple(spec.required),
            all_but=spec.all_but,
            vetoes=spec.vetoes,
            max_rounds=self.integer(f"{path}.max_rounds", spec.max_rounds, 1, MAX_ROUNDS),
            proposals_per_round=self.integer(
                f"{path}.proposals_per_round", spec.proposals_per_round, 1, MAX_PROPOSALS_PER_ROUND
            ),
            ballot=spec.ballot,
            statement_limit=self.integer(
                f"{path}.statement_limit", spec.statement_limit, 1, MAX_STATEMENT_LIMIT
            ),
            time_limits=TimeLimits(
                **{
                    name: self.number(
                        f"{path}.time_limits.{name}",
                        getattr(limits, name),
                        0.0,
                        MAX_TIME_LIMIT,
                        open_low=True,
                    )
                    for name in TimeLimits.__struct_fields__
                }
            ),
        )

    def implementation(
        self, spec: ImplementationFile, issues: tuple[Issue, ...], seats: list[str]
    ) -> Implementation:
        path = "$.implementation"
        periods = self.integer(f"{path}.periods", spec.periods, 1, MAX_PERIODS)
        inspection_cost = self.number(
            f"{path}.inspection_cost", spec.inspection_cost, 0.0, MAX_AMOUNT
        )
        challenge_quota = self.integer(
            f"{path}.challenge_quota", spec.challenge_quota, 0, MAX_CHALLENGE_QUOTA
        )
        by_id = {i.id: i for i in issues}

        def table(name: str, kind: str, high: float) -> dict[str, tuple[float, ...]]:
            given: dict[str, list[float]] = getattr(spec, name)
            out: dict[str, tuple[float, ...]] = {}
            for key, row in given.items():
                where = f"{path}.{name}.{_key(key)}"
                issue = by_id.get(key)
                if issue is None:
                    raise self.fail(where, "no issue has this id")
                if issue.kind != kind:
                    raise self.fail(where, f"issue {key!r} is {issue.kind}, not {kind}")
                if len(row) != len(issue.options):
                    raise self.fail(
                        where, f"has {len(row)} entries for {len(issue.options)} options"
                    )
                out[key] = tuple(
                    self.number(f"{where}[{k}]", value, 0.0, high) for k, value in enumerate(row)
                )
            return out

        detection = table("detection", "verification", 1.0)
        sanction = table("sanction", "enforcement", MAX_AMOUNT)
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
        known = set(seats)
        for seat in spec.parties:
            if seat not in known:
                raise self.fail(f"{path}.parties.{_key(seat)}", "no delegation has this id")
        parties: dict[str, Terms] = {}
        for seat in seats:
            terms = spec.parties.get(seat, Terms())
            parties[seat] = Terms(
                **{
                    field: self.number(
                        f"{path}.parties.{seat}.{field}", getattr(terms, field), 0.0, MAX_AMOUNT
                    )
                    for field in Terms.__struct_fields__
                }
            )
        return Implementation(
            periods=periods,
            inspection_cost=inspection_cost,
            challenge_quota=challenge_quota,
            detection=detection,
            sanction=sanction,
            parties=parties,
        )
