// The room's picture, drawn as SVG: the tabled packages on the utility plane
// of two seats with the Pareto frontier and the Nash point, the same in
// parallel coordinates for every seat, and each seat's concession over the
// rounds. It draws only the utilities GET /api/rooms/{room}/analysis gave the
// viewer: every seat's for the organizer, a seat's own for a seat.

import { fixed, s } from './dom.js';

const W = 420;
const H = 330;
const PAD = { left: 46, right: 14, top: 14, bottom: 40 };
const ROUND_COLOURS = ['#2f6fdf', '#d9822b', '#2e9d5b', '#b4387d', '#7a5bd6', '#c0392b', '#16a0a6'];

export const roundColour = (round) => ROUND_COLOURS[(round - 1) % ROUND_COLOURS.length];

function scale(lo, hi, from, to) {
  const span = hi - lo || 1;
  return (v) => from + ((v - lo) / span) * (to - from);
}

function bounds(values) {
  let lo = Math.min(0, ...values);
  let hi = Math.max(1, ...values);
  if (!Number.isFinite(lo)) lo = 0;
  if (!Number.isFinite(hi)) hi = 1;
  return [lo, hi];
}

function axes(x, y, [x0, x1], [y0, y1], xLabel, yLabel) {
  const ticks = [];
  for (let k = 0; k <= 4; k++) {
    const vx = x0 + ((x1 - x0) * k) / 4;
    const vy = y0 + ((y1 - y0) * k) / 4;
    ticks.push(
      s('line', { x1: x(vx), x2: x(vx), y1: H - PAD.bottom, y2: H - PAD.bottom + 4, class: 'axis' }),
      s('text', { x: x(vx), y: H - PAD.bottom + 15, 'text-anchor': 'middle', class: 'tick' }, vx.toFixed(2)),
      s('line', { x1: PAD.left - 4, x2: PAD.left, y1: y(vy), y2: y(vy), class: 'axis' }),
      s('text', { x: PAD.left - 6, y: y(vy) + 3, 'text-anchor': 'end', class: 'tick' }, vy.toFixed(2)),
    );
  }
  return [
    s('line', { x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom, class: 'axis' }),
    s('line', { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: H - PAD.bottom, class: 'axis' }),
    ticks,
    s('text', { x: (PAD.left + W - PAD.right) / 2, y: H - 6, 'text-anchor': 'middle', class: 'label' }, xLabel),
    s(
      'text',
      { x: 12, y: (PAD.top + H - PAD.bottom) / 2, 'text-anchor': 'middle', class: 'label',
        transform: `rotate(-90 12 ${(PAD.top + H - PAD.bottom) / 2})` },
      yLabel,
    ),
  ];
}

/** The upper-right envelope of points in two seats' utilities (their 2-D frontier). */
function envelope(points, a, b) {
  const sorted = points.map((p) => [p[a], p[b]]).sort((p, q) => q[0] - p[0] || q[1] - p[1]);
  const out = [];
  let best = -Infinity;
  for (const [u, v] of sorted) {
    if (v > best) {
      out.push([u, v]);
      best = v;
    }
  }
  return out.reverse();
}

function star(cx, cy, r) {
  const pts = [];
  for (let k = 0; k < 10; k++) {
    const rad = k % 2 ? r * 0.45 : r;
    const angle = -Math.PI / 2 + (k * Math.PI) / 5;
    pts.push(`${(cx + rad * Math.cos(angle)).toFixed(1)},${(cy + rad * Math.sin(angle)).toFixed(1)}`);
  }
  return pts.join(' ');
}

function packageTitle(p, seats) {
  const us = seats.filter((seat) => seat in p.utilities).map((seat) => `${seat} ${fixed(p.utilities[seat])}`);
  return `${p.package_id} (round ${p.round}, tabled by ${p.seat}${p.withdrawn ? ', withdrawn' : ''}): ${us.join(', ')}`;
}

/**
 * Tabled packages on the plane of seats a (x) and b (y). Only the adopted package
 * and those of round `labelRound` are labelled (the others say theirs on hover).
 */
export function plane(analysis, a, b, adoptedId, labelRound = null, name = (seat) => seat) {
  const frontier = analysis.frontier ? analysis.frontier.points : [];
  const packages = analysis.packages.filter((p) => a in p.utilities && b in p.utilities);
  const xs = [...frontier.map((p) => p[a]), ...packages.map((p) => p.utilities[a])];
  const ys = [...frontier.map((p) => p[b]), ...packages.map((p) => p.utilities[b])];
  const xb = bounds(xs);
  const yb = bounds(ys);
  const x = scale(xb[0], xb[1], PAD.left, W - PAD.right);
  const y = scale(yb[0], yb[1], H - PAD.bottom, PAD.top);
  const res = analysis.reservations;
  const edge = envelope(frontier, a, b);
  return s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'plot', id: 'plot-plane', role: 'img' },
    s('title', {}, `Tabled packages: ${a}'s utility against ${b}'s`),
    axes(x, y, xb, yb, `utility to ${name(a)}`, `utility to ${name(b)}`),
    frontier.map((p) => s('circle', { cx: x(p[a]), cy: y(p[b]), r: 1.6, class: 'frontier-point' })),
    edge.length > 1
      ? s('polyline', { points: edge.map(([u, v]) => `${x(u)},${y(v)}`).join(' '), class: 'frontier-line' })
      : null,
    a in res ? s('line', { x1: x(res[a]), x2: x(res[a]), y1: PAD.top, y2: H - PAD.bottom, class: 'reservation' }) : null,
    b in res ? s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(res[b]), y2: y(res[b]), class: 'reservation' }) : null,
    packages.map((p) => {
      const spot = `${x(p.utilities[a]).toFixed(0)},${y(p.utilities[b]).toFixed(0)}`;
      const here = packages.filter((q) => `${x(q.utilities[a]).toFixed(0)},${y(q.utilities[b]).toFixed(0)}` === spot);
      // packages at one spot share one label
      const named = here.filter((q) => q.package_id === adoptedId || q.round === labelRound);
      const label = named.length && named[0] === p ? named.map((q) => q.package_id).join(', ') : null;
      return s(
        'g',
        { class: `package${p.withdrawn ? ' withdrawn' : ''}${p.package_id === adoptedId ? ' adopted' : ''}`,
          dataset: { package: p.package_id } },
        s('circle', { cx: x(p.utilities[a]), cy: y(p.utilities[b]), r: p.package_id === adoptedId ? 7 : 5,
                      fill: roundColour(p.round) }),
        label ? s('text', { x: x(p.utilities[a]) + (x(p.utilities[a]) > W * 0.7 ? -8 : 8), y: y(p.utilities[b]) - 7,
          'text-anchor': x(p.utilities[a]) > W * 0.7 ? 'end' : 'start', class: 'point-label' }, label) : null,
        s('title', {}, packageTitle(p, analysis.seats)),
      );
    }),
    analysis.nash && a in analysis.nash.utilities
      ? s('polygon', { points: star(x(analysis.nash.utilities[a]), y(analysis.nash.utilities[b]), 8), class: 'nash' },
          s('title', {}, `Nash point: ${a} ${fixed(analysis.nash.utilities[a])}, ${b} ${fixed(analysis.nash.utilities[b])}`))
      : null,
  );
}

/** Every seat as a vertical axis; each package a line across them. */
export function parallel(analysis, adoptedId, name = (seat) => seat) {
  const seats = analysis.seats;
  const width = Math.max(W, 70 * seats.length);
  const x = (k) => PAD.left + (k * (width - PAD.left - PAD.right)) / Math.max(1, seats.length - 1);
  const y = scale(0, 1, H - PAD.bottom, PAD.top);
  const line = (u) => seats.map((seat, k) => `${x(k)},${y(u[seat])}`).join(' ');
  return s(
    'svg',
    { viewBox: `0 0 ${width} ${H}`, class: 'plot', id: 'plot-parallel', role: 'img' },
    s('title', {}, 'Tabled packages in parallel coordinates: one axis per seat'),
    seats.map((seat, k) => [
      s('line', { x1: x(k), x2: x(k), y1: PAD.top, y2: H - PAD.bottom, class: 'axis' }),
      s('text', { x: x(k), y: H - PAD.bottom + 15, 'text-anchor': 'middle', class: 'label' }, clip(name(seat), 14),
        s('title', {}, name(seat))),
      seat in analysis.reservations
        ? s('line', { x1: x(k) - 6, x2: x(k) + 6, y1: y(analysis.reservations[seat]), y2: y(analysis.reservations[seat]), class: 'reservation' })
        : null,
    ]),
    [0, 0.5, 1].map((v) => s('text', { x: PAD.left - 8, y: y(v) + 3, 'text-anchor': 'end', class: 'tick' }, v.toFixed(1))),
    analysis.nash ? s('polyline', { points: line(analysis.nash.utilities), class: 'nash-line' }, s('title', {}, 'Nash point')) : null,
    analysis.packages
      .filter((p) => seats.every((seat) => seat in p.utilities))
      .map((p) =>
        s('polyline', { points: line(p.utilities), stroke: roundColour(p.round),
                        class: `package-line${p.withdrawn ? ' withdrawn' : ''}${p.package_id === adoptedId ? ' adopted' : ''}` },
          s('title', {}, packageTitle(p, seats))),
      ),
  );
}

/**
 * Concession over the rounds: for each seat whose utilities the viewer has,
 * its own utility of the packages it tabled, round by round (a falling line
 * is a seat giving ground). With `all`, every package's utility to that seat
 * is drawn too, as dots (a seat's own view of the table).
 */
export function concession(analysis, seats, { all = false, rounds = 1, name = (seat) => seat } = {}) {
  const last = Math.max(rounds, 1, ...analysis.packages.map((p) => p.round));
  const x = scale(0.5, last + 0.5, PAD.left, W - PAD.right);
  const values = analysis.packages.flatMap((p) => seats.filter((seat) => seat in p.utilities).map((seat) => p.utilities[seat]));
  const yb = bounds([...values, ...seats.map((seat) => analysis.reservations[seat] ?? 0)]);
  const y = scale(yb[0], yb[1], H - PAD.bottom, PAD.top);
  const palette = ['#2f6fdf', '#d9822b', '#2e9d5b', '#b4387d', '#7a5bd6', '#c0392b', '#16a0a6', '#6b7280', '#a16207'];
  const colour = (seat) => palette[analysis.seats.indexOf(seat) % palette.length];
  const series = seats.map((seat) => {
    const own = analysis.packages.filter((p) => p.seat === seat && seat in p.utilities);
    const byRound = new Map();
    for (const p of own) byRound.set(p.round, Math.max(byRound.get(p.round) ?? -Infinity, p.utilities[seat]));
    return { seat, points: [...byRound.entries()].sort((p, q) => p[0] - q[0]) };
  });
  // packages of one round side by side, so that equal utilities stay apart
  const inRound = new Map();
  const offsets = new Map();
  for (const p of analysis.packages) {
    const k = inRound.get(p.round) ?? 0;
    inRound.set(p.round, k + 1);
    offsets.set(p.package_id, k);
  }
  const spread = (p) => (offsets.get(p.package_id) - (inRound.get(p.round) - 1) / 2) * 7;
  const roundTicks = [];
  for (let r = 1; r <= last; r++) {
    roundTicks.push(s('text', { x: x(r), y: H - PAD.bottom + 15, 'text-anchor': 'middle', class: 'tick' }, String(r)));
  }
  return s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'plot', id: 'plot-concession', role: 'img' },
    s('title', {}, 'Concession: each seat\'s utility of the packages it tabled, round by round'),
    s('line', { x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom, class: 'axis' }),
    s('line', { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: H - PAD.bottom, class: 'axis' }),
    roundTicks,
    [0, 0.25, 0.5, 0.75, 1].map((k) => {
      const v = yb[0] + (yb[1] - yb[0]) * k;
      return s('text', { x: PAD.left - 6, y: y(v) + 3, 'text-anchor': 'end', class: 'tick' }, v.toFixed(2));
    }),
    s('text', { x: (PAD.left + W - PAD.right) / 2, y: H - 6, 'text-anchor': 'middle', class: 'label' }, 'round'),
    seats.filter((seat) => seat in analysis.reservations).map((seat) =>
      s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(analysis.reservations[seat]), y2: y(analysis.reservations[seat]),
                  class: 'reservation', stroke: colour(seat) }, s('title', {}, `${seat}'s reservation`))),
    all
      ? analysis.packages.filter((p) => seats[0] in p.utilities).map((p) =>
          s('circle', { cx: x(p.round) + spread(p), cy: y(p.utilities[seats[0]]), r: 4,
                        class: `table-dot${p.withdrawn ? ' withdrawn' : ''}`, fill: roundColour(p.round) },
            s('title', {}, `${p.package_id} (tabled by ${p.seat}): ${fixed(p.utilities[seats[0]])} to you`)))
      : null,
    series.map(({ seat, points }) => [
      points.length > 1
        ? s('polyline', { points: points.map(([r, u]) => `${x(r)},${y(u)}`).join(' '), class: 'concession-line', stroke: colour(seat) })
        : null,
      points.map(([r, u]) => s('circle', { cx: x(r), cy: y(u), r: 3.5, fill: colour(seat) },
        s('title', {}, `${seat}, round ${r}: ${fixed(u)}`))),
    ]),
    s('g', { class: 'legend' },
      series.map(({ seat }, k) => [
        s('rect', { x: W - PAD.right - 90, y: PAD.top + k * 14, width: 10, height: 10, fill: colour(seat) }),
        s('text', { x: W - PAD.right - 76, y: PAD.top + k * 14 + 9, class: 'tick' }, clip(name(seat), 14)),
      ])),
  );
}

function clip(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/**
 * The packages across the agenda: one axis per issue with its options, each
 * package a line through the options it chooses. Only public facts: what every
 * viewer may see, spectators included.
 */
export function agendaPlot(scenario, packages, adoptedId, optionLabel) {
  const issues = scenario.issues;
  const width = Math.max(W, 120 * issues.length);
  const top = PAD.top + 14;
  const bottom = H - 40;
  const left = 70;
  const right = 70;
  const x = (k) => left + (k * (width - left - right)) / Math.max(1, issues.length - 1);
  const y = (issue, option) => {
    const n = issue.options.length;
    const k = issue.options.indexOf(option);
    return n === 1 ? (top + bottom) / 2 : bottom - (k * (bottom - top)) / (n - 1);
  };
  const full = packages.filter((p) => issues.every((i) => i.options.includes(p.package[i.id])));
  // the same package tabled twice: draw the lines side by side rather than on top of each other
  const same = new Map();
  const nth = new Map();
  for (const p of full) {
    const key = JSON.stringify(issues.map((i) => p.package[i.id]));
    nth.set(p.package_id, same.get(key) || 0);
    same.set(key, (same.get(key) || 0) + 1);
  }
  const shift = (p) => {
    const n = same.get(JSON.stringify(issues.map((i) => p.package[i.id])));
    return (nth.get(p.package_id) - (n - 1) / 2) * 5;
  };
  const line = (p) => issues.map((issue, k) => `${x(k)},${y(issue, p.package[issue.id]) + shift(p)}`).join(' ');
  return s(
    'svg',
    { viewBox: `0 0 ${width} ${H}`, class: 'plot', id: 'plot-agenda', role: 'img' },
    s('title', {}, 'Tabled packages across the agenda: one axis per issue, one line per package'),
    issues.map((issue, k) => s('line', { x1: x(k), x2: x(k), y1: top, y2: bottom, class: 'axis' })),
    full.map((p) =>
      s('polyline', { points: line(p), stroke: roundColour(p.round),
        class: `package-line${p.withdrawn ? ' withdrawn' : ''}${p.package_id === adoptedId ? ' adopted' : ''}`,
        dataset: { package: p.package_id } },
      s('title', {}, `${p.package_id} (round ${p.round}, tabled by ${p.seat}${p.withdrawn ? ', withdrawn' : ''})`))),
    issues.map((issue, k) => [
      s('text', { x: x(k), y: H - 12, 'text-anchor': 'middle', class: 'label' }, clip(issue.title, 22), s('title', {}, issue.title)),
      issue.options.map((o) =>
        s('text', { x: x(k) + (k === issues.length - 1 ? -6 : 6), y: y(issue, o) - 5,
          'text-anchor': k === issues.length - 1 ? 'end' : 'start', class: 'tick option-tick' },
        clip(optionLabel(issue, o), 18), s('title', {}, optionLabel(issue, o)))),
    ]),
  );
}
