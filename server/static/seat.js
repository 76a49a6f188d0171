// A seat's own desk: the private brief, the composer (one select per issue,
// the utility of the package being composed updating as it changes), the
// tabling controls, and the form to speak publicly or to chosen seats.
// The composer and the form are built once, so what is typed or chosen in them
// survives every event; only their buttons and errors are drawn again.

import { fixed, h, put } from './dom.js';
import { bestPackage, utility } from './model.js';
import { optionLabel } from './narrate.js';
import { errorSlot } from './panels.js';

export function reset(v) {
  v.composer = null;
  v.chatForm = null;
}

/** Whether this viewer's seat has acted fully in the current phase. */
export function ownDone(v) {
  const m = v.model;
  const me = v.seat;
  const rules = m.scenario.rules;
  if (m.phase === 'tabling') {
    const mine = m.current().filter((p) => p.seat === me).length;
    return m.hasPassed(me) || mine >= rules.proposals_per_round;
  }
  if (m.phase === 'ballot') {
    return m.current().every((p) => p.votes[me] !== undefined || p.vetoes.includes(me));
  }
  if (m.phase === 'action') {
    const period = m.periods.get(m.period);
    return Boolean(period && period.actions[me]);
  }
  if (m.phase === 'verification') {
    return m.hasPassed(me) || m.challengesBy(me).length >= m.scenario.implementation.challenge_quota;
  }
  return false;
}

function hint(v) {
  const m = v.model;
  const done = ownDone(v);
  switch (m.phase) {
    case 'lobby':
      return ['wait', 'The talks begin when every seat is taken (or the organizer starts them). Meanwhile, read your brief and try packages in the composer.'];
    case 'tabling':
      return done ? ['wait', 'You are done with this round\'s tabling; waiting for the others.']
        : ['move', 'Your move: compose a package (one option per issue) and table it, or pass.'];
    case 'ballot':
      return done ? ['wait', 'You have voted on every package; waiting for the others.']
        : ['move', 'Your move: vote on every package on the table.'];
    case 'action':
      return done ? ['wait', 'Your choice is in; waiting for the others.']
        : ['move', 'Your move: comply with the agreement or defect. The others learn your choice only when the talks end (or an inspection catches it).'];
    case 'verification':
      return done ? ['wait', 'You are done with this period\'s inspections; waiting for the others.']
        : ['move', 'Your move: inspect a seat you suspect of defecting, or pass.'];
    case 'concluded':
      return ['over', 'The talks are over: your score is below.'];
    default:
      return ['wait', ''];
  }
}

export function desk(v, el) {
  if (v.role !== 'seat' || !v.brief) {
    v.sections.render(el, 'none', () => null);
    return;
  }
  if (!v.composer) {
    v.sections.forget(el);
    buildDesk(v, el);
  }
  const m = v.model;
  // once a package is adopted there is nothing left to compose: the brief stays, the composer goes
  v.composer.section.classList.toggle('over', ['action', 'verification', 'concluded'].includes(m.phase));
  const [kind, text] = hint(v);
  const mine = m.phase === 'tabling' ? m.current().filter((p) => p.seat === v.seat).length : 0;
  v.sections.render(v.composer.hint, [kind, text], () =>
    h('p', { class: `hint hint-${kind}`, id: 'your-move' }, text));
  const key = [m.phase, m.round, ownDone(v), mine, v.busy.table, v.busy.pass, v.errors.table, v.errors.pass];
  v.sections.render(v.composer.controls, key, () => tablingControls(v, mine));
}

function buildDesk(v, el) {
  const sc = v.model.scenario;
  const brief = v.brief;
  const me = v.model.delegation(v.seat);
  const selects = {};
  const valueCells = {};
  const pointCells = {};
  const total = h('span', { class: 'utility-total', id: 'composer-utility' }, '–');
  const meter = h('div', { class: 'meter' });
  const verdict = h('span', { class: 'muted small', id: 'composer-verdict' });

  function draft() {
    const pkg = {};
    for (const issue of sc.issues) if (selects[issue.id].value !== '') pkg[issue.id] = selects[issue.id].value;
    return pkg;
  }

  function update() {
    const pkg = draft();
    const chosen = Object.keys(pkg).length;
    for (const issue of sc.issues) {
      const k = issue.options.indexOf(selects[issue.id].value);
      const value = k >= 0 ? brief.values[issue.id][k] : null;
      valueCells[issue.id].textContent = value === null ? '–' : fixed(value, 2);
      pointCells[issue.id].textContent = value === null ? '–' : fixed(brief.weights[issue.id] * value, 3);
    }
    const u = utility(sc, brief, pkg);
    total.textContent = fixed(u);
    put(meter, utilityMeter(u, brief.reservation));
    verdict.textContent = chosen < sc.issues.length
      ? `${chosen} of ${sc.issues.length} issues chosen: a package needs an option for every issue`
      : u >= brief.reservation ? `above your reservation (${fixed(brief.reservation)}) by ${fixed(u - brief.reservation)}`
        : `below your reservation (${fixed(brief.reservation)}) by ${fixed(brief.reservation - u)}: no deal is better`;
  }

  function forgetDraftError() {
    if (v.errors.table) {
      delete v.errors.table; // an answer about the previous draft
      v.schedule();
    }
  }

  function fill(pkg) {
    for (const issue of sc.issues) selects[issue.id].value = pkg[issue.id] ?? '';
    forgetDraftError();
    update();
  }

  const rows = sc.issues.map((issue) => {
    const values = brief.values[issue.id];
    selects[issue.id] = h('select', { dataset: { issue: issue.id }, 'aria-label': issue.title, onchange: () => {
      forgetDraftError();
      update();
    } },
      h('option', { value: '' }, 'choose…'),
      issue.options.map((o, k) => h('option', { value: o }, `${optionLabel(issue, o)} · ${fixed(values[k], 2)}`)));
    valueCells[issue.id] = h('td', { class: 'num' }, '–');
    pointCells[issue.id] = h('td', { class: 'num' }, '–');
    return h('tr', {},
      h('th', { scope: 'row' }, issue.title),
      h('td', { class: 'num' }, `${Math.round(brief.weights[issue.id] * 100)}%`),
      h('td', { class: 'choice' }, selects[issue.id]),
      valueCells[issue.id], pointCells[issue.id]);
  });

  const hintSlot = h('div');
  const controls = h('div', { class: 'controls', id: 'tabling-controls' });
  v.composer = { draft, fill, update, hint: hintSlot, controls, section: null };
  const vetoNote = me.veto && sc.rules.vetoes ? h('span', { class: 'badge veto' }, 'you hold a veto') : null;
  v.composer.section = h('section', { class: 'card desk', id: 'desk' },
    h('div', { class: 'desk-head' },
      h('h2', {}, 'Your seat: ', me.name),
      h('span', { class: 'badge private', title: 'Only you (and the organizer) see your brief' }, 'private brief'),
      vetoNote),
    hintSlot,
    h('div', { class: 'brief', id: 'brief' },
      h('div', { class: 'brief-facts' },
        h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, 'Reservation'),
          h('span', { class: 'fact-value', id: 'reservation' }, fixed(brief.reservation)),
          h('span', { class: 'muted small' }, 'what no deal is worth to you')),
        h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, 'Weight'),
          h('span', { class: 'fact-value' }, String(me.weight)), h('span', { class: 'muted small' }, 'your say in the vote'))),
      brief.notes ? h('blockquote', { class: 'notes', id: 'brief-notes' }, brief.notes) : null),
    h('h3', { class: 'composer-part' }, 'Compose a package'),
    h('table', { class: 'composer composer-part', id: 'composer' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Issue'), h('th', { class: 'num', title: 'how much the issue matters to you' }, 'Weight'),
        h('th', {}, 'Option · your value'), h('th', { class: 'num' }, 'Value'), h('th', { class: 'num' }, 'Points'))),
      h('tbody', {}, rows)),
    h('div', { class: 'composer-foot composer-part' },
      h('div', { class: 'utility-box' }, h('span', { class: 'fact-label' }, 'Your utility of this package'), total, meter, verdict),
      h('div', { class: 'composer-tools' },
        h('button', { type: 'button', class: 'secondary small', 'data-control': 'fill-best', onclick: () => fill(bestPackage(sc, brief)) },
          'Fill with my best'),
        h('button', { type: 'button', class: 'link small', onclick: () => fill({}) }, 'clear'))),
    controls);
  put(el, v.composer.section);
  update();
}

/** A bar 0–1 with the utility and a mark at the reservation. */
export function utilityMeter(u, reservation) {
  const pct = (x) => `${Math.max(0, Math.min(1, x)) * 100}%`;
  return h('div', { class: 'meter-track' },
    h('div', { class: `meter-fill ${u >= reservation ? 'good' : 'bad'}`, style: `width: ${pct(u)}` }),
    h('div', { class: 'meter-mark', style: `left: ${pct(reservation)}`, title: `your reservation ${fixed(reservation)}` }));
}

function tablingControls(v, mine) {
  const m = v.model;
  const rules = m.scenario.rules;
  const tabling = m.phase === 'tabling';
  const done = tabling && ownDone(v);
  const limit = rules.proposals_per_round;
  return [
    h('div', { class: 'control-group' },
      h('button', { type: 'button', 'data-control': 'table', disabled: !tabling || done || v.busy.table,
        onclick: () => v.send('table', { type: 'propose', package: v.composer.draft() }) },
      v.busy.table ? 'Tabling…' : 'Table this package'),
      errorSlot(v, 'table')),
    h('div', { class: 'control-group' },
      h('button', { type: 'button', class: 'secondary', 'data-control': 'pass', disabled: !tabling || done || v.busy.pass,
        onclick: () => v.send('pass', { type: 'pass' }) }, v.busy.pass ? 'Passing…' : 'Pass'),
      errorSlot(v, 'pass')),
    h('span', { class: 'muted small' }, tabling
      ? `You have tabled ${mine} of ${limit} package${limit === 1 ? '' : 's'} this round${mine >= limit ? ' (withdraw one to table another)' : ''}.`
      : m.phase === 'lobby' ? 'Tabling opens when the talks begin.' : m.phase === 'concluded' ? '' : 'Tabling is closed in this phase.'),
  ];
}

// --- speaking ------------------------------------------------------------------------------

export function chat(v, el) {
  const m = v.model;
  if (v.role !== 'seat' || m.phase === 'concluded') {
    v.sections.render(el, 'none', () => null);
    v.chatForm = null;
    return;
  }
  if (!v.chatForm) {
    v.sections.forget(el);
    buildChat(v, el);
  }
  v.sections.render(v.chatForm.slot, [v.busy.say, v.errors.say], () => [
    h('button', { type: 'submit', 'data-control': 'say', disabled: v.busy.say }, v.busy.say ? 'Sending…' : 'Speak'),
    errorSlot(v, 'say'),
  ]);
}

function buildChat(v, el) {
  const sc = v.model.scenario;
  const others = sc.delegations.filter((d) => d.id !== v.seat);
  const text = h('textarea', { rows: '3', maxlength: String(sc.rules.statement_limit + 200), 'data-control': 'say-text',
    placeholder: 'Say something to the table (Enter sends, Shift+Enter for a new line)', 'aria-label': 'Statement' });
  const boxes = others.map((d) => h('input', { type: 'checkbox', value: d.id, dataset: { to: d.id } }));
  const slot = h('div', { class: 'control-group' });
  const audience = h('span', { class: 'muted small', id: 'say-audience' }, 'to everyone (public)');
  const updateAudience = () => {
    const to = boxes.filter((b) => b.checked).map((b) => v.model.name(b.value));
    audience.textContent = to.length ? `privately to ${to.join(', ')} (and the organizer)` : 'to everyone (public)';
  };
  for (const b of boxes) b.addEventListener('change', updateAudience);
  const submit = async () => {
    const to = boxes.filter((b) => b.checked).map((b) => b.value);
    const command = { type: 'statement', text: text.value };
    if (to.length) command.to = to;
    const answer = await v.send('say', command);
    if (answer && answer.type === 'ack') {
      text.value = '';
      for (const b of boxes) b.checked = false;
      updateAudience();
    }
  };
  text.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit();
    }
  });
  v.chatForm = { slot };
  put(el, h('section', { class: 'card chat' },
    h('h2', {}, 'Speak'),
    h('form', { id: 'say-form', onsubmit: (ev) => { ev.preventDefault(); submit(); } },
      text,
      h('fieldset', { class: 'recipients' }, h('legend', {}, 'Only to (leave empty to speak publicly):'),
        others.map((d, k) => h('label', { class: 'check' }, boxes[k], ' ', d.name))),
      h('div', { class: 'say-row' }, audience, slot))));
}
