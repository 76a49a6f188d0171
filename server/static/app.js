// The page: hash routes, the organizer's token, one view at a time.
//
//   #/                                the lists of rooms and tournaments
//   #/rooms/{room}                    a room (as spectator, or with a token kept in this tab)
//   #/rooms/{room}?token=SEAT_TOKEN   a seat: the token moves into sessionStorage and out of
//                                     the address bar before anything is loaded
//   #/tournaments/{name}              a tournament
//
// These forms are a contract: `accord demo --human SEAT` prints the seat link.

import { credentials } from './api.js';
import { h, put } from './dom.js';
import { listsView } from './lists.js';
import { parseHash, roomHref } from './routes.js';
import { roomView } from './room.js';
import { tournamentView } from './tournament.js';

const app = document.getElementById('app');
const crumbs = document.getElementById('crumbs');
const organizerBox = document.getElementById('organizer');
let current = null;

function route() {
  const r = parseHash(location.hash);
  if (r.name === 'room' && r.params.has('token')) {
    // a seat link: keep the token in this tab only, and take it out of the address bar
    // (and from behind the Back button) before anything else happens
    credentials.setSeat(r.id, r.params.get('token').trim());
    history.replaceState(null, '', roomHref(r.id));
  }
  if (current) current.destroy();
  current = null;
  put(app);
  window.scrollTo(0, 0);
  if (r.name === 'lists') {
    setCrumbs([]);
    document.title = 'accord';
    current = listsView(app);
  } else if (r.name === 'room') {
    setCrumbs([['Rooms', '#/'], [r.id, null]]);
    document.title = `${r.id} · accord`;
    current = roomView(app, r.id);
  } else if (r.name === 'tournament') {
    setCrumbs([['Tournaments', '#/'], [r.id, null]]);
    document.title = `${r.id} · accord`;
    current = tournamentView(app, r.id);
  } else {
    setCrumbs([]);
    put(app, h('section', { class: 'card notice' }, h('h2', {}, 'Nothing here'),
      h('p', {}, 'This address names no page. ', h('a', { href: '#/' }, 'See the rooms and tournaments.'))));
  }
}

function setCrumbs(items) {
  put(crumbs, items.map(([label, href], k) => [
    k ? h('span', { class: 'sep', 'aria-hidden': 'true' }, '/') : null,
    href ? h('a', { href }, label) : h('span', { class: 'here' }, label),
  ]));
}

// --- the organizer's token -------------------------------------------------------------

let organizerOpen = false;

function renderOrganizer() {
  const token = credentials.organizer();
  if (token) {
    put(organizerBox,
      h('span', { class: 'badge organizer', title: 'The organizer token is kept in this tab only' }, 'organizer'),
      h('button', { type: 'button', class: 'link', 'data-control': 'organizer-forget',
        onclick: () => { credentials.setOrganizer(null); renderOrganizer(); route(); } }, 'forget token'));
    return;
  }
  if (!organizerOpen) {
    put(organizerBox, h('button', { type: 'button', class: 'link', 'data-control': 'organizer-open',
      onclick: () => { organizerOpen = true; renderOrganizer(); organizerBox.querySelector('input').focus(); } },
    'Organizer token…'));
    return;
  }
  const input = h('input', { type: 'password', placeholder: 'organizer token', autocomplete: 'off',
    'data-control': 'organizer-token', 'aria-label': 'Organizer token' });
  const form = h('form', { class: 'inline-form', onsubmit: (ev) => {
    ev.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    credentials.setOrganizer(value);
    organizerOpen = false;
    renderOrganizer();
    route();
  } },
  input,
  h('button', { type: 'submit', 'data-control': 'organizer-use' }, 'Use'),
  h('button', { type: 'button', class: 'link', onclick: () => { organizerOpen = false; renderOrganizer(); } }, 'cancel'));
  put(organizerBox, form);
}

window.addEventListener('hashchange', route);
renderOrganizer();
route();
