"""Tournament files: entries, scenarios, format, seeds and limits (TOML or JSON).

A file is decoded with msgspec into :class:`TournamentFile` (type errors come
with a field path), then checked for meaning (one kind of entry each, unique
names, a format's own settings present, bounds). Every problem is a
:class:`~accord.protocol.errors.TournamentError` naming the file and the
field. Paths inside the file (scenario files, packages, wheels, the store)
are relative to the file's folder; :func:`load_tournament` makes them
absolute.

The smallest file::

    name = "first"
    seed = 1

    [[entries]]
    name = "adaptive"
    strategy = "adaptive"

    [[entries]]
    name = "random"
    strategy = "random"

    [[scenarios]]
    name = "climate-accord"
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

import msgspec

from accord.protocol.errors import TournamentError
from accord.protocol.jcs import MAX_SAFE_INTEGER, canonical_json
from accord.protocol.scenario.model import TimeLimits

Format = Literal["all-seatings", "sample", "rounds"]
Pairing = Literal["random", "swiss"]
EntryKind = Literal["strategy", "package", "wheel", "command", "remote"]

MAX_ENTRIES = 256
MAX_SCENARIOS = 256
MAX_REPETITIONS = 10_000
MAX_SERIES = 1_000
MAX_ROUNDS = 10_000
MAX_SAMPLE = 10_000_000
MAX_NAME = 64
MAX_DEPTH = 16


class _File(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class EntrySpec(_File, kw_only=True):
    """One competitor. Exactly one of ``strategy``, ``package``, ``wheel``,
    ``command`` or ``remote`` says what it is.

    - ``strategy``: a built-in or plugin name, or ``module:Class``; trusted,
      runs in the worker's process (``options`` are its keyword options);
    - ``package`` (a directory) or ``wheel`` (a ``.whl`` file) with ``class``
      (``module:Class`` inside it): a submitted strategy, run in a sandboxed
      subprocess of its own;
    - ``command``: a program to spawn for each talk (any language); ``{url}``,
      ``{token}`` and ``{seat}`` in its arguments are replaced by the server's
      websocket address, the seat token and the seat; sandboxed too;
    - ``remote``: the id of a bot entry (``POST /api/entries``) that is
      connected to the server running the tournament.
    """

    name: str
    strategy: str | None = None
    options: dict[str, Any] = {}
    package: str | None = None
    wheel: str | None = None
    class_: str | None = msgspec.field(default=None, name="class")
    command: tuple[str, ...] | None = None
    remote: str | None = None

    @property
    def kind(self) -> EntryKind:
        for kind in ("strategy", "package", "wheel", "command", "remote"):
            if getattr(self, kind) is not None:
                return kind  # type: ignore[return-value]
        raise AssertionError("validated entries have a kind")

    @property
    def trusted(self) -> bool:
        """Runs in the organizer's (the worker's) process."""

        return self.kind == "strategy"


class GenerateSpec(_File, kw_only=True):
    """Settings of :func:`~accord.protocol.scenario.generate.random_scenario`."""

    seed: int
    seats: int = 4
    issues: int = 3
    options: int = 4
    implementation: bool = True
    decision: Literal["unanimity", "consensus", "qualified"] | None = None
    veto_chance: float = 0.25


class ScenarioSpec(_File, kw_only=True):
    """One scenario: exactly one of a bundled ``name``, a ``file`` or ``generate`` settings."""

    name: str | None = None
    file: str | None = None
    generate: GenerateSpec | None = None

    @property
    def label(self) -> str:
        if self.name is not None:
            return self.name
        if self.file is not None:
            return self.file
        assert self.generate is not None
        g = self.generate
        return f"generated-{g.seats}x{g.issues}x{g.options}-{g.seed}"


class SandboxLimits(_File, kw_only=True):
    """Limits of each untrusted entry's process (package, wheel, command): past
    them it is killed and its seat plays the defaults for the rest of the talk."""

    cpu_seconds: float = 60.0
    memory_mb: int = 1024
    wall_seconds: float = 600.0


class TournamentFile(_File, kw_only=True):
    """A tournament as written in its file."""

    name: str
    seed: int = 0
    format: Format = "all-seatings"
    sample: int | None = None
    """``format = "sample"``: how many seatings to draw (per scenario)."""
    rounds: int | None = None
    """``format = "rounds"``: how many rounds."""
    pairing: Pairing = "random"
    """``format = "rounds"``: fresh random tables each round, or Swiss tables
    (entries of similar rating sit together)."""
    repetitions: int = 1
    """How many times each seating is played (each time with its own seed)."""
    series: int = 1
    """Talks in a row with the same seating: the same entries meet again."""
    reputation: bool = False
    """Within a series, show each seat the record of the entries it faces."""
    budget: float = 5.0
    """Seconds a trusted strategy's hook may think before its seat plays the default."""
    time_limits: TimeLimits | None = None
    """Per-phase limits of talks played on a server (instead of the scenario's)."""
    limits: SandboxLimits = SandboxLimits()
    store: str | None = None
    """``sqlite`` path or ``postgresql://`` URL; default ``<file name>.db`` beside the file."""
    entries: tuple[EntrySpec, ...]
    scenarios: tuple[ScenarioSpec, ...]


class Tournament(msgspec.Struct, frozen=True, kw_only=True):
    """A validated tournament, its paths made absolute."""

    spec: TournamentFile
    file: str
    """Where it was read from (for messages)."""
    digest: str
    """SHA-256 of the canonical JSON of ``spec``: a store refuses to resume a
    tournament of the same name whose file has changed."""

    @property
    def name(self) -> str:
        return self.spec.name

    def entry(self, name: str) -> EntrySpec:
        for entry in self.spec.entries:
            if entry.name == name:
                return entry
        raise KeyError(name)

    @property
    def entry_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.spec.entries)


def load_tournament(path: str | Path) -> Tournament:
    """Read, validate and resolve a tournament file (``.toml`` or ``.json``)."""

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TournamentError(exc.strerror or "cannot be read", file=str(path)) from None
    fmt = "json" if path.suffix == ".json" else "toml"
    return parse_tournament(data, file=str(path), fmt=fmt, base=path.resolve().parent)


def parse_tournament(
    data: bytes | str, *, file: str = "<tournament>", fmt: str = "toml", base: Path | None = None
) -> Tournament:
    """Decode and validate tournament text; relative paths resolve against ``base``."""

    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise TournamentError(f"not UTF-8 text ({exc.reason})", file=file) from None
    try:
        raw: Any = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except RecursionError:
        raise TournamentError(
            f"nested too deeply (more than {MAX_DEPTH} levels)", file=file
        ) from None
    except ValueError as exc:
        raise TournamentError(
            f"not valid {fmt.upper()}: {_one_line(str(exc))}", file=file
        ) from None
    return tournament_from_dict(raw, file=file, base=base)


def tournament_from_dict(
    raw: Any, *, file: str = "<tournament>", base: Path | None = None
) -> Tournament:
    """Validate an already-decoded mapping (say, the body of an API request)."""

    _check_depth(raw, file)
    try:
        spec = msgspec.convert(raw, TournamentFile, strict=True)
    except msgspec.ValidationError as exc:
        problem, _, where = str(exc).partition(" - at `")
        raise TournamentError(
            _one_line(problem), file=file, path=where.rstrip("`") or "$"
        ) from None
    spec = _Checker(file).check(spec)
    if base is not None:
        spec = _resolve(spec, base)
    digest = _digest(spec)
    return Tournament(spec=spec, file=file, digest=digest)


def default_store(tournament: Tournament) -> str:
    """Where results go when the file names no store: ``<file stem>.db`` beside the file."""

    if tournament.spec.store:
        return tournament.spec.store
    path = Path(tournament.file)
    return str(path.with_suffix(".db")) if path.suffix else f"{tournament.name}.db"


# --- checks ---------------------------------------------------------------------------


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, problem: str) -> TournamentError:
        return TournamentError(problem, file=self.file, path=path)

    def name(self, path: str, value: str) -> None:
        if not value or len(value) > MAX_NAME:
            raise self.fail(path, f"must be 1 to {MAX_NAME} characters")
        if not all(ch.isalnum() or ch in "-_." for ch in value):
            raise self.fail(path, "may hold only letters, digits, '-', '_' and '.'")

    def between(self, path: str, value: float, low: float, high: float) -> None:
        if not (low <= value <= high):  # NaN is never inside
            raise self.fail(path, f"{value!r} is outside [{low:g}, {high:g}]")

    def check(self, spec: TournamentFile) -> TournamentFile:
        self.name("$.name", spec.name)
        # talk seeds and the digest go through canonical JSON, exact up to 2**53 - 1
        self.between("$.seed", spec.seed, 0, MAX_SAFE_INTEGER)
        self.between("$.repetitions", spec.repetitions, 1, MAX_REPETITIONS)
        self.between("$.series", spec.series, 1, MAX_SERIES)
        self.between("$.budget", spec.budget, 0.001, 3600)
        if not spec.entries:
            raise self.fail("$.entries", "needs at least one entry")
        if len(spec.entries) > MAX_ENTRIES:
            raise self.fail("$.entries", f"has {len(spec.entries)} entries (at most {MAX_ENTRIES})")
        if not spec.scenarios:
            raise self.fail("$.scenarios", "needs at least one scenario")
        if len(spec.scenarios) > MAX_SCENARIOS:
            raise self.fail(
                "$.scenarios", f"has {len(spec.scenarios)} scenarios (at most {MAX_SCENARIOS})"
            )
        seen: set[str] = set()
        for n, entry in enumerate(spec.entries):
            self.entry(f"$.entries[{n}]", entry)
            if entry.name in seen:
                raise self.fail(f"$.entries[{n}].name", f"{entry.name!r} names two entries")
            seen.add(entry.name)
        for n, scenario in enumerate(spec.scenarios):
            self.scenario(f"$.scenarios[{n}]", scenario)
        self.format(spec)
        limits = spec.limits
        self.between("$.limits.cpu_seconds", limits.cpu_seconds, 0.1, 86_400)
        self.between("$.limits.memory_mb", limits.memory_mb, 16, 1_048_576)
        self.between("$.limits.wall_seconds", limits.wall_seconds, 0.1, 604_800)
        if spec.time_limits is not None:
            for field in ("tabling", "ballot", "action", "verification"):
                self.between(
                    f"$.time_limits.{field}", getattr(spec.time_limits, field), 0.01, 86_400
                )
        return spec

    def entry(self, path: str, entry: EntrySpec) -> None:
        self.name(f"{path}.name", entry.name)
        kinds = [
            k
            for k in ("strategy", "package", "wheel", "command", "remote")
            if getattr(entry, k) is not None
        ]
        if len(kinds) != 1:
            said = ", ".join(kinds) if kinds else "none"
            raise self.fail(
                path,
                f"give exactly one of strategy, package, wheel, command or remote (given: {said})",
            )
        kind = kinds[0]
        if kind in ("package", "wheel"):
            if not entry.class_ or ":" not in entry.class_:
                raise self.fail(f"{path}.class", f"a {kind} entry names its class as module:Class")
        elif entry.class_ is not None:
            raise self.fail(f"{path}.class", "only package and wheel entries take a class")
        if kind == "command" and not entry.command:
            raise self.fail(f"{path}.command", "needs the program and its arguments")
        if entry.options and kind not in ("strategy", "package", "wheel"):
            raise self.fail(f"{path}.options", f"a {kind} entry takes no options")
        if kind == "strategy" and not entry.strategy:
            raise self.fail(f"{path}.strategy", "needs a name or module:Class")

    def scenario(self, path: str, scenario: ScenarioSpec) -> None:
        given = [k for k in ("name", "file", "generate") if getattr(scenario, k) is not None]
        if len(given) != 1:
            raise self.fail(path, "give exactly one of name, file or generate")
        g = scenario.generate
        if g is not None:
            self.between(f"{path}.generate.seats", g.seats, 2, 64)
            self.between(f"{path}.generate.issues", g.issues, 1, 12)
            self.between(f"{path}.generate.options", g.options, 2, 16)
            self.between(f"{path}.generate.veto_chance", g.veto_chance, 0.0, 1.0)
            self.between(f"{path}.generate.seed", g.seed, 0, MAX_SAFE_INTEGER)

    def format(self, spec: TournamentFile) -> None:
        if spec.format == "sample":
            if spec.sample is None:
                raise self.fail("$.sample", 'format = "sample" needs sample (how many seatings)')
            self.between("$.sample", spec.sample, 1, MAX_SAMPLE)
        elif spec.sample is not None:
            raise self.fail("$.sample", 'only format = "sample" takes sample')
        if spec.format == "rounds":
            if spec.rounds is None:
                raise self.fail("$.rounds", 'format = "rounds" needs rounds')
            self.between("$.rounds", spec.rounds, 1, MAX_ROUNDS)
        else:
            if spec.rounds is not None:
                raise self.fail("$.rounds", 'only format = "rounds" takes rounds')
            if spec.pairing != "random":
                raise self.fail("$.pairing", 'only format = "rounds" pairs entries')


def _resolve(spec: TournamentFile, base: Path) -> TournamentFile:
    """Relative paths of ``spec`` made absolute against ``base``."""

    def absolute(value: str | None) -> str | None:
        if value is None:
            return None
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else (base / path).resolve())

    entries = tuple(
        msgspec.structs.replace(e, package=absolute(e.package), wheel=absolute(e.wheel))
        for e in spec.entries
    )
    scenarios = tuple(msgspec.structs.replace(s, file=absolute(s.file)) for s in spec.scenarios)
    store = spec.store
    if store and "://" not in store:
        store = absolute(store)
    return msgspec.structs.replace(spec, entries=entries, scenarios=scenarios, store=store)


def _digest(spec: TournamentFile) -> str:
    # what decides the talks: not where the results are stored
    form = msgspec.to_builtins(msgspec.structs.replace(spec, store=None))
    return hashlib.sha256(canonical_json(form)).hexdigest()


def _check_depth(raw: Any, file: str) -> None:
    stack: list[tuple[Any, int]] = [(raw, 1)] if isinstance(raw, (dict, list)) else []
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TournamentError(f"nested too deeply (more than {MAX_DEPTH} levels)", file=file)
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "EntrySpec",
    "GenerateSpec",
    "SandboxLimits",
    "ScenarioSpec",
    "Tournament",
    "TournamentFile",
    "default_store",
    "load_tournament",
    "parse_tournament",
    "tournament_from_dict",
]
