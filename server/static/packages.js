// The packages: those on the table this round, with their votes or tallies
// and, for a seat, its utility of each and the controls to withdraw, vote and
// veto; and the earlier rounds with their results.

import { fixed, h } from './dom.js';
import { utility } from './model.js';
import { optionLabel, tallyText, verdict, vetoHolders } from './narrate.js';
import { errorSlot } from './panels.js';
import { roundColour } from './picture.js';
import { utilityMeter } from './seat.js';

const VOTE_WORD = { yes: 'yes', no: 'no', abstain: 'abstain' };

function voteChips(v, p) {
  const m = v.model;
  const r = p.result;
  return h('ul', { class: 'vote-chips' }, m.scenario.delegations.map((d) => {
    let state;
    let text;
    if (r && r.votes) {
      state = r.vetoed_by.includes(d.id) ? 'veto' : r.votes[d.id] || 'abstain';
      text = state === 'veto' ? 'VETO' : state;
    } else if (p.vetoes.includes(d.id)) {
      state = 'veto';
      text = 'VETO';
    } else if (d.id in p.votes) {
      const vote = p.votes[d.id];
      state = vote ? vote : 'voted';
      text = vote ? VOTE_WORD[vote] : 'voted';
    } else {
      state = r ? 'secret' : 'pending';
      text = r ? '' : '…';
    }
    return h('li', { class: `chip vote-${state}`, dataset: { seat: d.id },
      title: state === 'voted' ? 'has voted; the vote is published when the ballot closes' : '' },
    h('span', { class: 'chip-seat' }, d.name), text ? h('span', { class: 'chip-vote' }, text) : null);
  }));
}

function resultBlock(v, p) {
  const r = p.result;
  if (!r) return null;
  const sc = v.model.scenario;
  const adopted = v.model.adopted && v.model.adopted.package_id === p.package_id;
  const state = adopted ? 'adopted' : r.passed ? 'passed' : r.vetoed_by.length ? 'vetoed' : 'failed';
  return h('div', { class: `result result-${state}`, dataset: { result: state } },
    h('span', { class: `badge verdict-${state}` }, adopted ? 'adopted' : r.passed ? 'passed' : r.vetoed_by.length ? 'vetoed' : 'failed'),
    h('span', { class: 'tally', dataset: { tally: p.package_id } }, tallyText(r, sc)),
    h('span', { class: 'verdict' }, ` — ${verdict(r, sc)}`));
}

function voteControls(v, p) {
  const m = v.model;
  const me = v.seat;
  const key = `vote:${p.package_id}`;
  const mine = p.vetoes.includes(me) ? 'veto' : p.votes[me];
  if (mine) {
    return h('div', { class: 'controls voted' }, h('span', { class: `your-vote vote-${mine}` },
      mine === 'veto' ? 'You vetoed this package.' : `You voted ${mine}.`), errorSlot(v, key));
  }
  const send = (command) => v.send(key, { ...command, package_id: p.package_id });
  const holds = vetoHolders(m.scenario).includes(me);
  const busy = v.busy[key];
  return h('div', { class: 'controls vote-controls' },
    h('div', { class: 'control-group' },
      h('span', { class: 'muted small' }, 'Your vote:'),
      h('button', { type: 'button', class: 'vote yes', 'data-control': 'vote-yes', disabled: busy,
        onclick: () => send({ type: 'vote', vote: 'yes' }) }, 'Yes'),
      h('button', { type: 'button', class: 'vote no', 'data-control': 'vote-no', disabled: busy,
        onclick: () => send({ type: 'vote', vote: 'no' }) }, 'No'),
      h('button', { type: 'button', class: 'vote abstain', 'data-control': 'vote-abstain', disabled: busy,
        onclick: () => send({ type: 'vote', vote: 'abstain' }) }, 'Abstain'),
      holds ? h('button', { type: 'button', class: 'vote veto', 'data-control': 'veto', disabled: busy,
        title: 'A veto blocks this package whatever the others vote; it counts as your vote',
        onclick: () => send({ type: 'veto' }) }, 'Veto') : null,
      errorSlot(v, key)));
}

function withdrawControl(v, p) {
  const key = `withdraw:${p.package_id}`;
  return h('div', { class: 'controls' }, h('div', { class: 'control-group' },
    h('button', { type: 'button', class: 'secondary small', 'data-control': 'withdraw', disabled: v.busy[key],
      onclick: () => v.send(key, { type: 'withdraw', package_id: p.package_id }) }, 'Withdraw'),
    errorSlot(v, key)));
}

function utilities(v, p) {
  // the seat's own, computed from its brief; the organizer's from the analysis route
  const m = v.model;
  if (v.role === 'seat' && v.brief) {
    const u = utility(m.scenario, v.brief, p.package);
    return h('div', { class: 'pkg-utility', dataset: { utility: fixed(u) } },
      h('span', { class: 'fact-label' }, 'Your utility'),
      h('strong', { class: u >= v.brief.reservation ? 'good' : 'bad' }, fixed(u)),
      utilityMeter(u, v.brief.reservation),
      v.composer && m.phase !== 'concluded' ? h('button', { type: 'button', class: 'link small',
        title: 'Copy this package into your composer, to table a variant of it', onclick: () => v.composer.fill(p.package) },
      'copy to composer') : null);
  }
  if (v.role === 'organizer' && v.analysis) {
    const a = v.analysis.packages.find((x) => x.package_id === p.package_id);
    if (!a) return null;
    return h('div', { class: 'pkg-all-utilities' }, m.scenario.delegations.map((d) => {
      const u = a.utilities[d.id];
      const res = v.analysis.reservations[d.id];
      return u === undefined ? null : h('div', { class: 'mini', title: `${d.name}: ${fixed(u)} (reservation ${fixed(res)})` },
        h('span', { class: 'mini-seat' }, d.id), h('span', { class: 'mini-track' },
          h('span', { class: `mini-fill ${u >= res ? 'good' : 'bad'}`, style: `width: ${Math.max(0, Math.min(1, u)) * 100}%` })));
    }));
  }
  return null;
}

/** One package as a card. */
export function packageCard(v, p, { controls = true } = {}) {
  const m = v.model;
  const sc = m.scenario;
  const adopted = m.adopted && m.adopted.package_id === p.package_id;
  const own = p.seat === v.seat;
  const live = controls && p.round === m.round && !p.withdrawn;
  return h('article', { class: `package${p.withdrawn ? ' withdrawn' : ''}${adopted ? ' adopted' : ''}${own ? ' own' : ''}`,
    dataset: { package: p.package_id } },
  h('header', {},
    h('span', { class: 'swatch', style: `background: ${roundColour(p.round)}` }),
    h('span', { class: 'pkg-id mono' }, p.package_id),
    h('span', { class: 'muted' }, ' tabled by ', h('span', { class: 'pkg-by' }, m.name(p.seat))),
    p.withdrawn ? h('span', { class: 'badge quiet' }, 'withdrawn') : null,
    adopted ? h('span', { class: 'badge verdict-adopted' }, 'adopted') : null),
  h('div', { class: 'pkg-body' },
    h('dl', { class: 'pkg-options' }, sc.issues.map((issue) => [
      h('dt', {}, issue.title), h('dd', {}, issue.id in p.package ? optionLabel(issue, p.package[issue.id]) : '—')])),
    utilities(v, p)),
  !p.withdrawn && (m.phase === 'ballot' && p.round === m.round || p.result) ? voteChips(v, p) : null,
  resultBlock(v, p),
  live && v.role === 'seat' && m.phase === 'tabling' && own ? withdrawControl(v, p) : null,
  live && v.role === 'seat' && m.phase === 'ballot' ? voteControls(v, p) : null);
}

export function table(v, el) {
  const m = v.model;
  if (!m.started && m.packages.length === 0) {
    v.sections.render(el, 'lobby', () => null);
    return;
  }
  const round = m.round;
  const list = m.ofRound(round);
  const key = [round, m.phase, list.map((p) => [p.package_id, p.withdrawn, p.votes, p.vetoes, p.result ? 1 : 0]),
    m.adopted && m.adopted.package_id, v.busy, v.errors, v.role, v.seat,
    v.role === 'organizer' && v.analysis ? v.analysis.packages.length : 0];
  v.sections.render(el, key, () => {
    const ended = m.roundsEnded.get(round);
    let title = `On the table — round ${round}`;
    if (m.phase === 'ballot') title = `The ballot — round ${round}`;
    else if (m.adopted && m.adopted.round === round) title = `Adopted in round ${round}`;
    return h('section', { class: 'card table-panel', id: 'table' },
      h('h2', {}, title),
      list.length === 0 ? h('p', { class: 'muted', id: 'table-empty' },
        m.phase === 'tabling' ? 'Nothing tabled yet this round.' : ended ? 'Nothing was tabled in this round.' : 'Nothing on the table.') : null,
      h('div', { class: 'packages' }, list.map((p) => packageCard(v, p))),
      ended ? h('p', { class: 'muted' }, ended.reason === 'nothing_tabled' ? 'The round ended: nothing was tabled.' : 'The round ended: nothing passed.') : null);
  });
}

export function history(v, el) {
  const m = v.model;
  const rounds = [];
  for (let r = 1; r < m.round; r++) rounds.push(r);
  const key = [m.round, m.packages.length, [...m.ballots.keys()]];
  v.sections.render(el, key, () => {
    if (!rounds.length) return null;
    return h('section', { class: 'card history', id: 'history' },
      h('h2', {}, 'Earlier rounds'),
      rounds.reverse().map((r) => {
        const list = m.ofRound(r);
        const ended = m.roundsEnded.get(r);
        return h('details', { class: 'round', dataset: { round: String(r) } },
          h('summary', {}, `Round ${r}: `, list.length ? `${list.length} package${list.length === 1 ? '' : 's'}` : 'nothing tabled',
            ended && ended.reason === 'nothing_passed' ? ', nothing passed' : ''),
          h('div', { class: 'packages' }, list.map((p) => packageCard(v, p, { controls: false }))));
      }));
  });
}
