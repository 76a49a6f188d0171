"""The one tree of accord errors.

Every error a client can cause is a subclass of :class:`AccordError` with a
stable ``code``. They are turned into wire ``error`` messages in exactly one
place (:func:`accord.protocol.codec.error_message`), so tracebacks never reach a
client and codes stay stable for bot authors.
"""

from __future__ import annotations


class AccordError(Exception):
    """Base of every error accord reports to a user."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- protocol: the frame could not be turned into a typed message -----------


class ProtocolError(AccordError):
    """A frame that is not a valid message (the base of the codes below)."""

    code = "protocol_error"


class BadJson(ProtocolError):
    """The frame is not valid JSON."""

    code = "bad_json"


class UnknownType(ProtocolError):
    """The `type` tag names no message of this direction."""

    code = "unknown_type"


class InvalidMessage(ProtocolError):
    """A known message with missing, unknown or mistyped fields."""

    code = "invalid_message"


class FrameTooLarge(ProtocolError):
    """The frame exceeds the size limit."""

    code = "frame_too_large"


class HelloRequired(ProtocolError):
    """The first frame of a connection must be ``hello``."""

    code = "hello_required"


class AlreadyWelcomed(ProtocolError):
    """``hello`` was already accepted on this connection."""

    code = "already_welcomed"


class RoomRequired(ProtocolError):
    """This connection sits in several rooms (or none): name the ``room``."""

    code = "room_required"


class RateLimited(ProtocolError):
    """Too many messages; this one was dropped."""

    code = "rate_limited"


class InvalidRequest(ProtocolError):
    """An HTTP request body that is not valid JSON of the expected shape."""

    code = "invalid_request"


class UnsupportedVersion(ProtocolError):
    """The `hello` names a protocol version this server does not speak."""

    code = "unsupported_version"


# --- scenario files ----------------------------------------------------------


class ScenarioError(AccordError):
    """A scenario file that cannot be loaded; names the file and the field."""

    code = "invalid_scenario"

    def __init__(self, problem: str, *, file: str = "<scenario>", path: str = "$") -> None:
        super().__init__(f"{file}: {path}: {problem}")
        self.file = file
        self.path = path
        self.problem = problem


class UnknownScenario(ScenarioError):
    """No bundled scenario or file by that name."""

    code = "unknown_scenario"


class ScenarioTooLarge(ScenarioError):
    """The scenario is valid, but some frame of its talks would exceed the server's frame limit."""

    code = "scenario_too_large"


class TournamentError(AccordError):
    """A tournament file that cannot be used; names the file and the field."""

    code = "invalid_tournament"

    def __init__(self, problem: str, *, file: str = "<tournament>", path: str = "$") -> None:
        super().__init__(f"{file}: {path}: {problem}")
        self.file = file
        self.path = path
        self.problem = problem


# --- rules: a well-formed command the room does not accept -------------------


class RuleViolation(AccordError):
    """A typed command the rules of the room reject; the room is unchanged."""

    code = "rule_violation"


class WrongPhase(RuleViolation):
    """The command is not allowed in the room's current phase."""

    code = "wrong_phase"


class NotSeated(RuleViolation):
    """The seat has not joined the room."""

    code = "not_seated"


class UnknownSeat(RuleViolation):
    """No seat by that id in this room."""

    code = "unknown_seat"


class NotYourSeat(RuleViolation):
    """The command names a seat other than the connection's own."""

    code = "not_your_seat"


class SeatTaken(RuleViolation):
    """Another connection already holds this seat."""

    code = "seat_taken"


class NotOrganizer(RuleViolation):
    """Only the organizer may do this."""

    code = "not_organizer"


class UnknownPackage(RuleViolation):
    """No package by that id in the current round."""

    code = "unknown_package"


class NotYourPackage(RuleViolation):
    """Only the seat that tabled a package may withdraw it."""

    code = "not_your_package"


class PackageWithdrawn(RuleViolation):
    """The package was withdrawn."""

    code = "package_withdrawn"


class UnknownIssue(RuleViolation):
    """The package names an issue that is not on the agenda."""

    code = "unknown_issue"


class UnknownOption(RuleViolation):
    """The package names an option the issue does not have."""

    code = "unknown_option"


class IncompletePackage(RuleViolation):
    """The package lacks an option for some issue."""

    code = "incomplete_package"


class TablingLimit(RuleViolation):
    """The seat has tabled as many packages as a round allows."""

    code = "tabling_limit"


class AlreadyPassed(RuleViolation):
    """The seat has already passed in this phase."""

    code = "already_passed"


class AlreadyVoted(RuleViolation):
    """The seat has already voted on (or vetoed) this package."""

    code = "already_voted"


class NotVetoHolder(RuleViolation):
    """The seat holds no veto."""

    code = "not_veto_holder"


class VetoesDisabled(RuleViolation):
    """Vetoes do not apply in this room."""

    code = "vetoes_disabled"


class StatementTooLong(RuleViolation):
    """The statement exceeds the room's length limit."""

    code = "statement_too_long"


class EmptyStatement(RuleViolation):
    """The statement has no text."""

    code = "empty_statement"


class BadNote(RuleViolation):
    """The note is empty, too long, has too many or too long data entries, or a
    number that is not finite."""

    code = "bad_note"


class NoteLimit(RuleViolation):
    """The seat has made as many notes as a talk allows."""

    code = "note_limit"


class BadRecipients(RuleViolation):
    """A private statement needs recipients other than the speaker."""

    code = "bad_recipients"


class AlreadyActed(RuleViolation):
    """The seat has already acted in this period."""

    code = "already_acted"


class SelfChallenge(RuleViolation):
    """A seat cannot challenge itself."""

    code = "self_challenge"


class ChallengeQuota(RuleViolation):
    """The seat has used its challenges for this period."""

    code = "challenge_quota"


class RoomConcluded(RuleViolation):
    """The talks are over."""

    code = "room_concluded"


# --- access -------------------------------------------------------------------


class AccessError(AccordError):
    """A credential or resource problem (the base of the codes below)."""

    code = "access_error"


class Forbidden(AccessError):
    """The credential is valid but does not allow this."""

    code = "forbidden"


class TokenRequired(AccessError):
    """This needs a credential and none was given."""

    code = "token_required"


class BadToken(AccessError):
    """The token is unknown or does not fit this room."""

    code = "bad_token"


class UnknownRoom(AccessError):
    """No such room, or not one this connection is in."""

    code = "unknown_room"


class NotFound(AccessError):
    """No such resource."""

    code = "not_found"


class SeatInUse(AccessError):
    """Another live connection holds this seat."""

    code = "seat_in_use"


class TooManyRooms(AccessError):
    """The bot entry already sits in as many rooms as allowed."""

    code = "too_many_rooms"


class RoomFailed(AccessError):
    """The room could not be rebuilt from its stored events; the reason says why."""

    code = "room_failed"


class RoomExpired(AccessError):
    """The room was closed before its talks started (its lobby stayed idle too long)."""

    code = "room_expired"


class InternalError(AccordError):
    """The server could not complete the command; nothing was applied."""

    code = "internal_error"


def all_codes() -> dict[str, type[AccordError]]:
    """Every error code with the class that raises it (for docs and tests)."""

    found: dict[str, type[AccordError]] = {}
    pending: list[type[AccordError]] = [AccordError]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return dict(sorted(found.items()))
