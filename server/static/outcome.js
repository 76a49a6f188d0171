// After adoption: the implementation periods (actions, inspections,
// sanctions) with a seat's controls to comply or defect and to challenge; after
// the talks: the outcome, the scores with their breakdown and the transcript's
// head hash, checked in this browser against the transcript the reader may read.

import { getJSON } from './api.js';
import { fixed, g, h } from './dom.js';
import { optionLabel } from './narrate.js';
import { errorSlot } from './panels.js';
import { verifyTranscript } from './verify.js';

function pct(p) {
  return `${Math.round(p * 100)}%`;
}

function adoptedSummary(v) {
  const m = v.model;
  const a = m.adopted;
  return h('div', { class: 'adopted-box', id: 'adopted' },
    h('div', {}, h('span', { class: 'badge verdict-adopted' }, 'adopted'), ' ',
      h('span', { class: 'mono' }, a.package_id), h('span', { class: 'muted' }, ` tabled by ${m.name(a.seat)}, round ${a.round}, yes weight ${g(a.yes_weight)}`)),
    h('dl', { class: 'pkg-options' }, m.scenario.issues.map((issue) => [
      h('dt', {}, issue.title), h('dd', {}, optionLabel(issue, a.package[issue.id]))])),
    m.scenario.implementation ? h('p', { class: 'small' },
      `An inspection detects a defection with probability ${pct(a.detection)}; a detected defection costs a sanction of ${g(a.sanction)}.`) : null);
}

function actionControls(v) {
  const m = v.model;
  const period = m.periods.get(m.period);
  const chosen = period && period.actions[v.seat];
  if (chosen) {
    return h('div', { class: 'controls' }, h('span', { class: `your-vote action-${chosen}`, id: 'your-action' },
      `You chose to ${chosen} in period ${m.period}.`), errorSlot(v, 'act'));
  }
  const terms = m.scenario.implementation.parties[v.seat];
  return h('div', { class: 'controls' },
    h('div', { class: 'control-group' },
      h('button', { type: 'button', class: 'vote yes', 'data-control': 'comply', disabled: v.busy.act,
        onclick: () => v.send('act', { type: 'action', choice: 'comply' }) }, 'Comply'),
      h('button', { type: 'button', class: 'vote no', 'data-control': 'defect', disabled: v.busy.act,
        onclick: () => v.send('act', { type: 'action', choice: 'defect' }) }, 'Defect'),
      errorSlot(v, 'act')),
    terms ? h('span', { class: 'muted small' },
      `Complying costs you ${g(terms.comply_cost)} this period; defecting gains you ${g(terms.defect_gain)}`,
      terms.harm ? ` and costs every other party ${g(terms.harm)}` : '', ', unless an inspection catches it.') : null);
}

function challengeControls(v) {
  const m = v.model;
  const impl = m.scenario.implementation;
  const used = m.challengesBy(v.seat);
  const passed = m.hasPassed(v.seat);
  const others = m.scenario.delegations.filter((d) => d.id !== v.seat);
  const target = h('select', { 'data-control': 'challenge-target', 'aria-label': 'Seat to inspect' },
    others.map((d) => h('option', { value: d.id }, d.name)));
  const done = passed || used.length >= impl.challenge_quota;
  return h('div', { class: 'controls' },
    used.map((c) => h('p', { class: 'your-vote' }, `You inspected ${m.name(c.target)}: ${c.detected ? 'a violation was detected' : 'nothing found'}.`)),
    done ? h('span', { class: 'muted' }, 'You are done with this period\'s inspections.') : [
      h('div', { class: 'control-group' },
        h('label', { class: 'small' }, 'Inspect ', target),
        h('button', { type: 'button', 'data-control': 'challenge', disabled: v.busy.challenge,
          onclick: () => v.send('challenge', { type: 'challenge', target: target.value }) },
        `Inspect (costs ${g(impl.inspection_cost)})`),
        errorSlot(v, 'challenge')),
      h('div', { class: 'control-group' },
        h('button', { type: 'button', class: 'secondary', 'data-control': 'verification-pass', disabled: v.busy.vpass,
          onclick: () => v.send('vpass', { type: 'pass' }) }, 'No inspection (pass)'),
        errorSlot(v, 'vpass')),
      h('span', { class: 'muted small' }, `${impl.challenge_quota - used.length} inspection${impl.challenge_quota - used.length === 1 ? '' : 's'} left this period.`)]);
}

function periodsTable(v) {
  const m = v.model;
  const impl = m.scenario.implementation;
  const revealed = m.concluded ? m.concluded.actions : null;
  const rows = [];
  for (let p = 1; p <= impl.periods; p++) {
    const period = m.periods.get(p);
    if (!period && !(revealed && Object.keys(revealed).length)) continue;
    const actions = m.scenario.delegations.map((d) => {
      const choice = revealed && revealed[d.id] ? revealed[d.id][p - 1] : period ? period.actions[d.id] : undefined;
      return choice ? h('span', { class: `chip action-${choice}` }, h('span', { class: 'chip-seat' }, d.id), h('span', { class: 'chip-vote' }, choice)) : null;
    }).filter(Boolean);
    rows.push(h('tr', { dataset: { period: String(p) } },
      h('td', { class: 'num' }, String(p)),
      h('td', {}, actions.length ? actions : h('span', { class: 'muted small' }, 'hidden until the talks end')),
      h('td', {}, period && period.challenges.length ? period.challenges.map((c) => h('div', { class: `inspection ${c.detected ? 'caught' : ''}` },
        `${m.name(c.seat)} → ${m.name(c.target)}: `, c.detected ? h('strong', {}, 'violation detected') : 'nothing found',
        h('span', { class: 'muted' }, ` (cost ${g(c.cost)})`))) : h('span', { class: 'muted' }, '—')),
      h('td', {}, period && period.sanctions.length ? period.sanctions.map((s) => h('div', { class: 'sanction' },
        `${m.name(s.seat)} −${g(s.amount)}`)) : h('span', { class: 'muted' }, '—'))));
  }
  return h('table', { class: 'grid periods', id: 'periods' },
    h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Period'), h('th', {}, 'Actions'), h('th', {}, 'Inspections'), h('th', {}, 'Sanctions'))),
    h('tbody', {}, rows.length ? rows : h('tr', { class: 'empty' }, h('td', { colspan: 4 }, 'The first period has not begun.'))));
}

export function implementation(v, el) {
  const m = v.model;
  const impl = m.scenario.implementation;
  if (!m.adopted) {
    v.sections.render(el, 'none', () => null);
    return;
  }
  const periods = [...m.periods.values()].map((p) => [p.actions, p.challenges.length, p.sanctions.length]);
  const key = [m.adopted.package_id, m.phase, m.period, periods, m.passes.length, v.busy, v.errors, v.role,
    m.concluded ? 1 : 0];
  v.sections.render(el, key, () => h('section', { class: 'card implementation', id: 'implementation' },
    h('h2', {}, impl ? 'Implementation' : 'The agreement'),
    adoptedSummary(v),
    impl && v.role === 'seat' && m.phase === 'action' ? actionControls(v) : null,
    impl && v.role === 'seat' && m.phase === 'verification' ? challengeControls(v) : null,
    impl ? periodsTable(v) : null));
}

// --- the end ---------------------------------------------------------------------------------

export function concluded(v, el) {
  const m = v.model;
  const c = m.concluded;
  if (!c) {
    v.sections.render(el, 'none', () => null);
    return;
  }
  v.sections.render(el, [c.seq, v.head, v.seat], () => {
    const best = Math.max(...c.scores.map((s) => s.normalised));
    return h('section', { class: `card outcome outcome-${c.outcome}`, id: 'outcome' },
      h('h2', {}, 'Outcome'),
      h('p', { class: 'outcome-line', id: 'outcome-line' }, c.outcome === 'agreement'
        ? ['Agreement on ', h('span', { class: 'mono' }, c.package_id), ` after ${c.rounds} round${c.rounds === 1 ? '' : 's'}.`]
        : `No agreement after ${c.rounds} round${c.rounds === 1 ? '' : 's'}: every seat gets what no deal is worth to it.`),
      h('div', { class: 'table-scroll' }, h('table', { class: 'grid scores', id: 'scores' },
        h('thead', {}, h('tr', {},
          h('th', {}, 'Delegation'), h('th', { class: 'num' }, 'Utility'), h('th', { class: 'num', title: 'compliance costs' }, '− Comply'),
          h('th', { class: 'num', title: 'defection gains' }, '+ Defect'), h('th', { class: 'num', title: 'harm suffered from others\' defections' }, '− Harm'),
          h('th', { class: 'num', title: 'sanctions' }, '− Sanction'), h('th', { class: 'num', title: 'inspection costs' }, '− Inspect'),
          h('th', { class: 'num' }, '= Score'), h('th', { title: 'between the worst (0) and best (1) outcomes for the seat' }, 'Normalised'))),
        h('tbody', {}, c.scores.map((s) => h('tr', { class: s.seat === v.seat ? 'you' : '', dataset: { seat: s.seat } },
          h('th', { scope: 'row' }, m.name(s.seat), s.normalised === best ? h('span', { class: 'badge best' }, 'best') : null),
          h('td', { class: 'num' }, fixed(s.utility)),
          h('td', { class: 'num' }, fixed(s.compliance_costs)),
          h('td', { class: 'num' }, fixed(s.defection_gains)),
          h('td', { class: 'num' }, fixed(s.harm_suffered)),
          h('td', { class: 'num sanctions', title: s.detected ? `caught defecting ${s.detected} time${s.detected === 1 ? '' : 's'}` : '' },
            fixed(s.sanctions), s.detected ? h('div', { class: 'muted tiny' }, `${s.detected} caught`) : null),
          h('td', { class: 'num' }, fixed(s.inspection_costs)),
          h('td', { class: 'num strong' }, fixed(s.raw)),
          h('td', {}, h('div', { class: 'norm' }, h('span', { class: 'small' }, fixed(s.normalised, 2)),
            h('div', { class: 'norm-track' },
              h('div', { class: 'norm-fill', style: `width: ${Math.max(0, Math.min(1, s.normalised)) * 100}%` }))))))))),
      h('p', { class: 'muted small' }, 'Score = utility of the agreement (or the reservation without one) − compliance costs + defection gains − harm suffered − sanctions − inspection costs. ',
        'Normalised places it between the worst (0) and best (1) outcomes the scenario allows that seat.'),
      transcriptBlock(v));
  });
}

function transcriptBlock(v) {
  const head = v.head;
  const link = `/api/rooms/${encodeURIComponent(v.room)}/transcript`;
  let status = h('span', { class: 'muted' }, 'Reading the transcript…');
  if (head && head.state === 'done') {
    status = head.verified === true
      ? h('span', { class: 'ok', id: 'verified' }, `✓ ${head.events} events chain to this head: checked in this browser (${head.reader}'s copy).`)
      : head.verified === false
        ? h('span', { class: 'error', id: 'verified' }, `✗ The copy does not verify: ${head.reason}`)
        : h('span', { class: 'muted', id: 'verified' }, `Not checked here (${head.reason}); run accord verify.`);
  } else if (head && head.state === 'failed') {
    status = h('span', { class: 'muted' }, head.reason);
  }
  return h('div', { class: 'transcript', id: 'transcript' },
    h('h3', {}, 'Transcript'),
    head && head.hash ? h('p', {}, 'Head hash ', h('code', { class: 'hash', id: 'head-hash', title: head.hash }, head.hash)) : null,
    h('p', {}, status),
    h('p', { class: 'small' },
      h('a', { href: link, id: 'transcript-link', target: '_blank', rel: 'noopener' }, 'The public transcript'),
      ' (JSON lines; anyone can check it: ', h('code', {}, 'curl -s URL > talk.jsonl && accord verify talk.jsonl'), ')',
      head && head.blob ? [' · ', h('a', { href: head.blob, download: `${v.room}-${head.reader.replace(':', '-')}.jsonl` }, 'save your copy')] : null));
}

/** The reader's copy of a concluded room's transcript, and whether it chains to its head. */
export async function readTranscript(room, token) {
  let res;
  try {
    res = await getJSON(`/api/rooms/${encodeURIComponent(room)}/transcript`, token, { text: true });
  } catch (err) {
    return { state: 'failed', reason: `The transcript cannot be read here: ${err.message}` };
  }
  const hash = res.headers.get('X-Accord-Head');
  const reader = res.headers.get('X-Accord-Reader') || 'spectator';
  const text = await res.text();
  const check = await verifyTranscript(text);
  const out = { state: 'done', hash, reader, events: check.events, verified: check.ok, reason: check.reason };
  if (check.ok && check.head !== hash) {
    out.verified = false;
    out.reason = `the chain ends at ${check.head}, the server says ${hash}`;
  }
  if (token && typeof URL.createObjectURL === 'function') {
    out.blob = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
  }
  return out;
}
