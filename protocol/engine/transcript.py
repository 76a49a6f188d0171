"""Transcripts: the full event log of a room as JSON lines, and their verification.

Each line is ``{"hash": ..., "event": {...}}``. The first event,
``talks_opened``, carries the scenario and the seed, so a transcript is
self-contained: :func:`verify` recomputes the hash chain, then replays every
input event (tabling, votes, statements, actions, challenges, deadlines)
through a fresh :class:`~protocol.engine.room.Room` and checks that it
produces exactly the recorded events and scores.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from protocol.codec import canonical, encode
from protocol.commands import Act, CastVeto, CastVote, Challenge, Pass, Propose, Say, Withdraw
from protocol.engine.chain import GENESIS, link
from protocol.engine.room import Room
from protocol.errors import AccordError
from protocol.events import (
    ActionTaken,
    ChallengeResult,
    DeadlinePassed,
    Event,
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


class TranscriptLine(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One line of a transcript: an event and the chain hash that ends with it."""

    hash: str
    event: Event


_line_decoder = msgspec.json.Decoder(TranscriptLine)


class Verification(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of verifying a transcript."""

    ok: bool
    events: int
    chain_ok: bool
    replay_ok: bool
    head: str
    problems: list[str]
    scores: list[SeatScore] = []


def export(room: Room) -> bytes:
    """The room's full log as transcript JSON lines."""

    return b"".join(
        encode(TranscriptLine(hash=h, event=e)) + b"\n"
        for e, h in zip(room.log, room.chain.hashes, strict=True)
    )


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
    room = Room(first.scenario, room_id=first.room, seed=first.seed, now=first.at)
    for event in events[1:]:
        now = event.at
        match event:
            case SeatTaken(seat=seat):
                room.join(seat, now=now)
            case TalksStarted(by="organizer"):
                room.start(now=now)
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
            case ActionTaken(seat=seat, choice=choice):
                room.handle(seat, Act(choice=choice), now=now)
            case ChallengeResult(seat=seat, target=target):
                room.handle(seat, Challenge(target=target), now=now)
            case _:
                pass  # derived events: the room produces them itself
        if len(room.log) > len(events):
            break
    return room


def verify(lines: list[TranscriptLine]) -> Verification:
    """Check the hash chain and replay the talk; report every problem found."""

    problems: list[str] = []
    previous = GENESIS
    chain_ok = True
    for n, line in enumerate(lines):
        if line.event.seq != n + 1:
            problems.append(f"line {n + 1}: seq {line.event.seq}, expected {n + 1}")
            chain_ok = False
        expected = link(previous, line.event)
        if expected != line.hash:
            if chain_ok:
                problems.append(f"seq {line.event.seq}: hash does not match the chain")
            chain_ok = False
        previous = line.hash
    events = [line.event for line in lines]
    replay_ok = True
    scores: list[SeatScore] = []
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
            problems.append(f"replay produced {len(room.log)} events, transcript has {len(events)}")
            replay_ok = False
        if replay_ok and isinstance(room.concluded, TalksConcluded):
            scores = room.concluded.scores
    return Verification(
        ok=chain_ok and replay_ok,
        events=len(events),
        chain_ok=chain_ok,
        replay_ok=replay_ok,
        head=previous,
        problems=problems,
        scores=scores,
    )
