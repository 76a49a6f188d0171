// One websocket to /ws, as the protocol asks of a client: hello first, events
// folded from seq 1 (or from the last one seen after a reconnect), commands
// with refs, and on a dropped connection a reconnect that resumes with
// last_seq and sends again every command that had no answer (the server
// answers a repeated ref with the original answer, applying nothing twice).

const PROTOCOL = 1;
const FATAL = new Map([
  [4400, 'the server refused the handshake'],
  [4401, 'the token was refused'],
  [4404, 'no such room (or it failed or expired)'],
]);
const SEAT_IN_USE = 4409;
const IN_USE_TRIES = 8; // a dropped connection may hold the seat until the server notices
const PING_MS = 25000; // keeps the clock offset fresh and the connection known to be alive

export class Connection {
  /**
   * room: the room to watch (needed without a token, and with the organizer's);
   * token: a seat token, the organizer token, or null for a spectator;
   * lastSeq(): the last event folded; on.message(msg), on.status(state, detail).
   */
  constructor({ room, token, lastSeq, on }) {
    this.room = room;
    this.token = token;
    this.lastSeq = lastSeq;
    this.on = on;
    this.prefix = `p${Math.random().toString(36).slice(2, 8)}-`; // refs unique to this page load
    this.counter = 0;
    this.pending = new Map(); // ref → {frame, resolve}
    this.ws = null;
    this.welcomed = false;
    this.stopped = false;
    this.backoff = 250;
    this.inUse = 0;
    this.offset = 0; // server clock − this clock, in seconds
    this.timer = null;
  }

  open() {
    this.stopped = false;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const ws = new WebSocket(url);
    this.ws = ws;
    this.welcomed = false;
    if (!this.everWelcomed) this.on.status('connecting'); // later attempts stay 'reconnecting'
    ws.onopen = () => {
      const hello = { type: 'hello', version: PROTOCOL, last_seq: this.lastSeq() };
      if (this.token) hello.token = this.token;
      if (this.room) hello.room = this.room;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (msg) => this.receive(JSON.parse(msg.data));
    ws.onclose = (ev) => this.closed(ws, ev);
  }

  receive(msg) {
    if (msg.type === 'welcome') {
      this.welcomed = true;
      this.everWelcomed = true;
      this.backoff = 250;
      this.inUse = 0;
      this.on.status('live');
      this.ping();
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.ping(), PING_MS);
      // what the previous connection sent without an answer, in order
      for (const { frame } of this.pending.values()) this.ws.send(frame);
    } else if (msg.type === 'pong' && msg.ref === 'clock') {
      const now = Date.now() / 1000;
      this.offset = msg.time - (this.pingedAt + now) / 2;
    } else if ((msg.type === 'ack' || msg.type === 'error') && this.pending.has(msg.ref)) {
      const { resolve } = this.pending.get(msg.ref);
      this.pending.delete(msg.ref);
      resolve(msg);
    }
    this.on.message(msg);
  }

  ping() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.pingedAt = Date.now() / 1000;
    this.ws.send(JSON.stringify({ type: 'ping', ref: 'clock' }));
  }

  closed(ws, ev) {
    if (ws !== this.ws || this.stopped) return;
    clearInterval(this.pinger);
    this.welcomed = false;
    if (FATAL.has(ev.code)) {
      this.stopped = true;
      this.on.status('refused', `${FATAL.get(ev.code)} (${ev.reason || ev.code})`);
      return;
    }
    if (ev.code === SEAT_IN_USE && ++this.inUse > IN_USE_TRIES) {
      // another tab or client holds this seat, and keeps it
      this.stopped = true;
      this.on.status('refused', 'another connection holds this seat');
      return;
    }
    this.on.status(this.everWelcomed ? 'reconnecting' : 'connecting', ev.reason || '');
    this.timer = setTimeout(() => this.open(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, 4000);
  }

  /** Send a seat command; resolves with its ack or error (after reconnects if need be). */
  send(command) {
    const ref = `${this.prefix}${++this.counter}`;
    const frame = JSON.stringify({ ...command, ref });
    return new Promise((resolve) => {
      this.pending.set(ref, { frame, resolve });
      if (this.welcomed && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
    });
  }

  /** The server's clock now, in seconds since the epoch. */
  now() {
    return Date.now() / 1000 + this.offset;
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    if (this.ws) this.ws.close(1000);
  }
}
