#!/usr/bin/env node
// Verify an accord transcript's hash chain in JavaScript, from docs/protocol.md alone.
//
// Any copy verifies: the organizer's, a seat's or the public one. For each
// line, the event's JSON object has every secret this copy shows replaced by
// its digest (sha256 of the salt and the secret's canonical form) and every
// secret it withholds by the digest the line gives; the chain hash is
// sha256(previous hash ‖ canonical form of that object), the canonical form
// being RFC 8785: JSON.stringify with object keys sorted.
//
// Usage: node verify.js TRANSCRIPT.jsonl      check one transcript, print its head
//        node verify.js --vectors FILE.json   check docs/chain-vectors.json
//
// Exit status: 0 verified, 1 not verified, 2 bad usage or unreadable input.

"use strict";

const crypto = require("crypto");
const fs = require("fs");

const GENESIS = "0".repeat(64);

// RFC 8785: ECMAScript's own number and string forms, keys in UTF-16 order.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (...parts) => {
  const hash = crypto.createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
};

const digest = (saltHex, value) =>
  sha256(Buffer.from(saltHex, "hex"), Buffer.from(canonical(value), "utf8"));

// JSON Pointer (RFC 6901)
function tokens(pointer) {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`${pointer} is not a JSON Pointer`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(document, pointer) {
  const path = tokens(pointer);
  let node = document;
  for (const token of path.slice(0, -1)) {
    if (node === null || typeof node !== "object" || !(token in node)) {
      throw new Error(`no ${pointer} in the event`);
    }
    node = node[token];
  }
  const last = path[path.length - 1];
  if (node === null || typeof node !== "object" || !(last in node)) {
    throw new Error(`no ${pointer} in the event`);
  }
  return [node, last];
}

// The chained form of one line, or a string saying what is wrong with it.
function chainedForm(line, number) {
  const sealed = line.sealed || {};
  const salts = line.salts || {};
  if (line.event === undefined || line.event === null) {
    const keys = Object.keys(sealed);
    if (keys.length !== 1 || keys[0] !== "" || Object.keys(salts).length) {
      return `line ${number}: no event, but not sealed whole`;
    }
    return { sealed: sealed[""] };
  }
  const event = line.event;
  if (event.seq !== number) return `line ${number}: seq ${event.seq}, expected ${number}`;
  if ("" in salts) return { sealed: digest(salts[""], event) };
  const form = JSON.parse(JSON.stringify(event));
  for (const [pointer, value] of Object.entries(sealed)) {
    const [node, key] = parentOf(form, pointer);
    if (node[key] !== null) return `line ${number}: ${pointer} is sealed but shown`;
    node[key] = { sealed: value };
  }
  for (const [pointer, salt] of Object.entries(salts)) {
    const [node, key] = parentOf(form, pointer);
    node[key] = { sealed: digest(salt, node[key]) };
  }
  return form;
}

// Verify parsed transcript lines; returns { ok, head, withheld, problem }.
function verifyLines(lines) {
  let previous = GENESIS;
  let withheld = 0;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    withheld += Object.keys(line.sealed || {}).length;
    let form;
    try {
      form = chainedForm(line, n + 1);
    } catch (exc) {
      return { ok: false, head: previous, withheld, problem: `line ${n + 1}: ${exc.message}` };
    }
    if (typeof form === "string") return { ok: false, head: previous, withheld, problem: form };
    const expected = sha256(previous, canonical(form));
    if (expected !== line.hash) {
      return { ok: false, head: previous, withheld, problem: `line ${n + 1}: hash does not match the chain` };
    }
    previous = line.hash;
  }
  if (!lines.length) return { ok: false, head: previous, withheld, problem: "the transcript is empty" };
  return { ok: true, head: previous, withheld, problem: null };
}

function checkVectors(vectors) {
  const problems = [];
  vectors.canonical.forEach((v, n) => {
    const got = canonical(v.value);
    if (got !== v.canonical) problems.push(`canonical vector ${n}: ${got} != ${v.canonical}`);
  });
  vectors.digests.forEach((v, n) => {
    const got = digest(v.salt, v.value);
    if (got !== v.digest) problems.push(`digest vector ${n}: ${got} != ${v.digest}`);
  });
  for (const t of vectors.transcripts) {
    const result = verifyLines(t.lines);
    if (!result.ok) problems.push(`transcript (${t.reader}): ${result.problem}`);
    else if (result.head !== t.head) problems.push(`transcript (${t.reader}): head ${result.head}`);
  }
  return problems;
}

function main(argv) {
  try {
    if (argv.length === 2 && argv[0] === "--vectors") {
      const vectors = JSON.parse(fs.readFileSync(argv[1], "utf8"));
      const problems = checkVectors(vectors);
      for (const p of problems) process.stderr.write(`${p}\n`);
      const count = vectors.canonical.length + vectors.digests.length + vectors.transcripts.length;
      process.stdout.write(problems.length ? "vectors NOT reproduced\n" : `${count} vectors reproduced\n`);
      return problems.length ? 1 : 0;
    }
    if (argv.length !== 1) {
      process.stderr.write("usage: node verify.js TRANSCRIPT.jsonl | --vectors FILE.json\n");
      return 2;
    }
    const text = fs.readFileSync(argv[0], "utf8");
    const lines = text
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
    const result = verifyLines(lines);
    process.stdout.write(`lines ${lines.length}\nwithheld ${result.withheld}\nhead ${result.head}\n`);
    if (!result.ok) {
      process.stderr.write(`${result.problem}\n`);
      process.stdout.write("NOT verified\n");
      return 1;
    }
    process.stdout.write("verified\n");
    return 0;
  } catch (exc) {
    process.stderr.write(`cannot read the input: ${exc.message}\n`);
    return 2;
  }
}

module.exports = { canonical, digest, verifyLines, checkVectors };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
