// Building the page's elements. Every text taken from the server (names,
// statements, scenario texts) goes in as a text node, never as markup: there is
// no innerHTML anywhere in the page.

const SVG_NS = 'http://www.w3.org/2000/svg';

function fill(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: h('p', {class: 'note'}, 'text', otherElement). */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element, the same way. */
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Replace an element's children. */
export function put(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A number with `digits` decimals, or a dash. */
export function fixed(x, digits = 3) {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '–';
}

/** Like Python's f"{x:g}" for the sizes the page shows (weights, sanctions). */
export function g(x) {
  return String(Number(Number(x).toPrecision(6)));
}

/** A time as hh:mm:ss in the viewer's clock. */
export function clock(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour12: false });
}

/** Seconds as m:ss (or h:mm:ss). */
export function duration(seconds) {
  const total = Math.max(0, Math.ceil(seconds));
  const hrs = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return hrs ? `${hrs}:${String(min).padStart(2, '0')}:${sec}` : `${min}:${sec}`;
}

/**
 * Re-renders a section only when what it shows has changed: a section rebuilt
 * on every event would swallow clicks that land while it is replaced.
 */
export class Sections {
  constructor() {
    this.keys = new Map();
  }

  render(el, key, build) {
    const text = JSON.stringify(key);
    if (this.keys.get(el) === text) return;
    this.keys.set(el, text);
    put(el, build());
  }

  forget(el) {
    this.keys.delete(el);
  }
}
