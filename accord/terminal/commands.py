"""The command line a person types: parsed into protocol commands, with help.

Both front ends (the full-screen client and ``--plain``) read the same
commands. What the agenda alone settles is checked here (a package must name
an option for every issue, ``vote`` takes yes, no or abstain, only a veto
holder may veto); the rules of the moment (the phase, voting twice, a
package id) are the server's to judge, and its answer is shown after the
command.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Literal

from accord.bots.seat_view import SeatState
from accord.protocol.commands import (
    Act,
    CastVeto,
    CastVote,
    Challenge,
    Pass,
    Propose,
    Say,
    SeatCommand,
    Withdraw,
)
from accord.protocol.errors import all_codes
from accord.protocol.replies import Error
from accord.protocol.scenario.model import Issue

COMMANDS = (
    ("table ISSUE=OPTION ...", "table a package: one option for every issue (ids or labels)"),
    ("withdraw PKG", "withdraw a package you tabled this round"),
    ("pass", "done tabling; in verification: no inspection"),
    ("vote PKG yes|no|abstain", "vote on a package on the ballot (PKG: its id or row number)"),
    ("vote yes|no|abstain", "the same, when one package is on the ballot"),
    ("veto PKG", "veto a package (only if you hold a veto)"),
    ("say TEXT", "speak to every seat"),
    ("say @SEAT,SEAT TEXT", "speak only to those seats (a private statement)"),
    ("act comply|defect", "your choice in an implementation period (hidden from the others)"),
    ("challenge SEAT", "inspect a seat in verification (costs the inspection cost)"),
    ("help", "this table"),
    ("quit", "leave; your seat then gets the defaults at each deadline (join again to return)"),
)
"""Every command: its syntax and what it does."""


def _table(rows: tuple[tuple[str, str], ...]) -> str:
    width = max(len(syntax) for syntax, _ in rows)
    return "\n".join(f"  {syntax:<{width}}  {what}" for syntax, what in rows)


HELP = "Commands (one per line):\n" + _table(COMMANDS)

KEYS = (
    "Keys (Esc leaves the command line for the packages pane; there):\n"
    + _table(
        (
            ("↑ / ↓", "select a package"),
            ("y / n / a", "vote yes / no / abstain on the selected package"),
            ("v / w", "veto / withdraw the selected package"),
            ("p", "pass"),
            ("c / d", "act comply / defect"),
            ("?", "help"),
            ("q", "quit"),
            (": or /", "back to the command line"),
        )
    )
    + "\nCtrl+Q quits from anywhere."
)

Local = Literal["help", "quit"]
"""Commands the client answers itself."""


class CommandError(ValueError):
    """A command line that cannot be sent; the message says what to write instead."""


@dataclass(frozen=True)
class Parsed:
    """A command line: a protocol command to send, or a local one."""

    command: SeatCommand | None = None
    local: Local | None = None


VOTES = {"yes": "yes", "y": "yes", "no": "no", "n": "no", "abstain": "abstain", "a": "abstain"}


def parse(line: str, state: SeatState) -> Parsed | None:
    """``line`` as a command (None for a blank line); raises :class:`CommandError`."""

    words = line.split()
    if not words:
        return None
    verb, args = words[0].lower(), words[1:]
    match verb:
        case "help" | "?":
            return Parsed(local="help")
        case "quit" | "exit" | "q":
            return Parsed(local="quit")
        case "table" | "propose":
            try:  # quotes keep a label with spaces in one word: checks="Full checks"
                words = shlex.split(line)
            except ValueError as exc:
                raise CommandError(f"unbalanced quotes: {exc}") from None
            return Parsed(Propose(package=package_of(words[1:], state)))
        case "withdraw":
            return Parsed(Withdraw(package_id=_package_id(_one(verb, args, "PKG"), state)))
        case "pass":
            _none(verb, args)
            return Parsed(Pass())
        case "vote":
            return Parsed(_vote(args, state))
        case "veto":
            _may_veto(state)
            return Parsed(CastVeto(package_id=_package_id(_one(verb, args, "PKG"), state)))
        case "say":
            return Parsed(_say(line.strip()[len(words[0]) :].strip()))
        case "act":
            choice = _one(verb, args, "comply|defect").lower()
            if choice not in ("comply", "defect"):
                raise CommandError(f"act comply or act defect, not {choice!r}")
            return Parsed(Act(choice=choice))  # type: ignore[arg-type]
        case "challenge" | "inspect":
            return Parsed(Challenge(target=_one(verb, args, "SEAT")))
    raise CommandError(f"no command {words[0]!r}; type help for the list")


def _one(verb: str, args: list[str], what: str) -> str:
    if len(args) != 1:
        raise CommandError(f"write: {verb} {what}")
    return args[0]


def _none(verb: str, args: list[str]) -> None:
    if args:
        raise CommandError(f"{verb} takes nothing after it")


def _vote(args: list[str], state: SeatState) -> CastVote:
    """``vote PKG yes|no|abstain``, or ``vote yes|no|abstain`` with one package on the ballot."""

    if len(args) == 1 and args[0].lower() in VOTES:
        ballot = state.ballot if state.phase == "ballot" else []
        if len(ballot) != 1:
            on = ", ".join(p.package_id for p in ballot) or "none yet"
            raise CommandError(
                f"name the package: vote PKG {VOTES[args[0].lower()]} (on the ballot: {on})"
            )
        args = [ballot[0].package_id, args[0]]
    if len(args) != 2:
        raise CommandError("write: vote PKG yes|no|abstain (e.g. vote R1-north-1 yes)")
    vote = VOTES.get(args[1].lower())
    if vote is None:
        raise CommandError(f"a vote is yes, no or abstain, not {args[1]!r}")
    return CastVote(package_id=_package_id(args[0], state), vote=vote)  # type: ignore[arg-type]


def _may_veto(state: SeatState) -> None:
    """Refuse ``veto`` here when the agenda shows this seat cannot veto."""

    scenario = state.scenario
    if scenario is None or state.holds_veto:
        return  # not known yet: the server judges
    if not scenario.rules.vetoes:
        raise CommandError("vetoes do not apply in this room: vote no instead")
    holders = [d.id for d in scenario.delegations if d.veto]
    who = (
        f"only {', '.join(holders)} {'holds' if len(holders) == 1 else 'hold'} one"
        if holders
        else "nobody holds one"
    )
    raise CommandError(f"you hold no veto ({who}): vote no instead")


def _package_id(given: str, state: SeatState) -> str:
    """A package id as typed, or the package at that row of the current round."""

    if state.package(given) is None and given.isdigit():
        rows = state.packages()
        if 1 <= int(given) <= len(rows):
            return rows[int(given) - 1].package_id
    return given


def package_of(args: list[str], state: SeatState) -> dict[str, str]:
    """``ISSUE=OPTION`` words as a full package: issues by id or title, options by id or
    label, any case; raises :class:`CommandError` naming what is missing or unknown."""

    scenario = state.scenario
    if scenario is None:
        raise CommandError("the agenda is not known yet: wait for the talks to open")
    example = " ".join(f"{i.id}={i.options[0]}" for i in scenario.issues)
    if not args:
        raise CommandError(f"name an option for every issue, e.g. table {example}")
    package: dict[str, str] = {}
    for word in args:
        name, sep, option = word.partition("=")
        if not sep or not name or not option:
            raise CommandError(f"write each choice as ISSUE=OPTION, not {word!r} (e.g. {example})")
        issue = next(
            (i for i in scenario.issues if name.lower() in (i.id.lower(), i.title.lower())), None
        )
        if issue is None:
            known = ", ".join(i.id for i in scenario.issues)
            raise CommandError(f"no issue {name!r} on the agenda (the issues: {known})")
        if issue.id in package:
            raise CommandError(f"{issue.id} is named twice")
        found = next(
            (o for o in issue.options if option.lower() in (o.lower(), issue.label(o).lower())),
            None,
        )
        if found is None:
            raise CommandError(
                f"{issue.id} has no option {option!r} (its options: {options(issue)})"
            )
        package[issue.id] = found
    missing = [i for i in scenario.issues if i.id not in package]
    if missing:
        needed = ", ".join(f"{i.id} ({options(i)})" for i in missing)
        raise CommandError(f"a package needs an option for every issue; missing {needed}")
    return package


def options(issue: Issue) -> str:
    """An issue's options as ``table`` takes them: ``none|full`` (``id=label`` where labelled)."""

    return "|".join(o if issue.label(o) == o else f"{o}={issue.label(o)}" for o in issue.options)


def _say(rest: str) -> Say:
    to: list[str] | None = None
    if rest.startswith("@"):
        head, _, rest = rest.partition(" ")
        to = [seat for seat in head[1:].split(",") if seat]
        if not to:
            raise CommandError("name the seats after @, e.g. say @s1,s2 TEXT")
        rest = rest.strip()
    if not rest:
        raise CommandError("say what? e.g. say We can accept a mid cut.")
    return Say(text=rest, to=to)


def meaning(code: str) -> str:
    """What an error code means, in a sentence (from the error's documentation)."""

    cls = all_codes().get(code)
    doc = (cls.__doc__ or "").strip().split("\n\n")[0] if cls is not None else ""
    return " ".join(doc.split()) or code.replace("_", " ")


def explain(error: Error) -> str:
    """A server's refusal in words: what it said, and what its code means."""

    return f"refused: {error.message} ({error.code}: {meaning(error.code)})"
