// The HTTP API and where the page keeps credentials.
//
// Tokens never go into a URL the server sees: a link carries one in its
// fragment (#/rooms/ID?token=...), the page moves it into this tab's
// sessionStorage and takes it out of the address bar, and sends it only in an
// Authorization header or in the websocket's hello.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** GET (or another method) a JSON route; throws ApiError with the server's code. */
export async function getJSON(path, token = null, options = {}) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  let res;
  try {
    res = await fetch(path, { ...options, headers, cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, 'unreachable', 'the server cannot be reached');
  }
  if (!res.ok) {
    let code = 'http_error';
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      code = body.error.code;
      message = body.error.message;
    } catch (err) {
      // not an API error body: keep the status line
    }
    throw new ApiError(res.status, code, message);
  }
  return options.text ? res : res.json();
}

const ORGANIZER_KEY = 'accord.organizer';
const seatKey = (room) => `accord.seat.${room}`;

export const credentials = {
  organizer() {
    return sessionStorage.getItem(ORGANIZER_KEY);
  },
  setOrganizer(token) {
    if (token) sessionStorage.setItem(ORGANIZER_KEY, token);
    else sessionStorage.removeItem(ORGANIZER_KEY);
  },
  seat(room) {
    return sessionStorage.getItem(seatKey(room));
  },
  setSeat(room, token) {
    if (token) sessionStorage.setItem(seatKey(room), token);
    else sessionStorage.removeItem(seatKey(room));
  },
  /** The credential the page uses in a room: its seat token, else the organizer's. */
  forRoom(room) {
    return this.seat(room) || this.organizer();
  },
};
