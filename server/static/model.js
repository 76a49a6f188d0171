// A room as the page knows it: the fold of the events the viewer receives,
// from talks_opened on (the protocol sends events, and a client keeps its own
// state). Events arrive once each in seq order; a repeat (after a resume) is
// ignored.

import { describe } from './narrate.js';

export class RoomModel {
  constructor(room) {
    this.room = room;
    this.lastSeq = 0;
    this.scenario = null;
    this.seed = null;
    this.seats = new Map(); // id → {id, name, weight, veto, seated}
    this.phase = 'lobby';
    this.round = 0;
    this.period = 0;
    this.deadline = null;
    this.started = null; // the talks_started event
    this.packages = []; // every package tabled, all rounds, in order
    this.ballots = new Map(); // round → ballot_result
    this.roundsEnded = new Map(); // round → round_ended
    this.adopted = null; // the package_adopted event
    this.statements = [];
    this.notes = []; // note_made events: a bot's private notebook (its seat and the organizer)
    this.periods = new Map(); // period → {actions, challenges, sanctions, timeouts}
    this.passes = []; // passed events: {seat, phase, round, period}
    this.timeouts = [];
    this.concluded = null;
    this.noAgreement = null;
    this.hidden = 0; // events this viewer was not shown (gaps in seq)
    this.timeline = []; // {seq, at, text, type} or {hidden: n}
  }

  /** Fold one event; false if it was seen already. */
  apply(event) {
    if (event.seq <= this.lastSeq) return false;
    const gap = event.seq - this.lastSeq - 1;
    if (gap > 0 && this.scenario) {
      // the number and timing of private events are public, their content is not
      this.hidden += gap;
      this.timeline.push({ seq: event.seq - 1, hidden: gap });
    }
    this.lastSeq = event.seq;
    const handler = this[`on_${event.type}`];
    if (handler) handler.call(this, event);
    if (this.scenario) {
      const text = describe(event, this.scenario);
      if (text) this.timeline.push({ seq: event.seq, at: event.at, text, type: event.type, event });
    }
    return true;
  }

  package(id) {
    return this.packages.find((p) => p.package_id === id);
  }

  /** Packages on the table in the current round (withdrawn ones excluded). */
  current() {
    return this.packages.filter((p) => p.round === this.round && !p.withdrawn);
  }

  /** Every package tabled in a round, withdrawn ones too. */
  ofRound(round) {
    return this.packages.filter((p) => p.round === round);
  }

  periodOf(n) {
    if (!this.periods.has(n)) {
      this.periods.set(n, { period: n, actions: {}, challenges: [], sanctions: [], timeouts: [] });
    }
    return this.periods.get(n);
  }

  delegation(seat) {
    return this.scenario ? this.scenario.delegations.find((d) => d.id === seat) : null;
  }

  /** A seat's display name (its id when unknown). */
  name(seat) {
    const d = this.delegation(seat);
    return d ? d.name : seat;
  }

  /** Whether `seat` has passed in the current phase (tabling or verification). */
  hasPassed(seat) {
    return this.passes.some(
      (p) =>
        p.seat === seat &&
        p.phase === this.phase &&
        (this.phase === 'tabling' ? p.round === this.round : p.period === this.period),
    );
  }

  /** Seats `seat` has challenged in the current period. */
  challengesBy(seat) {
    const period = this.periods.get(this.period);
    return period ? period.challenges.filter((c) => c.seat === seat) : [];
  }

  // --- one method per event type ---------------------------------------------------

  on_talks_opened(e) {
    this.scenario = e.scenario;
    this.seed = e.seed;
    for (const d of e.scenario.delegations) {
      this.seats.set(d.id, { id: d.id, name: d.name, weight: d.weight, veto: d.veto, seated: false });
    }
  }

  on_seat_taken(e) {
    const seat = this.seats.get(e.seat);
    if (seat) seat.seated = true;
  }

  on_talks_started(e) {
    this.started = e;
  }

  on_phase_started(e) {
    this.phase = e.phase;
    this.round = e.round;
    this.period = e.period;
    this.deadline = e.deadline;
    if (e.phase === 'action') this.periodOf(e.period);
  }

  on_deadline_passed() {
    this.deadline = null;
  }

  on_proposal_tabled(e) {
    this.packages.push({
      package_id: e.package_id,
      seat: e.seat,
      round: e.round,
      package: e.package,
      withdrawn: false,
      votes: {}, // seat → vote, or null when only the fact of voting is shown
      vetoes: [],
      result: null,
      seq: e.seq,
    });
  }

  on_proposal_withdrawn(e) {
    const p = this.package(e.package_id);
    if (p) p.withdrawn = true;
  }

  on_passed(e) {
    this.passes.push({ seat: e.seat, phase: e.phase, round: this.round, period: this.period });
  }

  on_vote_cast(e) {
    const p = this.package(e.package_id);
    if (p) p.votes[e.seat] = e.vote;
  }

  on_veto_cast(e) {
    const p = this.package(e.package_id);
    if (p) p.vetoes.push(e.seat);
  }

  on_timeout(e) {
    this.timeouts.push(e);
    if (e.phase === 'action' || e.phase === 'verification') this.periodOf(e.period).timeouts.push(e);
  }

  on_ballot_result(e) {
    this.ballots.set(e.round, e);
    for (const r of e.results) {
      const p = this.package(r.package_id);
      if (p) p.result = r;
    }
  }

  on_package_adopted(e) {
    this.adopted = e;
  }

  on_round_ended(e) {
    this.roundsEnded.set(e.round, e);
  }

  on_no_agreement(e) {
    this.noAgreement = e;
  }

  on_statement_made(e) {
    this.statements.push(e);
  }

  on_note_made(e) {
    this.notes.push({ ...e, where: this.where() });
  }

  /** Where in the talks the room is now, in words (for a note's place). */
  where() {
    if (this.phase === 'tabling' || this.phase === 'ballot') return `round ${this.round}, ${this.phase}`;
    if (this.phase === 'action' || this.phase === 'verification') return `period ${this.period}, ${this.phase}`;
    return this.phase === 'lobby' ? 'before the talks began' : this.phase;
  }

  on_action_taken(e) {
    this.periodOf(e.period).actions[e.seat] = e.choice;
  }

  on_challenge_result(e) {
    this.periodOf(e.period).challenges.push(e);
  }

  on_sanction_imposed(e) {
    this.periodOf(e.period).sanctions.push(e);
  }

  on_talks_concluded(e) {
    this.concluded = e;
    this.phase = 'concluded';
    this.deadline = null;
  }
}

/** A seat's utility of a package from its brief (weights × values, agenda order). */
export function utility(scenario, brief, pkg) {
  let u = 0;
  for (const issue of scenario.issues) {
    const option = pkg[issue.id];
    if (option === undefined || option === '') continue;
    const k = issue.options.indexOf(option);
    if (k < 0) continue;
    u += brief.weights[issue.id] * brief.values[issue.id][k];
  }
  return u;
}

/** The package a brief values most: each issue's best option. */
export function bestPackage(scenario, brief) {
  const pkg = {};
  for (const issue of scenario.issues) {
    const values = brief.values[issue.id];
    let best = 0;
    for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
    pkg[issue.id] = issue.options[best];
  }
  return pkg;
}
