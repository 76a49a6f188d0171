// A tournament: its progress, the live standings and the stored talks, and the
// report page with its plots (served by the API as HTML without scripts, shown
// in a sandboxed frame).

import { credentials, getJSON } from './api.js';
import { fixed, h, put } from './dom.js';

const POLL_MS = 2000;
const REPORT_EVERY_MS = 20000;
const TALKS_PAGE = 50;

function pct(x) {
  return x === null || x === undefined ? '–' : `${Math.round(x * 100)}%`;
}

function when(seconds) {
  return seconds ? new Date(seconds * 1000).toLocaleString([], { hour12: false }) : '–';
}

export function tournamentView(root, name) {
  const path = `/api/tournaments/${encodeURIComponent(name)}`;
  const token = () => credentials.organizer();
  let stopped = false;
  let timer = null;
  let state = null;
  let standings = null;
  let talks = null;
  let talksShown = TALKS_PAGE;
  let doneSeen = -1;
  let reportAt = 0;
  let reportDone = -1;
  let problem = null;

  const head = h('div');
  const board = h('div');
  const talkBox = h('div');
  const frame = h('iframe', { sandbox: '', title: 'Tournament report', id: 'report-frame', class: 'report-frame', loading: 'lazy' });
  const reportNote = h('span', { class: 'muted small' });
  const reportBox = h('section', { class: 'card report', id: 'report', hidden: true },
      h('div', { class: 'picture-head' }, h('h2', {}, 'Report'),
        h('span', {}, reportNote, ' ',
          h('button', { type: 'button', class: 'link small', onclick: () => loadReport(true) }, 'refresh'), ' · ',
          h('a', { href: `${path}/report`, target: '_blank', rel: 'noopener', id: 'report-link' }, 'open in its own tab'))),
    frame);
  put(root, h('div', { class: 'tournament' }, head, board, reportBox, talkBox));

  function drawHead() {
    if (!state) {
      put(head, h('section', { class: 'card' }, problem
        ? h('div', { class: 'notice error-notice', role: 'alert', id: 'fatal' }, h('strong', {}, 'Cannot show this tournament. '), problem,
          ' ', h('a', { href: '#/' }, 'See the tournaments there are.'))
        : h('p', { class: 'muted' }, 'Loading…')));
      return;
    }
    reportBox.hidden = false;
    const share = state.talks_planned ? state.talks_done / state.talks_planned : 0;
    put(head, h('section', { class: 'room-head tournament-head' },
      h('div', { class: 'head-main' },
        h('div', { class: 'title-row' }, h('h1', { id: 'tournament-title' }, state.tournament),
          h('span', { class: `badge status-${state.status}`, id: 'tournament-status' }, state.status),
          state.public ? null : h('span', { class: 'badge quiet' }, 'private')),
        h('p', { class: 'sub' }, `${state.format} · seed ${state.seed} · `,
          `${state.entries.length} entries · ${state.scenarios.length} scenario${state.scenarios.length === 1 ? '' : 's'}`,
          state.problems ? h('span', { class: 'error' }, ` · ${state.problems} talks with problems`) : null),
        h('div', { class: 'progress big', title: `${state.talks_done} of ${state.talks_planned} talks` },
          h('div', { class: 'bar', style: `width: ${(share * 100).toFixed(1)}%` })),
        h('p', { class: 'small', id: 'tournament-progress' }, `${state.talks_done} of ${state.talks_planned} talks played (${Math.round(share * 100)}%)`,
          h('span', { class: 'muted' }, ` · started ${when(state.started_at)}${state.finished_at ? ` · finished ${when(state.finished_at)}` : ''}`)),
        state.error ? h('p', { class: 'error' }, state.error) : null,
        token() && ['created', 'interrupted', 'failed'].includes(state.status) ? startControl() : null,
        problem ? h('p', { class: 'error' }, `${problem} — retrying`) : null),
      h('div', { class: 'head-facts' },
        h('dl', { class: 'facts' },
          h('dt', {}, 'Entries'), h('dd', {}, state.entries.map((e) => `${e.name} (${e.kind})`).join(', ')),
          h('dt', {}, 'Scenarios'), h('dd', {}, state.scenarios.join(', ')),
          h('dt', {}, 'Digest'), h('dd', {}, h('code', { class: 'hash', title: state.digest }, state.digest.slice(0, 16), '…'))))));
  }

  function drawBoard() {
    if (!standings) {
      put(board);
      return;
    }
    const entries = standings.entries;
    const lo = Math.min(0, ...entries.map((e) => e.ci_low ?? 0));
    const hi = Math.max(1, ...entries.map((e) => e.ci_high ?? 0));
    const x = (v) => `${((v - lo) / (hi - lo || 1)) * 100}%`;
    put(board, h('section', { class: 'card standings', id: 'standings' },
      h('h2', {}, 'Standings'),
      h('p', { class: 'muted small' }, `${standings.talks} talks, ${standings.agreements} agreements (${pct(standings.agreement_rate)}). `,
        `Score: the mean tournament score with its ${Math.round(standings.confidence * 100)}% bootstrap interval.`),
      h('table', { class: 'grid standings-table' },
        h('thead', {}, h('tr', {},
          h('th', { class: 'num' }, '#'), h('th', {}, 'Entry'), h('th', { class: 'num' }, 'Score'), h('th', { class: 'wide' }, 'Interval'),
          h('th', { class: 'num' }, 'Normalised'), h('th', { class: 'num' }, 'Agreements'), h('th', { class: 'num' }, 'Rounds'),
          h('th', { class: 'num', title: 'mean distance of its agreements from the Pareto frontier' }, 'Pareto gap'),
          h('th', { class: 'num' }, 'Vetoes'), h('th', { class: 'num', title: 'defections (detected)' }, 'Defections'),
          h('th', { class: 'num', title: 'inspections (hits)' }, 'Inspections'), h('th', { class: 'num' }, 'Rating'), h('th', { class: 'num' }, 'Talks'))),
        h('tbody', {}, entries.map((e, k) => h('tr', { dataset: { entry: e.entry }, class: k === 0 && e.talks ? 'leader' : '' },
          h('td', { class: 'num' }, String(k + 1)),
          h('th', { scope: 'row' }, e.entry),
          h('td', { class: 'num strong' }, fixed(e.mean_score)),
          h('td', { class: 'wide' }, e.ci_low === null ? '' : h('div', { class: 'ci', title: `${fixed(e.ci_low)} … ${fixed(e.ci_high)}` },
            h('span', { class: 'ci-range', style: `left: ${x(e.ci_low)}; width: calc(${x(e.ci_high)} - ${x(e.ci_low)})` }),
            h('span', { class: 'ci-mean', style: `left: ${x(e.mean_score)}` }))),
          h('td', { class: 'num' }, fixed(e.mean_normalised, 2)),
          h('td', { class: 'num' }, pct(e.agreement_rate)),
          h('td', { class: 'num' }, fixed(e.mean_rounds_to_agreement, 1)),
          h('td', { class: 'num' }, fixed(e.mean_pareto_distance, 3)),
          h('td', { class: 'num' }, String(e.vetoes)),
          h('td', { class: 'num' }, `${e.defections} (${e.detected})`),
          h('td', { class: 'num' }, `${e.challenges} (${e.hits})`),
          h('td', { class: 'num' }, fixed(e.rating, 1)),
          h('td', { class: 'num' }, String(e.talks))))))));
  }

  function drawTalks() {
    if (!talks) {
      put(talkBox);
      return;
    }
    const shown = talks.talks;
    put(talkBox, h('section', { class: 'card talks', id: 'talks' },
      h('h2', {}, 'Talks'),
      h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Talk'), h('th', {}, 'Scenario'), h('th', { class: 'wide' }, 'Seats and scores'),
          h('th', {}, 'Outcome'), h('th', { class: 'num' }, 'Rounds'), h('th', {}, 'Transcript'))),
        h('tbody', {}, shown.length ? shown.map((t) => h('tr', { dataset: { talk: t.talk } },
          h('td', { class: 'mono' }, t.talk),
          h('td', {}, t.scenario_id),
          h('td', { class: 'wide' }, t.seats.map((s) => h('span', { class: `chip${s.rank === 1 ? ' vote-yes' : ''}` },
            h('span', { class: 'chip-seat' }, s.entry), h('span', { class: 'chip-vote' }, fixed(s.score, 2))))),
          h('td', {}, h('span', { class: `badge ${t.outcome === 'agreement' ? 'verdict-passed' : 'verdict-failed'}` }, t.outcome.replace('_', ' '))),
          h('td', { class: 'num' }, String(t.rounds)),
          h('td', {}, h('a', { href: `${path}/talks/${encodeURIComponent(t.talk)}/transcript`, target: '_blank', rel: 'noopener',
            class: 'mono', title: t.head }, `${t.head.slice(0, 10)}…`))))
          : h('tr', { class: 'empty' }, h('td', { colspan: 6 }, 'No talk stored yet.')))),
      talks.next ? h('button', { type: 'button', class: 'link', onclick: () => { talksShown += TALKS_PAGE; refreshTalks(); } },
        'Show more talks') : null));
  }

  let starting = false;
  let startError = null;

  function startControl() {
    return h('div', { class: 'control-group head-actions' },
      h('button', { type: 'button', 'data-control': 'start-tournament', disabled: starting, onclick: async () => {
        starting = true;
        startError = null;
        drawHead();
        try {
          await getJSON(`${path}/start`, token(), { method: 'POST' });
        } catch (err) {
          startError = `${err.message} (${err.code})`;
        }
        starting = false;
        clearTimeout(timer);
        poll();
      } }, state.status === 'created' ? 'Start the tournament' : 'Resume the tournament'),
      startError ? h('p', { class: 'error', role: 'alert', dataset: { errorFor: 'start-tournament' } }, startError) : null);
  }

  async function refreshTalks() {
    talks = await getJSON(`${path}/talks?limit=${talksShown}`, token());
    drawTalks();
  }

  function loadReport(force = false) {
    if (!state) return;
    const now = Date.now();
    const running = state.status === 'running';
    if (!force && state.talks_done === reportDone) return;
    if (!force && running && now - reportAt < REPORT_EVERY_MS && reportDone >= 0) return;
    reportAt = now;
    reportDone = state.talks_done;
    if (state.public) {
      // the report route sets its own CSP (nothing in it runs or loads)
      frame.src = `${path}/report?talks=${state.talks_done}`;
    } else {
      // a private tournament: the organizer's token goes in a header, so fetch and hand the
      // text to the sandboxed frame (it still runs nothing: no allow-scripts)
      fetch(`${path}/report`, { headers: { Authorization: `Bearer ${token()}` } })
        .then((res) => res.text())
        .then((text) => { frame.srcdoc = text; })
        .catch(() => {});
    }
    reportNote.textContent = `${state.talks_done} talks · ${new Date().toLocaleTimeString([], { hour12: false })}`;
  }

  let polling = false;

  async function poll() {
    if (stopped || polling) return;
    polling = true;
    try {
      state = await getJSON(path, token());
      problem = null;
      if (state.talks_done !== doneSeen || !standings) {
        standings = await getJSON(`${path}/standings`, token());
        await refreshTalks();
        doneSeen = state.talks_done;
      }
      drawBoard();
      loadReport();
    } catch (err) {
      problem = `${err.message}${err.code ? ` (${err.code})` : ''}`;
    }
    polling = false;
    if (stopped) return;
    drawHead();
    const active = state && (state.status === 'running' || state.status === 'created');
    timer = setTimeout(poll, active ? POLL_MS : POLL_MS * 5);
  }

  drawHead();
  poll();
  return {
    destroy() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
