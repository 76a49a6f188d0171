"""The one tree of accord errors.

Every error a client can cause is a subclass of :class:`AccordError` with a
stable ``code``. They are turned into wire ``error`` messages in exactly one
place (:func:`protocol.codec.error_message`), so tracebacks never reach a
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
    """A frame that is not a valid message."""

    code = "invalid_message"


class BadJson(ProtocolError):
    code = "bad_json"


class UnknownType(ProtocolError):
    code = "unknown_type"


class InvalidMessage(ProtocolError):
    code = "invalid_message"


class FrameTooLarge(ProtocolError):
    code = "frame_too_large"


class UnsupportedVersion(ProtocolError):
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
    code = "unknown_scenario"


# --- rules: a well-formed command the room does not accept -------------------


class RuleViolation(AccordError):
    """A typed command the rules of the room reject; the room is unchanged."""

    code = "rule_violation"


class WrongPhase(RuleViolation):
    code = "wrong_phase"


class NotSeated(RuleViolation):
    code = "not_seated"


class UnknownSeat(RuleViolation):
    code = "unknown_seat"


class NotYourSeat(RuleViolation):
    code = "not_your_seat"


class SeatTaken(RuleViolation):
    code = "seat_taken"


class NotOrganizer(RuleViolation):
    code = "not_organizer"


class UnknownPackage(RuleViolation):
    code = "unknown_package"


class NotYourPackage(RuleViolation):
    code = "not_your_package"


class PackageWithdrawn(RuleViolation):
    code = "package_withdrawn"


class UnknownIssue(RuleViolation):
    code = "unknown_issue"


class UnknownOption(RuleViolation):
    code = "unknown_option"


class IncompletePackage(RuleViolation):
    code = "incomplete_package"


class TablingLimit(RuleViolation):
    code = "tabling_limit"


class AlreadyPassed(RuleViolation):
    code = "already_passed"


class AlreadyVoted(RuleViolation):
    code = "already_voted"


class NotVetoHolder(RuleViolation):
    code = "not_veto_holder"


class VetoesDisabled(RuleViolation):
    code = "vetoes_disabled"


class StatementTooLong(RuleViolation):
    code = "statement_too_long"


class EmptyStatement(RuleViolation):
    code = "empty_statement"


class BadRecipients(RuleViolation):
    code = "bad_recipients"


class AlreadyActed(RuleViolation):
    code = "already_acted"


class SelfChallenge(RuleViolation):
    code = "self_challenge"


class ChallengeQuota(RuleViolation):
    code = "challenge_quota"


class RoomConcluded(RuleViolation):
    code = "room_concluded"


# --- access -------------------------------------------------------------------


class AccessError(AccordError):
    code = "forbidden"


class BadToken(AccessError):
    code = "bad_token"


class NotAllowed(AccessError):
    code = "forbidden"


def all_codes() -> dict[str, type[AccordError]]:
    """Every error code with the class that raises it (for docs and tests)."""

    found: dict[str, type[AccordError]] = {}
    pending: list[type[AccordError]] = [AccordError]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return dict(sorted(found.items()))
