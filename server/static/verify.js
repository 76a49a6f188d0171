// Checking a transcript's hash chain in the browser, as docs/protocol.md
// ("Verifying a copy") describes it: JCS canonical form, secrets replaced by
// their digests, each hash over the previous one. It needs crypto.subtle,
// which browsers give only to secure contexts (https, or localhost).

const encoder = new TextEncoder();

/** RFC 8785 canonical JSON: sorted keys (UTF-16 order, as JS sorts), ECMAScript numbers. */
export function jcs(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs(value[k])}`).join(',')}}`;
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function bytes(hexText) {
  const out = new Uint8Array(hexText.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(hexText.slice(2 * k, 2 * k + 2), 16);
  return out;
}

async function sha256(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return hex(await crypto.subtle.digest('SHA-256', data));
}

function tokens(pointer) {
  return pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function walk(obj, path, pointer) {
  let node = obj;
  for (const t of path) {
    if (node === null || typeof node !== 'object' || !(t in node)) throw new Error(`no value at ${pointer}`);
    node = node[t];
  }
  return node;
}

function getAt(obj, pointer) {
  return walk(obj, tokens(pointer), pointer);
}

function setAt(obj, pointer, value) {
  const path = tokens(pointer);
  const last = path.pop();
  const parent = walk(obj, path, pointer);
  if (parent === null || typeof parent !== 'object' || !(last in parent)) throw new Error(`no value at ${pointer}`);
  parent[last] = value;
}

/** {ok: true, events, head} or {ok: false, events, reason}; ok null when it cannot be checked here. */
export async function verifyTranscript(text) {
  const lines = text.split('\n').filter((line) => line.trim());
  if (!(globalThis.crypto && crypto.subtle)) {
    return { ok: null, events: lines.length, reason: 'this browser checks hashes only on https or localhost' };
  }
  let previous = '0'.repeat(64);
  let n = 0;
  try {
    for (const line of lines) {
      n += 1;
      const record = JSON.parse(line);
      const sealed = record.sealed || {};
      const salts = record.salts || {};
      let chained;
      if (!record.event) {
        const keys = Object.keys(sealed);
        if (keys.length !== 1 || keys[0] !== '' || Object.keys(salts).length) throw new Error('a withheld event must be sealed whole');
        chained = { sealed: sealed[''] };
      } else {
        if (record.event.seq !== n) throw new Error(`event ${n} has seq ${record.event.seq}`);
        chained = JSON.parse(JSON.stringify(record.event));
        for (const [pointer, digest] of Object.entries(sealed)) {
          if (getAt(chained, pointer) !== null) throw new Error(`a withheld value at ${pointer} is not null`);
          setAt(chained, pointer, { sealed: digest });
        }
        for (const [pointer, salt] of Object.entries(salts)) {
          const value = pointer === '' ? chained : getAt(chained, pointer);
          const digest = await sha256(bytes(salt), encoder.encode(jcs(value)));
          if (pointer === '') chained = { sealed: digest };
          else setAt(chained, pointer, { sealed: digest });
        }
      }
      const hash = await sha256(encoder.encode(previous), encoder.encode(jcs(chained)));
      if (hash !== record.hash) throw new Error(`the hash of event ${n} does not match`);
      previous = hash;
    }
  } catch (err) {
    return { ok: false, events: n, reason: err.message };
  }
  return { ok: true, events: n, head: previous };
}
