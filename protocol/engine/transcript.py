"""Transcripts: a room's event log as JSON lines, for each audience, and their verification.

Each line is ``{"hash": ..., "event": {...}, "sealed": {...}, "salts": {...}}``
(``sealed`` and ``salts`` only when they are not empty). The chain commits to
secret content by salted digest (:mod:`accord.protocol.engine.seals`), so each
audience gets its own copy and every copy verifies against the same head
hash: the organizer's copy shows everything (every secret with its salt),
a seat's copy shows that seat's own secrets, the public copy none. In a line,
``sealed`` maps the JSON Pointer of each secret this copy withholds (its
value is ``null``; a whole withheld event has no ``event`` and the pointer
``""``) to its digest, and ``salts`` maps the pointer of each secret it shows
to the salt that lets a reader recompute that secret's digest.

The first event, ``talks_opened``, carries the scenario, the seed and the
sealing key in the organizer's copy, so that copy is self-contained:
:func:`verify` recomputes the hash chain of any copy, and for a complete copy
also replays every input (tabling, votes, statements, actions, challenges,
deadlines) through a fresh :class:`~accord.protocol.engine.room.Room` and checks
that it produces exactly the recorded events and scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from accord.protocol.codec import canonical, encode
from accord.protocol.commands import (
    Act,
    CastVeto,
    CastVote,
    Challenge,
    Note,
    Pass,
    Propose,
    Say,
    Withdraw,
)
from accord.protocol.engine.chain import GENESIS
from accord.protocol.engine.room import Room
from accord.protocol.engine.seals import (
    WHOLE,
    Secrets,
    chained_form,
    digest,
    link,
    may_read,
    pointer_get,
    pointer_replace,
    salt,
)
from accord.protocol.engine.visibility import ORGANIZER, Viewer
from accord.protocol.errors import AccordError
from accord.protocol.events import (
    ActionTaken,
    ChallengeResult,
    DeadlinePassed,
    Event,
    NoteMade,
    Passed,
    ProposalTabled,
    ProposalWithdrawn,
    SeatScore,
    SeatTaken,
    StatementMade,
    TalksConcluded,
    TalksOpened,
    TalksStarted,
    VetoCast,
    VoteCast,
)


class TranscriptLine(
    msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, omit_defaults=True
):
    """One line of a transcript: an event as this copy's reader may see it, and the
    chain hash that ends with it."""

    hash: str
    event: Event | None = None
    """The event; absent when this copy withholds it whole (``sealed`` then has ``""``)."""
    sealed: dict[str, str] = {}
    """JSON Pointer → digest of each secret this copy withholds (its value is ``null``)."""
    salts: dict[str, str] = {}
    """JSON Pointer → salt (hex) of each secret this copy shows."""


_line_decoder = msgspec.json.Decoder(TranscriptLine)
_event_type = Event


class Verification(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of verifying a transcript."""

    ok: bool
    """The chain holds and, for a complete copy, the replay reproduced every event."""
    events: int
    chain_ok: bool
    replay_ok: bool | None
    """None when the copy withholds secrets and so cannot be replayed."""
    complete: bool
    """Whether the copy withholds nothing (the organizer's)."""
    withheld: int
    """How many secrets this copy withholds."""
    head: str
    problems: list[str]
    scores: list[SeatScore] = []


def lines_for(
    events: Sequence[Event], hashes: Sequence[str], viewer: Viewer = ORGANIZER
) -> list[TranscriptLine]:
    """The transcript of a room's full log (``events``, with their chain ``hashes``)
    as ``viewer`` may read it."""

    if not events:
        return []
    first = events[0]
    if not isinstance(first, TalksOpened) or first.sealing_key is None:
        raise ValueError("a transcript is made from the full log, starting with talks_opened")
    key = bytes.fromhex(first.sealing_key)
    secrets = Secrets(first)
    out: list[TranscriptLine] = []
    for event, hash_ in zip(events, hashes, strict=True):
        paths = secrets.paths(event)
        if not paths:
            out.append(TranscriptLine(hash=hash_, event=event))
            continue
        document = msgspec.to_builtins(event)
        sealed: dict[str, str] = {}
        salts: dict[str, str] = {}
        for path in paths:
            s = salt(key, event.seq, path)
            if may_read(event, path, viewer):
                salts[path] = s.hex()
            else:
                sealed[path] = digest(s, pointer_get(document, path))
        if WHOLE in sealed:
            out.append(TranscriptLine(hash=hash_, sealed=sealed))
            continue
        shown = event
        if sealed:
            for path in sealed:
                document = pointer_replace(document, path, None)
            shown = msgspec.convert(document, _event_type)
        out.append(TranscriptLine(hash=hash_, event=shown, sealed=sealed, salts=salts))
    return out


def encode_lines(lines: Iterable[TranscriptLine]) -> bytes:
    """Transcript lines as JSON lines."""

    return b"".join(encode(line) + b"\n" for line in lines)


def export(room: Room, viewer: Viewer = ORGANIZER) -> bytes:
    """The room's transcript as ``viewer`` may read it (the organizer's copy by default)."""

    return encode_lines(lines_for(room.log, room.chain.hashes, viewer))


def read(lines: Iterable[bytes | str]) -> list[TranscriptLine]:
    """Decode transcript lines (blank lines are skipped); raises ValueError with the line number."""

    out: list[TranscriptLine] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append(_line_decoder.decode(line))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise ValueError(f"line {number}: {exc}") from None
    return out


def replay(events: list[Event]) -> Room:
    """Feed the inputs recorded in ``events`` to a fresh room and return it.

    Raises ValueError if the log does not start with a complete ``talks_opened``
    and AccordError if the room refuses a recorded input.
    """

    if not events or not isinstance(events[0], TalksOpened):
        raise ValueError("a transcript must start with talks_opened")
    first = events[0]
    if first.seed is None:
        raise ValueError("talks_opened has no seed: this is a filtered view, not a transcript")
    if any(d.brief is None for d in first.scenario.delegations):
        raise ValueError("talks_opened lacks some briefs: this is a filtered view")
    if first.sealing_key is None:
        raise ValueError("talks_opened has no sealing key: this is a filtered view")
    try:
        key = bytes.fromhex(first.sealing_key)
    except ValueError:
        raise ValueError("talks_opened has a sealing key that is not hex") from None
    room = Room(first.scenario, room_id=first.room, seed=first.seed, now=first.at, sealing_key=key)
    for event in events[1:]:
        now = event.at
        match event:
            case SeatTaken(seat=seat):
                room.join(seat, now=now)
            case TalksStarted(by="organizer", absent_default=absent_default):
                room.start(now=now, absent_default=absent_default)
            case DeadlinePassed():
                room.tick(now=now)
            case ProposalTabled(seat=seat, package=package):
                room.handle(seat, Propose(package=package), now=now)
            case ProposalWithdrawn(seat=seat, package_id=package_id):
                room.handle(seat, Withdraw(package_id=package_id), now=now)
            case Passed(seat=seat):
                room.handle(seat, Pass(), now=now)
            case VoteCast(seat=seat, package_id=package_id, vote=vote):
                if vote is None:
                    raise ValueError(f"seq {event.seq}: a hidden vote cannot be replayed")
                room.handle(seat, CastVote(package_id=package_id, vote=vote), now=now)
            case VetoCast(seat=seat, package_id=package_id):
                room.handle(seat, CastVeto(package_id=package_id), now=now)
            case StatementMade(seat=seat, text=text, to=to):
                room.handle(seat, Say(text=text, to=to), now=now)
            case NoteMade(seat=seat, text=text, data=data, kind=kind):
                room.handle(seat, Note(text=text, data=dict(data), kind=kind), now=now)
            case ActionTaken(seat=seat, choice=choice):
                room.handle(seat, Act(choice=choice), now=now)
            case ChallengeResult(seat=seat, target=target):
                room.handle(seat, Challenge(target=target), now=now)
            case _:
                pass  # derived events: the room produces them itself
        if len(room.log) > len(events):
            break
    return room


def _chained(line: TranscriptLine, number: int) -> tuple[object, list[str]]:
    """The chained form a line stands for, and what is wrong with the line."""

    problems: list[str] = []
    if line.event is None:
        if set(line.sealed) != {WHOLE} or line.salts:
            return None, [f"line {number}: no event, but not sealed whole"]
        return chained_form({}, {WHOLE: line.sealed[WHOLE]}), problems
    if line.event.seq != number:
        problems.append(f"line {number}: seq {line.event.seq}, expected {number}")
    document = msgspec.to_builtins(line.event)
    digests: dict[str, str] = {}
    for path, value in line.sealed.items():
        try:
            shown = pointer_get(document, path)
        except (KeyError, IndexError):
            problems.append(f"line {number}: sealed {path!r} is not a field of the event")
            continue
        if shown is not None:
            problems.append(f"line {number}: {path!r} is sealed but shown")
        digests[path] = value
    for path, hex_salt in line.salts.items():
        try:
            s = bytes.fromhex(hex_salt)
            digests[path] = digest(s, document if path == WHOLE else pointer_get(document, path))
        except (KeyError, IndexError, ValueError):
            problems.append(f"line {number}: cannot check the secret at {path!r}")
    return chained_form(document, digests), problems


def verify(lines: list[TranscriptLine]) -> Verification:
    """Check the hash chain of any copy; replay a complete one. Report every problem found."""

    problems: list[str] = []
    previous = GENESIS
    chain_ok = True
    withheld = 0
    for number, line in enumerate(lines, start=1):
        withheld += len(line.sealed)
        form, wrong = _chained(line, number)
        if wrong:
            problems.extend(wrong)
            chain_ok = False
        if form is not None and link(previous, form) != line.hash:
            if chain_ok:
                problems.append(f"line {number}: hash does not match the chain")
            chain_ok = False
        previous = line.hash
    complete = withheld == 0
    replay_ok: bool | None = None
    scores: list[SeatScore] = []
    if complete:
        events = [line.event for line in lines if line.event is not None]
        replay_ok = True
        try:
            room = replay(events)
        except (ValueError, AccordError) as exc:
            problems.append(f"replay refused an input: {exc}")
            replay_ok = False
        else:
            for recorded, produced in zip(events, room.log, strict=False):
                if canonical(recorded) != canonical(produced):
                    problems.append(
                        f"seq {recorded.seq}: replay produced a different "
                        f"{type(produced).__name__} than the recorded {type(recorded).__name__}"
                    )
                    replay_ok = False
                    break
            if replay_ok and len(room.log) != len(events):
                problems.append(
                    f"replay produced {len(room.log)} events, transcript has {len(events)}"
                )
                replay_ok = False
            if replay_ok and isinstance(room.concluded, TalksConcluded):
                scores = room.concluded.scores
    return Verification(
        ok=chain_ok and replay_ok is not False and bool(lines),
        events=len(lines),
        chain_ok=chain_ok,
        replay_ok=replay_ok,
        complete=complete,
        withheld=withheld,
        head=previous,
        problems=problems if lines else ["the transcript is empty"],
        scores=scores,
    )
