"""The obligations a bot must meet, each checked against what the kit observed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from accord.protocol import PROTOCOL_VERSION
from accord.protocol.codec import decode_client
from accord.protocol.engine.visibility import Viewer, visible_log
from accord.protocol.errors import ProtocolError
from accord.protocol.events import (
    ActionTaken,
    BallotResult,
    PackageAdopted,
    Timeout,
    VetoCast,
    VoteCast,
)
from accord.server.conformance.kit import (
    EXIT_WITHIN,
    PING_WITHIN,
    RECONNECT_WITHIN,
    UNSOLICITED_REF,
    Frame,
    TalkRun,
)
from accord.server.conformance.scenarios import BOT_SEAT

COMMANDS = frozenset(
    {"propose", "withdraw", "pass", "vote", "veto", "statement", "note", "action", "challenge"}
)
"""The seat commands: each should carry a ref and is answered by ack or error."""


@dataclass
class Failure:
    talk: str
    message: str
    frames: list[Frame] = field(default_factory=list)


@dataclass
class Obligation:
    id: str
    summary: str
    check: Callable[[list[TalkRun]], list[Failure]]


# --- helpers -----------------------------------------------------------------------------------


def _sent(run: TalkRun) -> list[Frame]:
    return [f for f in run.frames if f.sender == "bot"]


def _received(run: TalkRun) -> list[Frame]:
    """Server frames the bot was given (withheld ones excluded)."""

    return [f for f in run.frames if f.sender == "server" and not f.withheld]


def _type(frame: Frame) -> str | None:
    return frame.message.get("type") if frame.message else None


def _is_event(frame: Frame) -> bool:
    m = frame.message
    return m is not None and isinstance(m.get("seq"), int) and "at" in m


def _answered(run: TalkRun, ref: Any) -> list[Frame]:
    return [
        f for f in run.frames if f.sender == "bot" and f.message and f.message.get("ref") == ref
    ]


def _phase_window(run: TalkRun, phase: str, round_: int, period: int) -> list[Frame]:
    """The phase_started of one phase as the bot got it, and the bot's frames until the next."""

    frames = run.frames
    for i, f in enumerate(frames):
        m = f.message
        if (
            f.sender == "server"
            and m
            and m.get("type") == "phase_started"
            and m.get("phase") == phase
            and m.get("round", 0) == round_
            and m.get("period", 0) == period
        ):
            out = [f]
            for g in frames[i + 1 :]:
                if g.sender == "server" and _type(g) == "phase_started":
                    break
                if g.sender == "bot":
                    out.append(g)
            return out
    return []


def _delivered_seqs(run: TalkRun) -> set[int]:
    return {f.message["seq"] for f in _received(run) if _is_event(f) and f.message}


def _got_conclusion(run: TalkRun) -> bool:
    return any(_type(f) == "talks_concluded" for f in _received(run))


def _ending(run: TalkRun) -> str:
    if run.abandoned:
        return run.abandoned
    return f"the bot's process ended with status {run.exit_status}"


# --- the checks --------------------------------------------------------------------------------


def hello_first(runs: list[TalkRun]) -> list[Failure]:
    out = []
    for run in runs:
        for conn in run.conns:
            sent = [f for f in conn.frames if f.sender == "bot"]
            if not sent:
                if not conn.upstream_failed and conn.closed_by != "kit":
                    out.append(Failure(run.talk.name, f"{conn.describe()}: the bot sent no frame"))
                continue
            first, m = sent[0], sent[0].message
            if m is None or m.get("type") != "hello":
                what = repr(m.get("type")) if m else "not a JSON object"
                out.append(
                    Failure(
                        run.talk.name,
                        f"conn {conn.index}: the first frame is {what}, not a hello",
                        [first],
                    )
                )
            elif m.get("version") != PROTOCOL_VERSION:
                out.append(
                    Failure(
                        run.talk.name,
                        f"conn {conn.index}: hello names version {m.get('version')!r}; the protocol version is {PROTOCOL_VERSION}",
                        [first],
                    )
                )
            elif m.get("token") != run.token:
                out.append(
                    Failure(
                        run.talk.name,
                        f"conn {conn.index}: hello does not carry the seat token the kit gave",
                        [first],
                    )
                )
    return out


def well_formed(runs: list[TalkRun]) -> list[Failure]:
    out = []
    for run in runs:
        for f in _sent(run):
            decoded = decode_client(f.text)
            if isinstance(decoded, ProtocolError):
                out.append(
                    Failure(
                        run.talk.name,
                        f"not a valid client message ({decoded.code}: {decoded.message})",
                        [f],
                    )
                )
    return out


def unique_refs(runs: list[TalkRun]) -> list[Failure]:
    out = []
    for run in runs:
        seen: dict[str, Frame] = {}
        for f in _sent(run):
            kind = _type(f)
            if kind not in COMMANDS or f.message is None:
                continue
            ref = f.message.get("ref")
            if not isinstance(ref, str) or not ref:
                out.append(Failure(run.talk.name, f"a {kind!r} command without a ref", [f]))
                continue
            first = seen.get(ref)
            if first is None:
                seen[ref] = f
            elif first.message != f.message:
                out.append(
                    Failure(
                        run.talk.name, f"ref {ref!r} reused for a different command", [first, f]
                    )
                )
            elif first.conn == f.conn:
                out.append(
                    Failure(
                        run.talk.name,
                        f"ref {ref!r} sent twice on one connection (a resend belongs after a reconnect)",
                        [first, f],
                    )
                )
    return out


def complete_packages(runs: list[TalkRun]) -> list[Failure]:
    out = []
    for run in runs:
        issues = {i.id: list(i.options) for i in run.scenario.issues}
        for f in _sent(run):
            if _type(f) != "propose" or f.message is None:
                continue
            package = f.message.get("package")
            if not isinstance(package, dict):
                out.append(Failure(run.talk.name, "propose without a package object", [f]))
                continue
            problems = []
            missing = [i for i in issues if i not in package]
            if missing:
                problems.append(f"no option for {', '.join(missing)}")
            unknown = [i for i in package if i not in issues]
            if unknown:
                problems.append(f"unknown issue {', '.join(map(repr, unknown))}")
            for issue, option in package.items():
                if issue in issues and option not in issues[issue]:
                    problems.append(f"{issue}={option!r} is not among {issues[issue]}")
            if problems:
                out.append(
                    Failure(
                        run.talk.name,
                        f"package {f.message.get('ref')!r}: " + "; ".join(problems),
                        [f],
                    )
                )
    return out


def votes_every_package(runs: list[TalkRun]) -> list[Failure]:
    out = []
    for run in runs:
        cast = {
            (e.round, e.package_id)
            for e in run.events
            if isinstance(e, (VoteCast, VetoCast)) and e.seat == BOT_SEAT
        }
        for result in (e for e in run.events if isinstance(e, BallotResult)):
            missing = [
                r.package_id for r in result.results if (result.round, r.package_id) not in cast
            ]
            if missing:
                out.append(
                    Failure(
                        run.talk.name,
                        f"round {result.round}: no vote or veto on {', '.join(missing)} before the ballot closed",
                        _phase_window(run, "ballot", result.round, 0),
                    )
                )
    return out


def acts_before_deadlines(runs: list[TalkRun]) -> list[Failure]:
    out = []
    for run in runs:
        for e in run.events:
            if isinstance(e, Timeout) and e.seat == BOT_SEAT:
                where = (
                    f"round {e.round}" if e.phase in ("tabling", "ballot") else f"period {e.period}"
                )
                out.append(
                    Failure(
                        run.talk.name,
                        f"{e.phase} {where}: the deadline passed before the bot acted; the server recorded {e.default!r} for it",
                        _phase_window(run, e.phase, e.round, e.period),
                    )
                )
    return out


def _errors(run: TalkRun, codes: Iterable[str] | None = None) -> list[Failure]:
    out = []
    for f in _received(run):
        m = f.message
        if not m or m.get("type") != "error" or (codes is not None and m.get("code") not in codes):
            continue
        if m.get("ref") == UNSOLICITED_REF:
            continue  # the kit's own, answering nothing the bot sent
        commands = _answered(run, m.get("ref")) if m.get("ref") else []
        what = f"{commands[-1].message.get('type')!r} " if commands and commands[-1].message else ""
        out.append(
            Failure(
                run.talk.name,
                f"{what}command refused: {m.get('code')}: {m.get('message')}",
                [*commands[-1:], f],
            )
        )
    return out


def right_phase(runs: list[TalkRun]) -> list[Failure]:
    return [x for run in runs for x in _errors(run, {"wrong_phase"})]


def commands_accepted(runs: list[TalkRun]) -> list[Failure]:
    return [x for run in runs for x in _errors(run)]


def answers_ping(runs: list[TalkRun]) -> list[Failure]:
    out = []
    for run in runs:
        for conn in run.conns:
            if conn.ping_problem:
                out.append(Failure(run.talk.name, f"{conn.describe()}: {conn.ping_problem}"))
    # a connection the talk ends (or the kit cuts) right after its welcome may close before
    # any pong: that leaves it unchecked, but some connection must have been checked
    if runs and not any(c.pong is not None for run in runs for c in run.conns):
        out.append(
            Failure(
                "",
                "no connection of the bot answered a websocket ping (none stayed open long enough to be checked)",
            )
        )
    return out


def _keeps_playing(
    kind: str, label: str, trigger: Callable[[dict[str, Any]], bool]
) -> Callable[[list[TalkRun]], list[Failure]]:
    def check(runs: list[TalkRun]) -> list[Failure]:
        out = []
        for run in runs:
            if kind not in run.talk.exercises:
                continue
            given = [f for f in _received(run) if f.message and trigger(f.message)]
            if not given:
                out.append(
                    Failure(run.talk.name, f"the bot never received {label} ({_ending(run)})")
                )
                continue
            first = given[0]
            later = [f for f in _sent(run) if f.at > first.at and _type(f) in COMMANDS]
            if not later:
                out.append(
                    Failure(
                        run.talk.name,
                        f"the bot sent no command after {label} ({_ending(run)})",
                        [first],
                    )
                )
            elif not _got_conclusion(run):
                out.append(
                    Failure(
                        run.talk.name,
                        f"the bot did not stay until talks_concluded after {label} ({_ending(run)})",
                        [first],
                    )
                )
        return out

    return check


survives_veto = _keeps_playing(
    "veto",
    "a vetoed ballot result",
    lambda m: (
        m.get("type") == "ballot_result" and any(r.get("vetoed_by") for r in m.get("results", []))
    ),
)
survives_private_statement = _keeps_playing(
    "private_statement",
    "a private statement addressed to it",
    lambda m: m.get("type") == "statement_made" and BOT_SEAT in (m.get("to") or []),
)
survives_error = _keeps_playing(
    "unsolicited_error",
    "an error that answers none of its commands",
    lambda m: m.get("type") == "error" and m.get("ref") == UNSOLICITED_REF,
)
survives_secret_ballot = _keeps_playing(
    "secret_ballot",
    "a secret ballot's result",
    lambda m: m.get("type") == "ballot_result" and m.get("secret") is True,
)


def _resumption(kind: str) -> Callable[[list[TalkRun]], list[Failure]]:
    def check(runs: list[TalkRun]) -> list[Failure]:
        out = []
        for run in runs:
            if run.talk.disruption != kind:
                continue
            name = run.talk.name
            if run.disrupted_at is None:
                out.append(Failure(name, f"the kit never got to disrupt the talk ({_ending(run)})"))
                continue
            cut = next(c for c in run.conns if any(f.withheld for f in c.frames))
            trigger = [f for f in cut.frames if f.withheld]
            seen = [
                f.message["seq"]
                for f in cut.frames
                if f.sender == "server" and not f.withheld and _is_event(f) and f.message
            ]
            last = max(seen, default=0)
            what = "the kit cut" if kind == "drop" else "the server restart closed"
            since = (
                run.back_at if kind == "restart" and run.back_at is not None else run.disrupted_at
            )
            later = [c for c in run.conns if c.opened >= run.disrupted_at and c.welcomed]
            if not later:
                out.append(
                    Failure(
                        name,
                        f"no new connection was welcomed within {RECONNECT_WITHIN:g} s after {what} conn {cut.index} (its last event: seq {last}; {_ending(run)})",
                        trigger,
                    )
                )
                continue
            back = later[0]
            if back.opened - since > RECONNECT_WITHIN:
                out.append(
                    Failure(
                        name,
                        f"reconnected only after {back.opened - since:.1f} s (at most {RECONNECT_WITHIN:g} s)",
                    )
                )
            hello = next((f for f in back.frames if f.sender == "bot"), None)
            last_seq = hello.message.get("last_seq", 0) if hello and hello.message else 0
            if not isinstance(last_seq, int) or last_seq <= 0 < last:
                out.append(
                    Failure(
                        name,
                        f"conn {back.index}: hello without last_seq (or 0) after conn {cut.index} had seen up to seq {last}: it asks for the whole history again instead of resuming",
                        [*trigger, *([hello] if hello else [])],
                    )
                )
            elif last_seq > last:
                out.append(
                    Failure(
                        name,
                        f"conn {back.index}: hello with last_seq {last_seq}, but the bot was given events only up to seq {last}",
                        [*trigger, *([hello] if hello else [])],
                    )
                )
            expected = {
                e.seq: type(e).__name__ for e in visible_log(run.events, Viewer.of_seat(BOT_SEAT))
            }
            missing = sorted(set(expected) - _delivered_seqs(run))
            if missing:
                shown = ", ".join(f"{s} ({expected[s]})" for s in missing[:12])
                out.append(
                    Failure(
                        name,
                        f"events the seat may see never reached the bot: seq {shown}"
                        + (" …" if len(missing) > 12 else ""),
                    )
                )
            if not _got_conclusion(run):
                out.append(
                    Failure(name, f"the bot did not play on to talks_concluded ({_ending(run)})")
                )
        return out

    return check


def acts_in_implementation(runs: list[TalkRun]) -> list[Failure]:
    out = []
    # a talk the kit abandoned is reported by the obligation that made it so
    played = [r for r in runs if "implementation" in r.talk.exercises and not r.abandoned]
    if not played and any("implementation" in r.talk.exercises for r in runs):
        return [
            Failure(
                "",
                "no talk with an implementation phase ran to its end, so no action could be checked",
            )
        ]
    for run in played:
        impl = run.scenario.implementation
        adopted = any(isinstance(e, PackageAdopted) for e in run.events)
        if impl is None or not adopted:
            out.append(
                Failure(run.talk.name, f"the talk reached no implementation phase ({_ending(run)})")
            )
            continue
        acted = {e.period for e in run.events if isinstance(e, ActionTaken) and e.seat == BOT_SEAT}
        for period in range(1, impl.periods + 1):
            if period not in acted:
                out.append(
                    Failure(
                        run.talk.name,
                        f"period {period}: no comply/defect action from the bot",
                        _phase_window(run, "action", 0, period)
                        or _phase_window(run, "action", _round_of(run), period),
                    )
                )
    return out


def _round_of(run: TalkRun) -> int:
    adopted = [e for e in run.events if isinstance(e, PackageAdopted)]
    return adopted[-1].round if adopted else 0


def ends_cleanly(runs: list[TalkRun]) -> list[Failure]:
    out = []
    for run in runs:
        name = run.talk.name
        if run.abandoned:
            out.append(Failure(name, f"the talk did not end normally: {run.abandoned}"))
            continue
        if not _got_conclusion(run):
            out.append(Failure(name, "the bot never received talks_concluded"))
            continue
        if run.killed:
            out.append(
                Failure(
                    name,
                    f"the bot was still running {EXIT_WITHIN:g} s after talks_concluded (the kit ended it)",
                )
            )
        elif run.exit_status != 0:
            out.append(
                Failure(
                    name,
                    f"the bot exited with status {run.exit_status}"
                    + (
                        f"; its stderr ends: {run.stderr[-300:].strip()}"
                        if run.stderr.strip()
                        else ""
                    ),
                )
            )
        last = run.conns[-1] if run.conns else None
        if last is not None and (last.closed_by != "bot" or last.close_code == 1006):
            out.append(
                Failure(
                    name,
                    f"the bot's last connection did not end with its own close frame: {last.describe()}",
                )
            )
    return out


OBLIGATIONS: tuple[Obligation, ...] = (
    Obligation(
        "hello-first",
        f"every connection starts with hello naming protocol version {PROTOCOL_VERSION} and the seat token",
        hello_first,
    ),
    Obligation(
        "well-formed-frames",
        "every frame the bot sends decodes as a valid client message",
        well_formed,
    ),
    Obligation(
        "unique-refs",
        "every command carries a ref, and a ref is reused only to resend the identical command after a reconnect",
        unique_refs,
    ),
    Obligation(
        "complete-packages",
        "every tabled package names exactly one valid option for every issue on the agenda",
        complete_packages,
    ),
    Obligation(
        "votes-every-package",
        "in every ballot the bot votes (or vetoes) on every package before it closes",
        votes_every_package,
    ),
    Obligation(
        "acts-before-deadlines",
        "the server records no timeout for the bot's seat in any phase",
        acts_before_deadlines,
    ),
    Obligation("right-phase", "no command is refused with wrong_phase", right_phase),
    Obligation(
        "commands-accepted",
        "the server refuses no frame of the bot (no error message at all)",
        commands_accepted,
    ),
    Obligation(
        "answers-ping",
        f"each welcomed connection answers a websocket ping within {PING_WITHIN:g} s",
        answers_ping,
    ),
    Obligation(
        "survives-veto",
        "after a vetoed ballot the bot keeps acting until talks_concluded",
        survives_veto,
    ),
    Obligation(
        "survives-private-statement",
        "after a private statement to it the bot keeps acting until talks_concluded",
        survives_private_statement,
    ),
    Obligation(
        "survives-secret-ballot",
        "after a secret ballot's result the bot keeps acting until talks_concluded",
        survives_secret_ballot,
    ),
    Obligation(
        "survives-an-error",
        "after an error frame it did not cause the bot keeps acting until talks_concluded",
        survives_error,
    ),
    Obligation(
        "resumes-after-drop",
        f"after the kit cuts its connection the bot is back within {RECONNECT_WITHIN:g} s with hello last_seq and misses no event",
        _resumption("drop"),
    ),
    Obligation(
        "survives-restart",
        f"after a server restart the bot is back within {RECONNECT_WITHIN:g} s with hello last_seq, misses no event and plays on",
        _resumption("restart"),
    ),
    Obligation(
        "acts-in-implementation",
        "the bot sends comply or defect in every implementation period",
        acts_in_implementation,
    ),
    Obligation(
        "ends-cleanly",
        f"at talks_concluded the bot closes its connection and exits with status 0 within {EXIT_WITHIN:g} s",
        ends_cleanly,
    ),
)

APPLIES: dict[str, Callable[[TalkRun], bool]] = {
    "survives-veto": lambda r: "veto" in r.talk.exercises,
    "survives-private-statement": lambda r: "private_statement" in r.talk.exercises,
    "survives-secret-ballot": lambda r: "secret_ballot" in r.talk.exercises,
    "survives-an-error": lambda r: "unsolicited_error" in r.talk.exercises,
    "resumes-after-drop": lambda r: r.talk.disruption == "drop",
    "survives-restart": lambda r: r.talk.disruption == "restart",
    "acts-in-implementation": lambda r: "implementation" in r.talk.exercises,
}
"""Obligations that only talks of some kind exercise: without one (``--talk``) they are skipped."""


def skipped(runs: list[TalkRun]) -> set[str]:
    return {id_ for id_, applies in APPLIES.items() if not any(applies(r) for r in runs)}
