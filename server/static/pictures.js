// The picture panel: the tabled packages on the utility plane of two chosen
// seats, in parallel coordinates, as concession over the rounds, or across
// the agenda. Utilities come from GET /api/rooms/{room}/analysis, which gives
// each reader what it may see: the organizer every seat's (and the Pareto
// frontier and Nash point), a seat its own, a spectator none.

import { h } from './dom.js';
import { optionLabel } from './narrate.js';
import { agendaPlot, concession, parallel, plane, roundColour } from './picture.js';

const MODES = {
  plane: 'Utility plane',
  parallel: 'Parallel coordinates',
  concession: 'Concession',
  mine: 'Your utilities',
  agenda: 'Across the agenda',
};

function modesFor(v) {
  const a = v.analysis;
  const known = a ? Object.keys(a.reservations) : [];
  if (known.length >= 2) return ['plane', 'parallel', 'concession', 'agenda'];
  if (known.length === 1) return ['mine', 'agenda'];
  return ['agenda'];
}

export function panel(v, el) {
  const m = v.model;
  const a = v.analysis;
  if (!m.started && m.packages.length === 0) {
    v.sections.render(el, 'none', () => null);
    return;
  }
  const modes = modesFor(v);
  const pic = v.picture;
  // the richest view the reader's utilities allow, until the viewer picks one
  if (!pic.chosen || !modes.includes(pic.mode)) pic.mode = modes[0];
  const known = a ? Object.keys(a.reservations) : [];
  if (!known.includes(pic.a)) pic.a = known[0] || null;
  if (!known.includes(pic.b) || pic.b === pic.a) pic.b = known.find((x) => x !== pic.a) || null;
  const key = [pic, a ? [a.reader, a.packages.map((p) => [p.package_id, p.withdrawn]), a.frontier ? a.frontier.size : 0] : null,
    m.packages.map((p) => [p.package_id, p.withdrawn]), m.adopted && m.adopted.package_id, m.round, v.analysisError];
  v.sections.render(el, key, () => {
    const adoptedId = m.adopted ? m.adopted.package_id : null;
    const name = (seat) => m.name(seat);
    let plot;
    let note = null;
    if (pic.mode === 'agenda') {
      plot = agendaPlot(m.scenario, m.packages, adoptedId, optionLabel);
      if (!known.length) {
        note = 'Briefs are private: a spectator sees no utilities. Take a seat to see yours, or use the organizer token to see every seat\'s with the Pareto frontier and the Nash point.';
      }
    } else if (pic.mode === 'plane') {
      plot = plane(a, pic.a, pic.b, adoptedId, m.round, name);
    } else if (pic.mode === 'parallel') {
      plot = parallel(a, adoptedId, name);
    } else if (pic.mode === 'concession') {
      plot = concession(a, known, { rounds: m.round, name });
    } else {
      plot = concession(a, known, { all: true, rounds: m.round, name });
      note = 'Dots: your utility of every package tabled, by round; the line: the best of your own packages each round; dashes: your reservation.';
    }
    const seatSelect = (which, label) => h('label', { class: 'small' }, label, ' ',
      h('select', { 'data-control': `plane-${which}`, onchange: (ev) => { pic[which] = ev.target.value; v.schedule(); } },
        known.map((seat) => h('option', { value: seat, selected: seat === pic[which] }, m.name(seat)))));
    return h('section', { class: 'card picture', id: 'picture' },
      h('div', { class: 'picture-head' },
        h('h2', {}, 'The picture'),
        h('div', { class: 'segmented', role: 'tablist' }, modes.map((mode) => h('button', {
          type: 'button', role: 'tab', class: mode === pic.mode ? 'active' : '', 'aria-selected': String(mode === pic.mode),
          dataset: { mode }, onclick: () => { pic.mode = mode; pic.chosen = true; v.schedule(); },
        }, MODES[mode])))),
      pic.mode === 'plane' ? h('div', { class: 'plane-axes' }, seatSelect('a', 'x:'), seatSelect('b', 'y:')) : null,
      h('div', { class: 'plot-box' }, plot),
      legend(v, pic.mode, m),
      note ? h('p', { class: 'muted small', id: 'picture-note' }, note) : null,
      v.analysisError ? h('p', { class: 'error small' }, v.analysisError) : null);
  });
}

function legend(v, mode, m) {
  const rounds = [...new Set(m.packages.map((p) => p.round))].sort((x, y) => x - y);
  const items = rounds.map((r) => h('span', { class: 'legend-item' }, h('i', { class: 'swatch', style: `background: ${roundColour(r)}` }), `round ${r}`));
  if (v.analysis && v.analysis.frontier && (mode === 'plane' || mode === 'parallel')) {
    items.push(h('span', { class: 'legend-item' }, h('i', { class: 'swatch frontier' }), `Pareto frontier (${v.analysis.frontier.size} packages)`));
    if (v.analysis.nash) items.push(h('span', { class: 'legend-item' }, h('i', { class: 'swatch nash' }), 'Nash point'));
  }
  if (mode !== 'agenda' && mode !== 'concession') items.push(h('span', { class: 'legend-item' }, h('i', { class: 'swatch reservation' }), 'reservation'));
  return items.length ? h('div', { class: 'legend' }, items) : null;
}
