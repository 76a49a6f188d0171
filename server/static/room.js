// A room: live over /ws as a spectator, a seat (its token kept in this tab) or
// the organizer. The connection folds events into a RoomModel; the panels are
// drawn from it, each only when what it shows has changed.

import { credentials, getJSON } from './api.js';
import { Connection } from './connection.js';
import { duration, h, put, Sections } from './dom.js';
import { RoomModel } from './model.js';
import * as outcome from './outcome.js';
import * as packages from './packages.js';
import * as panels from './panels.js';
import * as pictures from './pictures.js';
import * as seat from './seat.js';

const EVENT_TYPES = new Set([
  'talks_opened', 'seat_taken', 'talks_started', 'phase_started', 'deadline_passed',
  'proposal_tabled', 'proposal_withdrawn', 'passed', 'vote_cast', 'veto_cast', 'timeout',
  'ballot_result', 'package_adopted', 'round_ended', 'no_agreement', 'statement_made',
  'note_made', 'action_taken', 'challenge_result', 'sanction_imposed', 'talks_concluded',
]);
const POLL_MS = 4000;

export function roomView(root, roomId) {
  const view = new RoomView(root, roomId);
  view.start();
  return view;
}

export class RoomView {
  constructor(root, roomId) {
    this.root = root;
    this.room = roomId;
    this.sections = new Sections();
    this.timers = [];
    this.stopped = false;
    this.picture = { mode: null, a: null, b: null };
  }

  start() {
    this.el = {};
    const el = this.el;
    for (const name of ['head', 'banner', 'seats', 'agenda', 'rules', 'desk', 'table', 'impl', 'outcome',
      'picture', 'history', 'statements', 'chat', 'notebook', 'timeline']) {
      el[name] = h('div', { class: `panel-slot slot-${name}` });
    }
    el.timelineList = h('ol', { class: 'timeline', id: 'timeline' });
    put(el.timeline, h('section', { class: 'card' },
      h('h2', {}, 'Timeline'),
      h('div', { class: 'scroller', id: 'timeline-scroller' }, el.timelineList)));
    put(this.root, h('div', { class: 'room', dataset: { room: this.room } },
      el.head, el.banner,
      h('div', { class: 'room-grid' },
        h('aside', { class: 'col-side' }, el.seats, el.agenda, el.rules),
        h('div', { class: 'col-main' }, el.outcome, el.desk, el.table, el.impl, el.picture, el.history),
        h('aside', { class: 'col-talk' }, el.statements, el.chat, el.notebook, el.timeline))));
    this.connect();
    this.timers.push(setInterval(() => this.tick(), 250));
    this.timers.push(setInterval(() => this.poll(), POLL_MS));
  }

  destroy() {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.drawTimer);
    clearTimeout(this.snapTimer);
    clearTimeout(this.analysisTimer);
    if (this.conn) this.conn.close();
  }

  /** The credential this tab holds for the room: its seat token, else the organizer's. */
  credential() {
    const seatToken = credentials.seat(this.room);
    if (seatToken) return { token: seatToken, kind: 'seat' };
    const organizer = credentials.organizer();
    if (organizer) return { token: organizer, kind: 'organizer' };
    return { token: null, kind: 'spectator' };
  }

  /** (Re)connect with the credential held now; the room is folded afresh. */
  connect() {
    if (this.conn) this.conn.close();
    this.model = new RoomModel(this.room);
    this.cred = this.credential();
    this.role = null;
    this.seat = null;
    this.brief = null;
    this.status = 'connecting';
    this.statusDetail = '';
    this.fatal = null;
    this.snapshot = null;
    this.analysis = null;
    this.head = null;
    this.errors = {};
    this.busy = {};
    this.drawnTimeline = 0;
    put(this.el.timelineList);
    // another credential sees other things: every panel is drawn afresh
    this.sections = new Sections();
    for (const name of ['desk', 'chat']) put(this.el[name]);
    seat.reset(this);
    this.conn = new Connection({
      room: this.room,
      token: this.cred.token,
      lastSeq: () => this.model.lastSeq,
      on: { message: (m) => this.onMessage(m), status: (s, d) => this.onStatus(s, d) },
    });
    this.conn.open();
    this.schedule();
  }

  onStatus(state, detail = '') {
    this.status = state;
    this.statusDetail = detail;
    if (state === 'refused') this.fatal = { message: detail, kind: this.cred.kind };
    if (state === 'live') {
      this.refreshAnalysis(0);
      this.refreshSnapshot(0);
    }
    this.schedule();
  }

  onMessage(msg) {
    if (msg.type === 'welcome') {
      this.role = msg.role;
      this.seat = msg.seat || null;
      this.brief = msg.brief || null;
      if (msg.role === 'seat' && msg.room !== this.room) {
        // a token of another room: say so rather than show that room under this address
        this.conn.close();
        this.role = null;
        this.status = 'refused';
        this.fatal = { message: `This seat token opens a seat in room ${msg.room}, not in this one.`,
          kind: 'seat', other: msg.room };
      }
    } else if (msg.type === 'error' && !msg.ref) {
      this.statusDetail = `${msg.message} (${msg.code})`;
    } else if (EVENT_TYPES.has(msg.type) && typeof msg.seq === 'number') {
      if (!this.model.apply(msg)) return;
      if (msg.type === 'phase_started') this.errors = {};
      if (msg.type === 'proposal_tabled' || msg.type === 'proposal_withdrawn' || msg.type === 'seat_taken') {
        this.refreshAnalysis(300);
      }
      if (msg.type === 'talks_concluded') this.fetchHead();
      this.refreshSnapshot(300);
    }
    this.schedule();
  }

  /** Send a seat command; its error (if any) is kept under `key`, shown by its control. */
  async send(key, command) {
    if (this.busy[key]) return null;
    delete this.errors[key];
    this.busy[key] = true;
    this.schedule();
    const answer = await this.conn.send(command);
    delete this.busy[key];
    if (answer.type === 'error') this.errors[key] = { code: answer.code, message: answer.message };
    this.schedule();
    return answer;
  }

  /** Forget this tab's seat token for the room and watch as a spectator (or organizer). */
  leaveSeat() {
    credentials.setSeat(this.room, null);
    this.connect();
  }

  takeSeat(token) {
    credentials.setSeat(this.room, token);
    this.connect();
  }

  schedule() {
    if (this.drawTimer || this.stopped) return;
    // timers, not animation frames: a page in a background tab keeps up too
    this.drawTimer = setTimeout(() => {
      this.drawTimer = null;
      if (!this.stopped) this.draw();
    }, 30);
  }

  draw() {
    // in the ballot the packages come first: they are what the seat acts on
    const room = this.root.querySelector('.room');
    room.classList.toggle('ballot-first', this.model.phase === 'ballot');
    room.classList.toggle('has-scenario', Boolean(this.model.scenario));
    panels.head(this, this.el.head);
    panels.banner(this, this.el.banner);
    if (!this.model.scenario) return;
    panels.seats(this, this.el.seats);
    panels.agenda(this, this.el.agenda);
    panels.rules(this, this.el.rules);
    seat.desk(this, this.el.desk);
    packages.table(this, this.el.table);
    outcome.implementation(this, this.el.impl);
    outcome.concluded(this, this.el.outcome);
    pictures.panel(this, this.el.picture);
    packages.history(this, this.el.history);
    panels.statements(this, this.el.statements);
    seat.chat(this, this.el.chat);
    panels.notebook(this, this.el.notebook);
    panels.timeline(this, this.el.timelineList);
    this.tick();
  }

  tick() {
    const el = this.root.querySelector('#countdown');
    if (!el) return;
    const deadline = this.model.deadline;
    if (deadline === null || deadline === undefined || !this.conn) {
      el.textContent = '';
      el.classList.remove('urgent');
      return;
    }
    const left = deadline - this.conn.now();
    el.textContent = duration(left);
    el.classList.toggle('urgent', left < 10);
  }

  poll() {
    if (this.model.concluded) return;
    this.refreshAnalysis(0);
  }

  refreshSnapshot(delay) {
    clearTimeout(this.snapTimer);
    this.snapTimer = setTimeout(async () => {
      try {
        this.snapshot = await getJSON(`/api/rooms/${encodeURIComponent(this.room)}`);
        this.schedule();
      } catch (err) {
        // the server may be restarting: the connection reports that
      }
    }, delay);
  }

  refreshAnalysis(delay) {
    clearTimeout(this.analysisTimer);
    this.analysisTimer = setTimeout(async () => {
      if (this.fatal) return;
      const cred = this.cred;
      try {
        const analysis = await getJSON(`/api/rooms/${encodeURIComponent(this.room)}/analysis`, cred.token);
        if (cred !== this.cred) return; // asked with a credential given up meanwhile
        this.analysis = analysis;
        this.analysisError = null;
      } catch (err) {
        if (err.status && cred === this.cred) this.analysisError = `${err.message} (${err.code})`;
      }
      this.schedule();
    }, delay);
  }

  /** After the talks: the transcript this reader may read, its head, checked here. */
  async fetchHead() {
    if (this.head && this.head.state !== 'failed') return;
    this.head = { state: 'loading' };
    this.schedule();
    const cred = this.cred;
    const head = await outcome.readTranscript(this.room, this.role === 'spectator' ? null : cred.token);
    if (cred !== this.cred) return;
    this.head = head;
    this.schedule();
  }
}
