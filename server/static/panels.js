// The room's public panels: its head (title, phase, countdown), the seats, the
// agenda, the rules, the statements and the timeline. Every text from the
// server goes in as text (dom.js), never as markup.

import { getJSON } from './api.js';
import { clock, g, h } from './dom.js';
import { optionLabel, ruleText, totalWeight, vetoHolders } from './narrate.js';

const CONNECTION = {
  connecting: ['connecting…', 'amber'],
  live: ['live', 'green'],
  reconnecting: ['reconnecting…', 'amber'],
  refused: ['not connected', 'red'],
};

export function phaseLabel(m) {
  const rules = m.scenario ? m.scenario.rules : null;
  const impl = m.scenario ? m.scenario.implementation : null;
  switch (m.phase) {
    case 'lobby':
      return ['Lobby', 'waiting for seats'];
    case 'tabling':
      return [`Round ${m.round}${rules ? ` of ${rules.max_rounds}` : ''}`, 'tabling'];
    case 'ballot':
      return [`Round ${m.round}${rules ? ` of ${rules.max_rounds}` : ''}`, 'ballot'];
    case 'action':
      return [`Period ${m.period}${impl ? ` of ${impl.periods}` : ''}`, 'comply or defect'];
    case 'verification':
      return [`Period ${m.period}${impl ? ` of ${impl.periods}` : ''}`, 'verification'];
    case 'concluded':
      if (m.concluded) return ['Concluded', m.concluded.outcome === 'agreement' ? 'agreement' : 'no deal'];
      return ['Concluded', ''];
    default:
      return [m.phase, ''];
  }
}

function roleBadge(v) {
  if (v.role === 'seat') return h('span', { class: 'badge role-seat', id: 'role' }, `seated as ${v.model.name(v.seat)}`);
  if (v.role === 'organizer') return h('span', { class: 'badge role-organizer', id: 'role' }, 'organizer view');
  if (v.role === 'spectator') return h('span', { class: 'badge role-spectator', id: 'role' }, 'spectator');
  return null;
}

export function head(v, el) {
  const m = v.model;
  const sc = m.scenario;
  const [conn, colour] = CONNECTION[v.status] || [v.status, 'amber'];
  const [phaseMain, phaseSub] = phaseLabel(m);
  const key = [sc ? sc.title : null, v.room, v.status, v.role, v.seat, m.phase, m.round, m.period,
    m.concluded ? m.concluded.outcome : null, v.takingSeat, v.cred.kind, m.started ? 1 : 0, v.busy.start, v.errors.start];
  v.sections.render(el, key, () => {
    if (sc) document.title = `${sc.title} · accord`;
    const actions = [];
    if (v.role === 'spectator' || v.role === 'organizer') {
      if (!v.takingSeat) {
        actions.push(h('button', { type: 'button', class: 'secondary', 'data-control': 'take-seat',
          onclick: () => { v.takingSeat = true; v.schedule(); } }, 'Take a seat…'));
      } else {
        const input = h('input', { type: 'password', placeholder: 'seat token', autocomplete: 'off',
          'data-control': 'seat-token', 'aria-label': 'Seat token' });
        actions.push(h('form', { class: 'inline-form', onsubmit: (ev) => {
          ev.preventDefault();
          const token = input.value.trim();
          if (!token) return;
          v.takingSeat = false;
          v.takeSeat(token);
        } }, input, h('button', { type: 'submit', 'data-control': 'seat-token-use' }, 'Sit down'),
        h('button', { type: 'button', class: 'link', onclick: () => { v.takingSeat = false; v.schedule(); } }, 'cancel')));
      }
    }
    if (v.cred.kind === 'seat') {
      actions.push(h('button', { type: 'button', class: 'link', 'data-control': 'leave-seat',
        title: 'Forget the seat token in this tab and watch as a spectator', onclick: () => v.leaveSeat() },
      'leave seat'));
    }
    if (v.role === 'organizer' && m.phase === 'lobby' && sc && !m.started) {
      actions.push(startControl(v));
    }
    return h('section', { class: `room-head phase-${m.phase}` },
      h('div', { class: 'head-main' },
        h('div', { class: 'title-row' },
          h('h1', { id: 'room-title' }, sc ? sc.title : v.room),
          roleBadge(v),
          h('span', { class: `pill conn ${colour}`, id: 'connection', title: v.statusDetail || conn },
            h('i', { class: 'dot' }), conn)),
        h('p', { class: 'sub' },
          h('span', { class: 'mono' }, v.room),
          sc ? [' · ', sc.id, ' · ', `${sc.delegations.length} delegations`, ' · ', `${sc.issues.length} issues`] : null),
        actions.length ? h('div', { class: 'head-actions' }, actions) : null),
      !sc ? null : h('div', { class: 'head-phase', id: 'phase' },
        h('div', { class: 'phase-main' }, phaseMain),
        h('div', { class: 'phase-sub', id: 'phase-name' }, phaseSub),
        h('div', { class: 'countdown', id: 'countdown', title: 'time left in this phase' })));
  });
}

function startControl(v) {
  const absent = h('input', { type: 'checkbox', 'data-control': 'start-absent-default' });
  return h('span', { class: 'control-group' },
    h('button', { type: 'button', 'data-control': 'start', disabled: v.busy.start, onclick: async () => {
      v.busy.start = true;
      delete v.errors.start;
      v.schedule();
      try {
        await fetchStart(v, absent.checked);
      } catch (err) {
        v.errors.start = { code: err.code, message: err.message };
      }
      delete v.busy.start;
      v.schedule();
    } }, 'Start the talks'),
    h('label', { class: 'check small' }, absent, ' absent seats act by default'),
    errorSlot(v, 'start'));
}

async function fetchStart(v, absentDefault) {
  await getJSON(`/api/rooms/${encodeURIComponent(v.room)}/start`, v.cred.token, {
    method: 'POST', body: JSON.stringify({ absent_default: absentDefault }),
  });
}

/** The error a command under `key` got, in words, for the control that sent it. */
export function errorSlot(v, key) {
  const err = v.errors[key];
  if (!err) return null;
  return h('p', { class: 'error', role: 'alert', dataset: { errorFor: key } },
    err.message, ' ', h('code', { class: 'code' }, err.code));
}

export function banner(v, el) {
  const key = [v.fatal && v.fatal.message, v.status, v.statusDetail, v.cred.kind];
  v.sections.render(el, key, () => {
    if (v.fatal) {
      const actions = [];
      if (v.fatal.kind === 'seat') {
        actions.push(h('button', { type: 'button', onclick: () => v.leaveSeat() }, 'Forget the token and watch'));
      }
      if (v.fatal.other) {
        actions.push(h('a', { class: 'button secondary', href: `#/rooms/${encodeURIComponent(v.fatal.other)}` },
          'Go to that room'));
      }
      if (v.fatal.kind === 'organizer') {
        actions.push(h('span', { class: 'muted' }, 'The organizer token in this tab was refused; forget it at the top right.'));
      }
      return h('div', { class: 'notice error-notice', role: 'alert', id: 'fatal' },
        h('strong', {}, 'Cannot open this room. '), v.fatal.message, ' ', actions);
    }
    if (v.status === 'reconnecting') {
      return h('div', { class: 'notice warn', role: 'status', id: 'reconnecting' },
        'The connection dropped; reconnecting and resuming from event ', String(v.model.lastSeq),
        '. Commands you send meanwhile go out when it is back.');
    }
    return null;
  });
}

// --- seats ------------------------------------------------------------------------------

function doneIn(v, seatId) {
  const snap = v.snapshot;
  if (!snap || snap.phase !== v.model.phase) return null;
  const s = snap.seats.find((x) => x.id === seatId);
  return s ? s.done : null;
}

export function seats(v, el) {
  const m = v.model;
  const sc = m.scenario;
  const connected = v.analysis ? v.analysis.connected : null;
  const acting = ['tabling', 'ballot', 'action', 'verification'].includes(m.phase);
  const rows = sc.delegations.map((d) => ({
    d, seated: m.seats.get(d.id).seated, conn: connected ? connected[d.id] : null, done: acting ? doneIn(v, d.id) : null,
  }));
  const key = [rows.map((r) => [r.d.id, r.seated, r.conn, r.done]), v.seat, m.phase];
  v.sections.render(el, key, () => {
    const total = totalWeight(sc);
    const holders = vetoHolders(sc);
    return h('section', { class: 'card seats' },
      h('h2', {}, 'Delegations'),
      h('ul', { class: 'seat-list', id: 'seats' }, rows.map(({ d, seated, conn, done }) => {
        const state = conn === null ? 'unknown' : conn ? 'online' : 'offline';
        return h('li', { class: `seat-card${d.id === v.seat ? ' you' : ''}`, dataset: { seat: d.id } },
          h('div', { class: 'seat-top' },
            h('i', { class: `presence ${state}`, title: conn === null ? '' : conn ? 'connected now' : 'not connected' }),
            h('span', { class: 'seat-name' }, d.name),
            d.id === v.seat ? h('span', { class: 'badge you' }, 'you') : null,
            d.veto ? h('span', { class: `badge veto${holders.includes(d.id) ? '' : ' off'}`,
              title: holders.includes(d.id) ? 'holds a veto' : 'holds a veto, but vetoes do not apply here' }, 'veto') : null),
          h('div', { class: 'seat-meta' },
            h('span', { class: 'mono' }, d.id), ' · weight ', g(d.weight),
            h('span', { class: 'muted' }, ` (${Math.round((d.weight / total) * 100)}%)`),
            h('span', { class: 'seat-state' },
              !seated ? h('span', { class: 'muted' }, m.started ? 'absent' : 'not seated')
                : done === true ? h('span', { class: 'ok' }, '✓ done')
                  : done === false ? h('span', { class: 'waiting' }, 'to act') : null)));
      })));
  });
}

// --- agenda and rules ---------------------------------------------------------------------

const KIND_NOTE = {
  substance: 'substance',
  verification: 'verification: sets how likely an inspection detects a defection',
  enforcement: 'enforcement: sets the sanction on a detected defection',
};

export function agenda(v, el) {
  const sc = v.model.scenario;
  v.sections.render(el, [sc.id, sc.title, v.room], () => h('section', { class: 'card agenda' },
    h('h2', {}, 'Agenda'),
    sc.description ? h('details', { class: 'about' }, h('summary', {}, 'About this scenario'),
      h('p', { class: 'description', id: 'scenario-description' }, sc.description)) : null,
    h('ol', { class: 'issues', id: 'agenda' }, sc.issues.map((issue) => h('li', { dataset: { issue: issue.id } },
      h('div', { class: 'issue-title' }, issue.title,
        issue.kind !== 'substance' ? h('span', { class: `badge kind-${issue.kind}`, title: KIND_NOTE[issue.kind] }, issue.kind) : null),
      h('ul', { class: 'options' }, issue.options.map((o) => h('li', {}, optionLabel(issue, o)))))))));
}

export function rules(v, el) {
  const sc = v.model.scenario;
  const r = sc.rules;
  const impl = sc.implementation;
  v.sections.render(el, [sc.id, v.room], () => h('section', { class: 'card rules' },
    h('h2', {}, 'Rules'),
    h('p', { class: 'rule-text', id: 'rule-text' }, ruleText(sc).replace(/^./, (c) => c.toUpperCase()), '.'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Rounds'), h('dd', {}, `at most ${r.max_rounds}, ${r.proposals_per_round} package${r.proposals_per_round === 1 ? '' : 's'} per seat each`),
      h('dt', {}, 'Ballot'), h('dd', {}, r.ballot === 'open' ? 'open: every vote is published' : 'secret: only tallies are published'),
      h('dt', {}, 'Vetoes'), h('dd', {}, r.vetoes ? (vetoHolders(sc).length ? `apply (${vetoHolders(sc).join(', ')})` : 'apply, nobody holds one') : 'do not apply'),
      h('dt', {}, 'Time'), h('dd', {}, `tabling ${g(r.time_limits.tabling)} s, ballot ${g(r.time_limits.ballot)} s` +
        (impl ? `, action ${g(r.time_limits.action)} s, verification ${g(r.time_limits.verification)} s` : '')),
      h('dt', {}, 'Statements'), h('dd', {}, `up to ${r.statement_limit} characters`)),
    impl ? implementationFacts(sc, impl) : h('p', { class: 'muted small' }, 'No implementation phase: the talks end with the vote.')));
}

function implementationFacts(sc, impl) {
  const rows = [];
  for (const issue of sc.issues) {
    if (issue.kind === 'verification' && impl.detection[issue.id]) {
      rows.push(h('li', {}, `${issue.title}: detection `,
        issue.options.map((o, k) => `${optionLabel(issue, o)} ${Math.round(impl.detection[issue.id][k] * 100)}%`).join(', ')));
    }
    if (issue.kind === 'enforcement' && impl.sanction[issue.id]) {
      rows.push(h('li', {}, `${issue.title}: sanction `,
        issue.options.map((o, k) => `${optionLabel(issue, o)} ${g(impl.sanction[issue.id][k])}`).join(', ')));
    }
  }
  return h('div', { class: 'impl-facts' },
    h('p', {}, `Implementation: ${impl.periods} period${impl.periods === 1 ? '' : 's'}, `,
      `inspections cost ${g(impl.inspection_cost)}, ${impl.challenge_quota} per seat and period.`),
    rows.length ? h('ul', { class: 'small' }, rows) : null);
}

// --- statements and timeline ---------------------------------------------------------------

export function statements(v, el) {
  const m = v.model;
  v.sections.render(el, [m.statements.length, v.seat], () => h('section', { class: 'card statements' },
    h('h2', {}, 'Statements'),
    m.statements.length === 0 ? h('p', { class: 'muted', id: 'no-statements' }, 'Nothing said yet.') : null,
    h('ol', { class: 'speech', id: 'statements' }, m.statements.map((st) => {
      const mine = st.seat === v.seat;
      return h('li', { class: `said${st.to ? ' private' : ''}${mine ? ' mine' : ''}`, dataset: { seq: String(st.seq) } },
        h('div', { class: 'said-meta' },
          h('span', { class: 'speaker' }, m.name(st.seat)),
          st.to ? h('span', { class: 'badge private', title: 'a private statement: only its addressees (and the organizer) see it' },
            `to ${st.to.map((s) => m.name(s)).join(', ')}`) : null,
          h('span', { class: 'muted time' }, clock(st.at))),
        h('p', { class: 'said-text' }, st.text));
    }))));
  const list = el.querySelector('.speech');
  if (list) list.scrollTop = list.scrollHeight;
}

/** A bot's private notebook (ctx.note): only its seat and the organizer receive notes. */
export function notebook(v, el) {
  const m = v.model;
  v.sections.render(el, [m.notes.length], () => (m.notes.length === 0 ? null : h('section', { class: 'card notebook' },
    h('h2', {}, 'Notebook'),
    h('p', { class: 'muted small' }, 'What the bot at this seat wrote down while deciding: private to its seat and the organizer.'),
    h('ol', { class: 'notes', id: 'notebook' }, m.notes.map((n) => h('li',
      { class: `note${n.kind === 'failure' ? ' failure' : ''}`, dataset: { seq: String(n.seq) } },
      h('div', { class: 'said-meta' },
        h('span', { class: 'speaker' }, m.name(n.seat)),
        n.kind === 'failure' ? h('span', { class: 'badge failure' }, 'failure') : null,
        h('span', { class: 'muted time' }, `${n.where} · ${clock(n.at)}`)),
      h('pre', { class: 'note-text' }, n.text),
      Object.keys(n.data || {}).length
        ? h('p', { class: 'note-data small' }, Object.entries(n.data).map(([k, val]) => `${k}=${JSON.stringify(val)}`).join(', '))
        : null))))));
}

export function timeline(v, list) {
  const items = v.model.timeline;
  if (v.drawnTimeline > items.length) {
    v.drawnTimeline = 0;
    list.replaceChildren();
  }
  if (v.drawnTimeline === items.length) return;
  const scroller = list.parentElement;
  const atEnd = !scroller || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  for (const item of items.slice(v.drawnTimeline)) {
    if (item.hidden) {
      list.append(h('li', { class: 'hidden-events' },
        item.hidden === 1 ? '1 event not shown to you' : `${item.hidden} events not shown to you`));
      continue;
    }
    const big = item.type === 'phase_started';
    list.append(h('li', { class: `ev ev-${item.type}${big ? ' marker' : ''}`, dataset: { seq: String(item.seq) } },
      big ? null : h('span', { class: 'time' }, clock(item.at)),
      h('span', { class: 'text' }, item.text)));
  }
  v.drawnTimeline = items.length;
  if (scroller && atEnd) scroller.scrollTop = scroller.scrollHeight;
}
