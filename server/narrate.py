"""Readable one-line descriptions of room events, for terminals and logs."""

from __future__ import annotations

from protocol.events import (
    ActionTaken,
    BallotResult,
    ChallengeResult,
    DeadlinePassed,
    Event,
    NoAgreement,
    PackageAdopted,
    Passed,
    PhaseStarted,
    ProposalTabled,
    ProposalWithdrawn,
    SanctionImposed,
    SeatTaken,
    StatementMade,
    TalksConcluded,
    TalksOpened,
    TalksStarted,
    Timeout,
    VetoCast,
    VoteCast,
)
from protocol.scenario.model import Scenario


def package_text(scenario: Scenario, package: dict[str, str]) -> str:
    return ", ".join(f"{i.title}: {i.label(package[i.id])}" for i in scenario.issues)


def describe(event: Event, scenario: Scenario) -> str | None:
    """One line for ``event``, or None for events too small to mention."""

    match event:
        case TalksOpened(scenario=s):
            seats = ", ".join(
                f"{d.name} (weight {d.weight:g}{', veto' if d.veto else ''})" for d in s.delegations
            )
            return f"Talks open: {s.title}. At the table: {seats}."
        case SeatTaken(seat=seat):
            return f"{seat} takes its seat."
        case TalksStarted(by=by, absent=absent):
            extra = f" ({', '.join(absent)} absent)" if absent else ""
            return f"The talks begin ({by.replace('_', ' ')}){extra}."
        case PhaseStarted(phase="tabling", round=r):
            return f"— Round {r}: tabling —"
        case PhaseStarted(phase="ballot", round=r):
            return f"— Round {r}: ballot —"
        case PhaseStarted(phase="action", period=p):
            return f"— Implementation period {p}: comply or defect —"
        case PhaseStarted(phase="verification", period=p):
            return f"— Period {p}: verification —"
        case DeadlinePassed(phase=phase):
            return f"The {phase} deadline passes."
        case ProposalTabled(seat=seat, package_id=pid, package=package):
            return f"{seat} tables {pid}: {package_text(scenario, package)}"
        case ProposalWithdrawn(seat=seat, package_id=pid):
            return f"{seat} withdraws {pid}."
        case Passed(seat=seat, phase=phase):
            return f"{seat} passes." if phase == "tabling" else None
        case VoteCast():
            return None
        case VetoCast(seat=seat, package_id=pid):
            return f"{seat} VETOES {pid}."
        case Timeout(seat=seat, default=default):
            return f"{seat} misses the deadline ({default})."
        case BallotResult(results=results, secret=secret):
            lines = []
            for r in results:
                t = r.tally
                verdict = "passes" if r.passed else ("vetoed" if r.vetoed_by else "fails")
                lines.append(
                    f"{r.package_id}: yes {t.yes} ({t.yes_weight:g}), no {t.no} ({t.no_weight:g}), "
                    f"abstain {t.abstain} — {verdict}"
                )
            label = "Secret ballot" if secret else "Ballot"
            return f"{label}: " + "; ".join(lines)
        case PackageAdopted(package_id=pid, package=package, detection=p, sanction=s):
            return (
                f"ADOPTED {pid}: {package_text(scenario, package)} "
                f"(inspection detects {p:.0%}, sanction {s:g})"
            )
        case NoAgreement(rounds=rounds):
            return f"No agreement after {rounds} rounds."
        case StatementMade(seat=seat, text=text, to=to):
            where = f" to {', '.join(to)}" if to else ""
            return f"{seat}{where}: “{text}”"
        case ActionTaken(seat=seat, choice=choice):
            return f"{seat} chooses to {choice} (hidden)."
        case ChallengeResult(seat=seat, target=target, detected=detected):
            return f"{seat} inspects {target}: {'VIOLATION DETECTED' if detected else 'nothing found'}."
        case SanctionImposed(seat=seat, amount=amount):
            return f"{seat} is sanctioned {amount:g}."
        case TalksConcluded(outcome=outcome, scores=scores):
            rows = "; ".join(f"{s.seat} {s.raw:+.3f} (norm {s.normalised:.2f})" for s in scores)
            return f"Talks concluded ({outcome.replace('_', ' ')}). Scores: {rows}"
    return None
