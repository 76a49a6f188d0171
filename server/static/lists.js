// The front page: rooms and tournaments, kept live by polling the API.
//
// Rooms are listed oldest first by the API, a page at a time. The page reads
// every page once, then on each poll only the last page (where new rooms
// arrive) and the rooms in a lobby or running (whose phase moves); a room that
// has left those lists is looked up once to learn how it ended.

import { credentials, getJSON } from './api.js';
import { h, put } from './dom.js';
import { roomHref, tournamentHref } from './routes.js';

const POLL_MS = 1500;
const PAGE = 500;
const FINISHED_SHOWN = 40;

function ago(seconds) {
  const s = Math.max(0, Date.now() / 1000 - seconds);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(seconds * 1000).toLocaleDateString();
}

function phaseText(r) {
  if (r.status === 'failed' || r.status === 'expired') return r.reason || '';
  if (!r.phase) return '';
  if (r.phase === 'lobby') return 'waiting for seats';
  if (r.phase === 'concluded') return 'concluded';
  if (r.phase === 'action' || r.phase === 'verification') return `period ${r.period} · ${r.phase}`;
  return `round ${r.round} · ${r.phase}`;
}

function seatDots(r) {
  if (!r.seats) return '';
  const seats = Object.entries(r.seats);
  const taken = seats.filter(([, t]) => t).length;
  return h('span', { class: 'dots', title: `${taken} of ${seats.length} seats taken` },
    seats.map(([seat, t]) => h('i', { class: t ? 'on' : 'off', title: seat })),
    h('span', { class: 'muted' }, ` ${taken}/${seats.length}`));
}

export function listsView(root) {
  const rooms = new Map(); // id → summary
  let tailAfter = null; // the `after` of the last page of rooms
  let loaded = false;
  let tournaments = [];
  let problem = null;
  let updated = null;
  let stopped = false;
  let timer = null;
  let showAll = false;

  const status = h('p', { class: 'muted small', id: 'lists-status' });
  const liveBody = h('tbody');
  const doneBody = h('tbody');
  const more = h('div', { class: 'more' });
  const tourBody = h('tbody');
  const creator = h('div');

  put(root,
    h('div', { class: 'lists' },
      h('section', { class: 'hero' },
        h('h1', {}, 'Talks at the table'),
        h('p', { class: 'lead' },
          'Multilateral talks between software delegations and people: tabling, ballots, vetoes, ',
          'and living with the agreement afterwards. Open a room to watch it live, or take your seat with its link.'),
        status),
      creator,
      h('section', { class: 'card' },
        h('h2', {}, 'Rooms in session'),
        h('table', { class: 'grid rooms', id: 'rooms-live' }, roomHead(), liveBody)),
      h('section', { class: 'card' },
        h('h2', {}, 'Tournaments'),
        h('table', { class: 'grid tournaments', id: 'tournaments' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Tournament'), h('th', {}, 'Status'),
            h('th', { class: 'wide' }, 'Progress'), h('th', {}, 'Created'))),
          tourBody)),
      h('section', { class: 'card' },
        h('h2', {}, 'Finished rooms'),
        h('table', { class: 'grid rooms', id: 'rooms-done' }, roomHead(), doneBody),
        more)));

  function roomHead() {
    return h('thead', {}, h('tr', {}, h('th', {}, 'Room'), h('th', { class: 'wide' }, 'Scenario'),
      h('th', {}, 'Status'), h('th', {}, 'Phase'), h('th', {}, 'Seats'), h('th', { class: 'num' }, 'Events'),
      h('th', {}, 'Created')));
  }

  function roomRow(r) {
    const open = () => { location.hash = roomHref(r.room); };
    return h('tr', { class: 'clickable', dataset: { room: r.room }, tabindex: '0', onclick: open,
      onkeydown: (ev) => { if (ev.key === 'Enter') open(); } },
    h('td', {}, h('a', { href: roomHref(r.room), class: 'mono' }, r.room)),
    h('td', { class: 'wide' }, r.title || r.scenario, r.public === false ? h('span', { class: 'badge quiet' }, 'private') : null),
    h('td', {}, h('span', { class: `badge status-${r.status}` }, r.status)),
    h('td', {}, phaseText(r)),
    h('td', {}, seatDots(r)),
    h('td', { class: 'num' }, r.seq ?? ''),
    h('td', { class: 'muted' }, ago(r.created_at)));
  }

  function tournamentRow(t) {
    const open = () => { location.hash = tournamentHref(t.tournament); };
    const share = t.talks_planned ? t.talks_done / t.talks_planned : 0;
    return h('tr', { class: 'clickable', dataset: { tournament: t.tournament }, tabindex: '0', onclick: open,
      onkeydown: (ev) => { if (ev.key === 'Enter') open(); } },
    h('td', {}, h('a', { href: tournamentHref(t.tournament) }, t.tournament),
      t.public ? null : h('span', { class: 'badge quiet' }, 'private')),
    h('td', {}, h('span', { class: `badge status-${t.status}` }, t.status)),
    h('td', { class: 'wide' }, h('div', { class: 'progress', title: `${t.talks_done} of ${t.talks_planned} talks` },
      h('div', { class: 'bar', style: `width: ${(share * 100).toFixed(1)}%` })),
    h('span', { class: 'muted small' }, `${t.talks_done} / ${t.talks_planned} talks`)),
    h('td', { class: 'muted' }, ago(t.created_at)));
  }

  function draw() {
    const all = [...rooms.values()].sort((a, b) => b.created_at - a.created_at || (a.room < b.room ? 1 : -1));
    const live = all.filter((r) => r.status === 'lobby' || r.status === 'running');
    const done = all.filter((r) => !(r.status === 'lobby' || r.status === 'running'));
    put(liveBody, live.length ? live.map(roomRow) : emptyRow(7, loaded ? 'No talks in session right now.' : 'Loading…'));
    const shown = showAll ? done : done.slice(0, FINISHED_SHOWN);
    put(doneBody, shown.length ? shown.map(roomRow) : emptyRow(7, loaded ? 'No finished rooms yet.' : 'Loading…'));
    put(more, done.length > shown.length
      ? h('button', { type: 'button', class: 'link', onclick: () => { showAll = true; draw(); } },
        `Show all ${done.length} finished rooms`)
      : null);
    const sortedT = [...tournaments].sort((a, b) => b.created_at - a.created_at);
    put(tourBody, sortedT.length ? sortedT.map(tournamentRow) : emptyRow(4, loaded ? 'No tournaments yet.' : 'Loading…'));
    put(status, problem
      ? h('span', { class: 'error' }, `${problem} — retrying`)
      : updated ? `Live · ${rooms.size} rooms, ${tournaments.length} tournaments · updated ${updated.toLocaleTimeString([], { hour12: false })}` : '');
  }

  function emptyRow(cols, text) {
    return h('tr', { class: 'empty' }, h('td', { colspan: cols }, text));
  }

  async function pages(path, key) {
    const out = [];
    let after = null;
    for (;;) {
      const sep = path.includes('?') ? '&' : '?';
      const page = await getJSON(`${path}${sep}limit=${PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
        credentials.organizer());
      out.push(...page[key]);
      if (!page.next) return out;
      after = page.next;
    }
  }

  async function pollRooms() {
    const seen = new Set();
    // the tail: new rooms arrive on the last page
    let after = tailAfter;
    for (;;) {
      const page = await getJSON(`/api/rooms?limit=${PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      for (const r of page.rooms) { rooms.set(r.room, r); seen.add(r.room); }
      if (!page.next) break;
      after = tailAfter = page.next;
    }
    // the rooms whose phase moves
    for (const st of ['lobby', 'running']) {
      for (const r of await pages(`/api/rooms?status=${st}`, 'rooms')) { rooms.set(r.room, r); seen.add(r.room); }
    }
    // rooms that were in session and are no longer: how did they end?
    for (const r of [...rooms.values()]) {
      if (seen.has(r.room) || !(r.status === 'lobby' || r.status === 'running')) continue;
      try {
        const snap = await getJSON(`/api/rooms/${encodeURIComponent(r.room)}`);
        rooms.set(r.room, { ...r, status: snap.phase === 'concluded' ? 'concluded' : r.status, phase: snap.phase,
          round: snap.round, period: snap.period, seq: snap.seq });
      } catch (err) {
        const ended = { 409: 'failed', 410: 'expired' }[err.status];
        if (ended) rooms.set(r.room, { ...r, status: ended, reason: err.message });
        else if (err.status === 404) rooms.delete(r.room);
      }
    }
  }

  async function poll() {
    if (stopped) return;
    try {
      await pollRooms();
      tournaments = await pages('/api/tournaments', 'tournaments');
      loaded = true;
      problem = null;
      updated = new Date();
    } catch (err) {
      problem = err.message;
    }
    if (stopped) return;
    draw();
    timer = setTimeout(poll, POLL_MS);
  }

  if (credentials.organizer()) organizerTools(creator);
  draw();
  poll();
  return {
    destroy() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

// --- for the organizer: open a room and hand out its seats ---------------------------------

function organizerTools(box) {
  const scenario = h('select', { 'data-control': 'new-room-scenario', 'aria-label': 'Scenario' });
  const seed = h('input', { type: 'number', min: '0', placeholder: 'random', class: 'short', 'aria-label': 'Seed' });
  const isPublic = h('input', { type: 'checkbox', checked: true });
  const error = h('p', { class: 'error', role: 'alert' });
  const result = h('div');
  const button = h('button', { type: 'submit', 'data-control': 'new-room' }, 'Open the room');
  getJSON('/api/scenarios').then((body) => {
    put(scenario, body.scenarios.map((sc) => h('option', { value: sc.name },
      `${sc.title} (${Array.isArray(sc.seats) ? sc.seats.length : sc.seats} seats)`)));
  }).catch((err) => put(error, err.message));
  const form = h('form', { class: 'row-form', onsubmit: async (ev) => {
    ev.preventDefault();
    put(error);
    button.disabled = true;
    const body = { scenario: scenario.value, public: isPublic.checked };
    if (seed.value !== '') body.seed = Number(seed.value);
    try {
      const created = await getJSON('/api/rooms', credentials.organizer(), {
        method: 'POST', body: JSON.stringify(body),
      });
      showSeats(result, created);
    } catch (err) {
      put(error, `${err.message} (${err.code})`);
    } finally {
      button.disabled = false;
    }
  } },
  h('label', {}, 'Scenario ', scenario),
  h('label', {}, 'Seed ', seed),
  h('label', { class: 'check' }, isPublic, ' public transcript'),
  button);
  put(box, h('section', { class: 'card organizer-tools' },
    h('h2', {}, 'Open a room'),
    h('p', { class: 'muted small' }, 'Each seat gets a link with its token; send each to whoever takes that seat ',
      '(a person in this page, ', h('code', {}, 'accord join'), ', or a bot: ', h('code', {}, 'accord bot run … --token'), ').'),
    form, error, result));
}

function showSeats(box, created) {
  const base = `${location.origin}${location.pathname}`;
  put(box, h('div', { class: 'seat-links' },
    h('p', {}, 'Room ', h('a', { href: roomHref(created.room), class: 'mono' }, created.room), ' is open. Seat links:'),
    h('table', { class: 'grid' }, h('tbody', {}, Object.entries(created.seats).map(([seat, token]) => {
      const link = `${base}${roomHref(created.room)}?token=${encodeURIComponent(token)}`;
      const field = h('input', { type: 'text', readonly: true, value: link, class: 'mono link-field',
        onfocus: (ev) => ev.target.select() });
      return h('tr', {}, h('td', {}, seat), h('td', { class: 'wide' }, field),
        h('td', {}, h('button', { type: 'button', class: 'small', onclick: () => {
          if (navigator.clipboard) navigator.clipboard.writeText(link).catch(() => field.select());
          else field.select();
        } }, 'copy')));
    }))),
    h('p', { class: 'muted small' }, 'The links hold the tokens: they are shown once. Anyone with a link holds that seat.')));
}
