// The page's addresses (hash routes); see app.js for the forms.

/** The route a hash names: {name: 'lists'|'room'|'tournament'|'unknown', id, params}. */
export function parseHash(hash) {
  const raw = (hash || '').replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  let parts;
  try {
    parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch (err) {
    return { name: 'unknown', id: null, params };
  }
  if (parts.length === 0) return { name: 'lists', id: null, params };
  if (parts.length === 2 && parts[0] === 'rooms') return { name: 'room', id: parts[1], params };
  if (parts.length === 2 && parts[0] === 'tournaments') return { name: 'tournament', id: parts[1], params };
  return { name: 'unknown', id: null, params };
}

export const roomHref = (room) => `#/rooms/${encodeURIComponent(room)}`;
export const tournamentHref = (name) => `#/tournaments/${encodeURIComponent(name)}`;
