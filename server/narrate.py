"""Readable one-line descriptions of room events, for terminals and logs."""

from __future__ import annotations

from accord.protocol.events import (
    ActionTaken,
    BallotResult,
    ChallengeResult,
    DeadlinePassed,
    Event,
    NoAgreement,
    NoteMade,
    PackageAdopted,
    PackageResult,
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
from accord.protocol.scenario.model import Scenario


def package_text(scenario: Scenario, package: dict[str, str]) -> str:
    return ", ".join(f"{i.title}: {i.label(package[i.id])}" for i in scenario.issues)


def _num(x: float) -> str:
    # 0.6 × 15 is 9.000000000000002 in floating point; print it as 9
    return f"{round(x, 6):g}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def total_weight(scenario: Scenario) -> float:
    return sum(d.weight for d in scenario.delegations)


def veto_holders(scenario: Scenario) -> list[str]:
    """Seats whose veto applies in this scenario (none when ``rules.vetoes`` is false)."""

    if not scenario.rules.vetoes:
        return []
    return [d.id for d in scenario.delegations if d.veto]


def rule_text(scenario: Scenario) -> str:
    """The decision rule in words, e.g. ``qualified majority: yes votes must weigh at
    least 9 of the total 15 (quorum 9), and no veto``."""

    rules = scenario.rules
    seats = len(scenario.delegations)
    if rules.decision == "unanimity":
        text = "unanimity: every seat must vote yes"
        if rules.all_but:
            text = f"unanimity: at least {seats - rules.all_but} of the {seats} seats must vote yes"
    elif rules.decision == "consensus":
        text = "consensus: at least one yes and no seat voting no (abstaining does not block)"
        if rules.all_but:
            text = (
                f"consensus: at least one yes and at most {_plural(rules.all_but, 'seat')} voting no"
                " (abstaining does not block)"
            )
    else:
        total = total_weight(scenario)
        text = (
            f"qualified majority: yes votes must weigh at least "
            f"{_num(rules.threshold * total)} of the total {_num(total)}"
        )
        if rules.quorum > 0:
            text += f" (quorum {_num(rules.quorum * total)})"
    if rules.required:
        text += f"; {', '.join(rules.required)} must vote yes"
    if veto_holders(scenario):
        text += ", and no veto"
    return text


def _tally_text(r: PackageResult, scenario: Scenario) -> str:
    t = r.tally
    timed_out = f"{t.timeouts} timed out" if t.timeouts else ""
    if scenario.rules.decision != "qualified":
        # weights play no part under unanimity or consensus: counts say it all
        return (
            f"yes {_plural(t.yes, 'seat')}, no {_plural(t.no, 'seat')}, "
            f"abstain {_plural(t.abstain, 'seat')}" + (f" ({timed_out})" if timed_out else "")
        )
    total = _num(total_weight(scenario))
    abstain = f"abstain {_plural(t.abstain, 'seat')}"
    if t.abstain:
        abstain += f" (weight {_num(t.abstain_weight)}" + (f", {timed_out})" if timed_out else ")")
    return (
        f"yes {_plural(t.yes, 'seat')} (weight {_num(t.yes_weight)} of {total}), "
        f"no {_plural(t.no, 'seat')} (weight {_num(t.no_weight)}), {abstain}"
    )


def _verdict(r: PackageResult, scenario: Scenario) -> str:
    """``passes`` or ``fails``/``vetoed`` with the reason, in words."""

    rules = scenario.rules
    t = r.tally
    if r.passed:
        return "passes" + _no_veto_note(r, scenario)
    if r.vetoed_by:
        return f"VETOED by {', '.join(r.vetoed_by)}"
    if r.votes is not None:
        missing = [s for s in rules.required if r.votes.get(s) != "yes"]
        if missing:
            return f"fails: {', '.join(missing)} must vote yes and did not"
    if t.yes == 0:
        return "fails: nobody voted yes"
    seats = len(scenario.delegations)
    if rules.decision == "unanimity":
        return f"fails: {_plural(seats - t.yes, 'seat')} did not vote yes"
    if rules.decision == "consensus":
        return f"fails: {_plural(t.no, 'seat')} voted no"
    total = total_weight(scenario)
    need = rules.threshold * total
    if t.yes_weight + 1e-9 < need:
        return f"fails: yes weight {_num(t.yes_weight)} is short of {_num(need)}"
    present = total - t.timeout_weight
    if present + 1e-9 < rules.quorum * total:
        return (
            f"fails: no quorum (weight {_num(present)} voted, {_num(rules.quorum * total)} needed)"
        )
    return "fails"


def _no_veto_note(r: PackageResult, scenario: Scenario) -> str:
    """Why a package can pass over veto holders' "no": a veto is a separate, explicit act."""

    holders = veto_holders(scenario)
    if not holders or r.tally.no == 0:
        return ""
    if r.votes is None:  # secret ballot: who voted no is not known
        return " (a 'no' is not a veto, and no veto was cast)"
    against = [seat for seat in holders if r.votes.get(seat) == "no"]
    if not against:
        return ""
    return f" (a 'no' is not a veto: {', '.join(against)} voted no but cast no veto)"


def describe(event: Event, scenario: Scenario, *, scores: bool = True) -> str | None:
    """A short description of ``event`` (one line; a ballot result gets one line
    per package), or None for events too small to mention. ``scores=False``
    leaves the scores out of the conclusion, for callers that print them apart.
    """

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
        case BallotResult(results=results, secret=secret, round=r):
            label = "Secret ballot" if secret else "Ballot"
            width = max((len(p.package_id) for p in results), default=0)
            lines = [f"{label}, round {r}, decided by {rule_text(scenario)}."]
            lines += [
                f"  {p.package_id:<{width}}  {_tally_text(p, scenario)} — {_verdict(p, scenario)}"
                for p in results
            ]
            return "\n".join(lines)
        case PackageAdopted(package_id=pid, package=package, yes_weight=w, detection=p, sanction=s):
            # several packages may pass; say why this one is the one adopted
            return (
                f"ADOPTED {pid} (the passing package with the largest yes weight, {_num(w)}; "
                f"ties go to the earliest tabled): "
                f"{package_text(scenario, package)} "
                f"(inspection detects {p:.0%}, sanction {s:g})"
            )
        case NoAgreement(rounds=rounds):
            return f"No agreement after {rounds} rounds."
        case StatementMade(seat=seat, text=text, to=to):
            where = f" to {', '.join(to)}" if to else ""
            return f"{seat}{where}: “{text}”"
        case NoteMade(seat=seat, text=text, kind=kind):
            # a failure's text is a traceback: its last line names the error
            first = text.strip().splitlines() or [""]
            if kind == "failure":
                return f"{seat}'s bot failed (private): {first[-1]}"
            return f"{seat} notes (private): {first[0]}"
        case ActionTaken(seat=seat, choice=choice):
            return f"{seat} chooses to {choice} (hidden)."
        case ChallengeResult(seat=seat, target=target, detected=detected):
            return f"{seat} inspects {target}: {'VIOLATION DETECTED' if detected else 'nothing found'}."
        case SanctionImposed(seat=seat, amount=amount):
            return f"{seat} is sanctioned {amount:g}."
        case TalksConcluded(outcome=outcome, package_id=pid, rounds=rounds, scores=seat_scores):
            what = f"agreement on {pid}" if outcome == "agreement" else "no agreement"
            line = f"Talks concluded: {what} after {_plural(rounds, 'round')}."
            if scores:
                rows = "; ".join(
                    f"{s.seat} {s.raw:+.3f} (norm {s.normalised:.2f})" for s in seat_scores
                )
                line += f" Scores: {rows}"
            return line
    return None
