"""The seat's state and its events in words, for both front ends.

Pure functions of a :class:`~accord.bots.seat_view.SeatState`: the full-screen
client puts their lines in panes, ``--plain`` prints them. Events are told by
:func:`accord.server.narrate.describe`, with what only this seat knows added
(the utility of a package for it, its own vote and action, its score).
"""

from __future__ import annotations

from collections.abc import Mapping

from accord.bots.seat_view import PackageLine, SeatLine, SeatState
from accord.protocol.events import (
    ActionTaken,
    Event,
    PackageAdopted,
    PhaseStarted,
    ProposalTabled,
    TalksConcluded,
    VoteCast,
)
from accord.protocol.replies import Ack
from accord.protocol.scenario.model import Scenario
from accord.server.narrate import describe, rule_text
from accord.terminal.commands import explain, options
from accord.terminal.connection import Sent

STATUS = {
    "connecting": "connecting…",
    "connected": "connected",
    "reconnecting": "reconnecting…",
    "closed": "disconnected",
}


def utility_text(u: float | None) -> str:
    """A utility with two decimals (``?`` while the brief is unknown)."""

    return "?" if u is None else f"{u:.2f}"


def _num(x: float) -> str:
    return f"{round(x, 6):g}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def seconds(left: float) -> str:
    """A countdown: ``14 s``, ``2:05``."""

    left = int(left + 0.999)  # 0.2 s left still reads "1 s", not "0 s"
    return f"{left // 60}:{left % 60:02d}" if left >= 60 else f"{left} s"


# --- panes -------------------------------------------------------------------------------


def brief_lines(state: SeatState) -> list[str]:
    """Who this seat is and its private brief: weights, values, reservation, veto."""

    brief, scenario = state.brief, state.scenario
    if brief is None:
        return ["(the brief arrives with the welcome)"]
    lines = []
    if scenario is not None and state.seat is not None:
        me = scenario.delegation(state.seat)
        veto = "holds a veto" if state.holds_veto else "no veto"
        lines.append(f"You are {me.id} — {me.name} (weight {_num(me.weight)}, {veto})")
    lines.append(f"Reservation: {brief.reservation:.2f} (what no agreement is worth to you)")
    for issue_id, weight in brief.weights.items():
        values = brief.values[issue_id]
        if scenario is not None:
            issue = scenario.issue(issue_id)
            worth = " · ".join(
                f"{issue.label(o)} {v:.2f}" for o, v in zip(issue.options, values, strict=True)
            )
            lines.append(f"{issue.title} (weight {weight:.2f}): {worth}")
        else:
            lines.append(
                f"{issue_id} (weight {weight:.2f}): {', '.join(f'{v:.2f}' for v in values)}"
            )
    if scenario is not None:
        impl = scenario.implementation
        terms = None if impl is None or state.seat is None else impl.parties.get(state.seat)
        if terms is not None:
            lines.append(
                f"Each period: complying costs you {_num(terms.comply_cost)}, defecting gains"
                f" {_num(terms.defect_gain)} and harms the others {_num(terms.harm)}"
            )
    if brief.notes:
        lines.append(f"Notes: {brief.notes.strip()}")
    return lines


def agenda_lines(state: SeatState) -> list[str]:
    """The issues with their options (id = label), the decision rule and the rounds."""

    scenario = state.scenario
    if scenario is None:
        return ["(the agenda arrives when the talks open)"]
    lines = [scenario.title]
    for issue in scenario.issues:
        kind = "" if issue.kind == "substance" else f" [{issue.kind}]"
        lines.append(f"{issue.id}{kind}: {issue.title} — {options(issue)}")
    rules = scenario.rules
    lines.append(f"Decided by {rule_text(scenario)}.")
    lines.append(
        f"At most {_plural(rules.max_rounds, 'round')},"
        f" {_plural(rules.proposals_per_round, 'package')} per seat per round,"
        f" {rules.ballot} ballot."
    )
    impl = scenario.implementation
    if impl is not None:
        lines.append(
            f"Then {_plural(impl.periods, 'implementation period')}; an inspection costs"
            f" {_num(impl.inspection_cost)}, {impl.challenge_quota} per seat per period."
        )
    lines.append("Seats: " + "; ".join(_seat_text(line, state) for line in state.seats))
    return lines


def _seat_text(line: SeatLine, state: SeatState) -> str:
    badges = [f"weight {_num(line.weight)}"] + (["veto"] if line.veto else [])
    if line.id == state.seat:
        badges.append("you")
    elif not line.seated:
        badges.append("not seated")
    return f"{line.id} ({', '.join(badges)})"


def statement_lines(state: SeatState) -> list[str]:
    """Every statement this seat heard, private ones marked with their addressees."""

    said = state.statements
    if not said:
        return ["(none yet: say TEXT, or say @SEAT TEXT in private)"]
    return [f"{s.seat}{_addressees(s.to)}: “{s.text}”" for s in said]


def _addressees(to: tuple[str, ...] | None) -> str:
    return f" → {', '.join(to)} (private)" if to else ""


def state_lines(state: SeatState, now: float, status: str) -> list[str]:
    """Connection, phase, round or period, countdown, what to do, adoption, scores."""

    scenario = state.scenario
    over = state.concluded is not None and status == "closed"
    lines = [f"Connection: {'closed (the talks are over)' if over else STATUS.get(status, status)}"]
    phase = state.phase
    if scenario is None:
        return lines
    where = f"Phase: {phase}"
    if phase in ("tabling", "ballot"):
        where += f" · round {state.round} of {scenario.rules.max_rounds}"
    elif phase in ("action", "verification") and scenario.implementation is not None:
        where += f" · period {state.period} of {scenario.implementation.periods}"
    left = state.remaining(now)
    if left is not None:
        where += f" · {seconds(left)} left"
    lines.append(where)
    if state.to_do:
        lines.append("Your move: " + "; ".join(state.to_do))
    elif phase not in ("lobby", "concluded"):
        lines.append("Waiting for the other seats.")
    adopted = state.adopted
    if adopted is not None:
        lines.append(
            f"Adopted {adopted.package_id}: utility for you"
            f" {utility_text(state.utility(adopted.package))}"
        )
    for period in state.periods:
        inspections = ", ".join(
            f"{c.seat}→{c.target} {'DETECTED' if c.detected else 'clean'}"
            for c in period.challenges
        )
        sanctions = ", ".join(f"{s.seat} −{_num(s.amount)}" for s in period.sanctions)
        lines.append(
            f"Period {period.period}: you {period.my_action or '—'}"
            + (f"; inspections: {inspections}" if inspections else "")
            + (f"; sanctions: {sanctions}" if sanctions else "")
        )
    lines += score_lines(state)
    return lines


def score_lines(state: SeatState) -> list[str]:
    """The final scores, this seat's with its breakdown."""

    concluded = state.concluded
    if concluded is None:
        return []
    what = (
        f"agreement on {concluded.package_id}"
        if concluded.outcome == "agreement"
        else "no agreement"
    )
    lines = [f"Concluded: {what}. Final scores:"]
    for s in concluded.scores:
        mark = "  ← you" if s.seat == state.seat else ""
        lines.append(f"  {s.seat:<8} {s.raw:+.3f}  (normalised {s.normalised:.2f}){mark}")
    mine = state.my_score
    if mine is not None:
        lines.append(
            f"Yours: utility {mine.utility:.3f} − compliance {mine.compliance_costs:.3f}"
            f" + defection gains {mine.defection_gains:.3f} − harm {mine.harm_suffered:.3f}"
            f" − sanctions {mine.sanctions:.3f} − inspections {mine.inspection_costs:.3f}"
            f" = {mine.raw:+.3f}"
        )
    return lines


def short_package(scenario: Scenario | None, package: Mapping[str, str]) -> str:
    """``cut=mid checks=full``: the form ``table`` takes."""

    if scenario is None:
        return " ".join(f"{issue}={option}" for issue, option in package.items())
    return " ".join(f"{i.id}={package[i.id]}" for i in scenario.issues if i.id in package)


def verdict_text(p: PackageLine, state: SeatState) -> str:
    """Where a package stands: withdrawn, who has voted, or the ballot's verdict."""

    if p.withdrawn:
        return "withdrawn"
    r = p.result
    if r is None:
        if state.phase == "ballot" and p.round == state.round:
            return f"{len(p.voted)} of {len(state.seats)} voted"
        return "tabled"
    if p.adopted:
        return "ADOPTED"
    if r.vetoed_by:
        return f"VETOED by {', '.join(r.vetoed_by)}"
    return "passed" if r.passed else "failed"


def count_text(p: PackageLine, state: SeatState) -> str:
    """The tally once the ballot closed: ``yes 2 no 1 abstain 0`` (with weights when
    the rule counts them), then each seat's vote in an open ballot."""

    r = p.result
    if r is None:
        return ""
    t = r.tally
    if state.scenario is not None and state.scenario.rules.decision == "qualified":
        text = (
            f"yes {t.yes} (weight {_num(t.yes_weight)}) no {t.no} (weight {_num(t.no_weight)})"
            f" abstain {t.abstain}"
        )
    else:
        text = f"yes {t.yes} no {t.no} abstain {t.abstain}"
    if r.votes is not None:
        text += " · " + ", ".join(f"{seat} {vote}" for seat, vote in r.votes.items())
    return text


def tally_text(p: PackageLine, state: SeatState) -> str:
    """The verdict and the tally of a package, on one line."""

    counts = count_text(p, state)
    return verdict_text(p, state) + (f": {counts}" if counts else "")


def package_line(p: PackageLine, state: SeatState) -> str:
    """One package on one line: id, who tabled it, options, utility, vote, tally."""

    mine = f" · you: {p.my_vote}" if p.my_vote else ""
    tally = tally_text(p, state)
    return (
        f"{p.package_id} by {p.seat}: {short_package(state.scenario, p.package)}"
        f" — utility for you {utility_text(p.utility)}{mine}" + (f" · {tally}" if tally else "")
    )


# --- events ----------------------------------------------------------------------------


def event_lines(event: Event, state: SeatState, now: float) -> list[str]:
    """``event`` in words, with what it means for this seat (empty: not worth a line)."""

    scenario = state.scenario
    if scenario is None:
        return []
    match event:
        case VoteCast(seat=seat, package_id=pid, vote=vote) if seat == state.seat:
            return [f"You vote {vote} on {pid}."]
        case ActionTaken(seat=seat, choice=choice) if seat == state.seat:
            return [f"You {choice} in period {event.period} (the others do not see it)."]
        case TalksConcluded():
            text = describe(event, scenario, scores=False)
            return ([text] if text else []) + score_lines(state)[1:]
    text = describe(event, scenario)
    if text is None:
        return []
    lines = text.split("\n")
    match event:
        case ProposalTabled(package=package) | PackageAdopted(package=package):
            lines[0] += f" — utility for you {utility_text(state.utility(package))}"
        case PhaseStarted(deadline=deadline):
            if event.phase == "ballot":
                lines.append("On the ballot:")
                lines += [f"  {package_line(p, state)}" for p in state.ballot]
            todo = state.to_do
            # a phase told again on resuming may be long over: no call to act then
            if todo and (deadline is None or deadline > now):
                closes = f" (closes in {seconds(deadline - now)})" if deadline else ""
                lines.append("Your move: " + "; ".join(todo) + closes)
    return lines


def answer_line(sent: Sent) -> str:
    """A command and the server's answer to it."""

    answer = sent.answer
    if answer is None:
        return f"… {sent.text}: sent"
    if isinstance(answer, Ack):
        return f"✓ {sent.text}: accepted"
    return f"✗ {sent.text}: {explain(answer)}"
