#!/usr/bin/env node
// A minimal accord delegation in JavaScript (Node.js, standard library + ws).
//
// It relies only on docs/protocol.md: it says hello with a seat token, reads
// its private brief from welcome and the agenda from talks_opened, tables its
// best package in round 1 and then concedes linearly towards its reservation,
// votes yes on packages that reach its current target, complies in every
// implementation period, never inspects, and exits when talks_concluded
// arrives, printing its score.
//
// If the connection drops before the talks conclude (a server restart, say),
// it reconnects with `hello` and `last_seq`, receives exactly the events it
// missed, and sends again every command the server had not acknowledged:
// each command carries a `ref` unique to this run, and the server answers a
// repeated ref with the original answer instead of applying it twice.
//
// Usage: node bot.js ws://127.0.0.1:8000/ws SEAT_TOKEN
//
// Exit status: 0 when the talks concluded and the server reported no error,
// 1 when they concluded but the server sent at least one `error` message
// about this bot's own frames (every error is printed to stderr; one naming a
// ref the bot never sent is not counted), 2 on bad usage or when the connection could
// not be restored before the talks concluded.

"use strict";

const crypto = require("crypto");
const WebSocket = require("ws");

const PROTOCOL_VERSION = 1;
const RECONNECT_FOR_MS = 60000; // give up when no connection succeeds for this long
const FATAL_CLOSES = new Set([4400, 4401, 4404, 4409]); // retrying cannot help
const ENUMERATION_LIMIT = 200000; // larger outcome spaces are sampled
const EPSILON = 1e-9;

// --- utility --------------------------------------------------------------------------

// Every package (one option per issue), or a fixed sample when there are too many.
function allPackages(issues) {
  const count = issues.reduce((n, issue) => n * issue.options.length, 1);
  if (count <= ENUMERATION_LIMIT) {
    let packages = [{}];
    for (const issue of issues) {
      const next = [];
      for (const partial of packages) {
        for (const option of issue.options) {
          next.push({ ...partial, [issue.id]: option });
        }
      }
      packages = next;
    }
    return packages;
  }
  // A small deterministic generator (mulberry32) so the sample is reproducible.
  let state = 0x9e3779b9;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const sample = [];
  for (let n = 0; n < ENUMERATION_LIMIT; n++) {
    const pkg = {};
    for (const issue of issues) {
      pkg[issue.id] = issue.options[Math.floor(random() * issue.options.length)];
    }
    sample.push(pkg);
  }
  return sample;
}

class Delegate {
  constructor(seat, brief) {
    this.seat = seat;
    this.brief = brief;
    this.scenario = null;
  }

  // Σ weight(issue) × value(issue)[index of the chosen option]
  utility(pkg) {
    let total = 0;
    for (const issue of this.scenario.issues) {
      const index = issue.options.indexOf(pkg[issue.id]);
      if (index < 0) return -Infinity; // not a package of this agenda
      total += this.brief.weights[issue.id] * this.brief.values[issue.id][index];
    }
    return total;
  }

  setScenario(scenario) {
    this.scenario = scenario;
    const issues = scenario.issues;
    // Each issue's best option: the best package is always a candidate.
    const best = {};
    for (const issue of issues) {
      const values = this.brief.values[issue.id];
      best[issue.id] = issue.options[values.indexOf(Math.max(...values))];
    }
    const packages = allPackages(issues);
    packages.push(best);
    // (utility, package), best first; ties keep enumeration order (sort is stable).
    this.ranked = packages
      .map((pkg) => ({ u: this.utility(pkg), pkg }))
      .sort((a, b) => b.u - a.u);
    this.best = this.ranked[0].u;
    this.worst = this.ranked[this.ranked.length - 1].u;
  }

  // Target utility: the best package's utility in round 1, falling linearly
  // to max(reservation, worst) by the last round.
  target(round) {
    const rounds = this.scenario.rules.max_rounds;
    const progress = rounds <= 1 ? 1 : Math.min(1, Math.max(0, (round - 1) / (rounds - 1)));
    const floor = Math.max(this.brief.reservation, this.worst);
    if (this.best <= floor) return this.best;
    return this.best - (this.best - floor) * progress;
  }

  // The least good package that still reaches the target (the best one in round 1).
  packageFor(round) {
    const target = this.target(round);
    let chosen = this.ranked[0];
    for (const candidate of this.ranked) {
      if (candidate.u + EPSILON < target) break;
      chosen = candidate;
    }
    return chosen;
  }

  accepts(pkg, round) {
    const u = this.utility(pkg);
    return u + EPSILON >= Math.max(this.brief.reservation, this.target(round));
  }
}

// --- the connection -------------------------------------------------------------------

function main(argv) {
  if (argv.length !== 2 || !/^wss?:\/\//.test(argv[0])) {
    process.stderr.write("usage: node bot.js ws://127.0.0.1:8000/ws SEAT_TOKEN\n");
    return 2;
  }
  const [url, token] = argv;
  const runId = crypto.randomBytes(4).toString("hex"); // refs unique to this run

  let ws = null;
  let delegate = null;
  let lastSeq = 0;
  let refs = 0;
  let errors = 0;
  let concluded = false;
  let failedSince = null; // when reconnecting started failing
  let backoff = 200;
  const unacked = new Map(); // ref → frame, until an ack or error answers it
  const tabled = new Map(); // package_id → proposal_tabled event
  const withdrawn = new Set();

  const send = (message) => {
    refs += 1;
    const ref = `js-${runId}-${refs}`;
    const frame = JSON.stringify({ ...message, ref });
    unacked.set(ref, frame);
    if (ws !== null && ws.readyState === WebSocket.OPEN) ws.send(frame);
  };
  const say = (text) => process.stdout.write(`${text}\n`);

  const onEvent = (event) => {
    if (event.seq <= lastSeq) return; // a repeat
    lastSeq = event.seq;
    switch (event.type) {
      case "talks_opened":
        delegate.setScenario(event.scenario);
        say(
          `${delegate.seat}: ${event.scenario.title}; best package worth ` +
            `${delegate.best.toFixed(3)}, reservation ${delegate.brief.reservation}`,
        );
        break;
      case "proposal_tabled":
        tabled.set(event.package_id, event);
        break;
      case "proposal_withdrawn":
        withdrawn.add(event.package_id);
        break;
      case "phase_started":
        onPhase(event);
        break;
      case "talks_concluded": {
        concluded = true;
        const mine = event.scores.find((s) => s.seat === delegate.seat);
        say(`talks concluded (${event.outcome}) after ${event.rounds} round(s)`);
        if (mine) {
          say(
            `${mine.seat} scored ${mine.raw >= 0 ? "+" : ""}${mine.raw.toFixed(3)} ` +
              `(normalised ${mine.normalised.toFixed(3)})`,
          );
        }
        ws.close(1000, "talks concluded");
        break;
      }
      default:
        break; // seats taken, votes, results, statements, ...: nothing to do
    }
  };

  const onPhase = (event) => {
    if (delegate.scenario === null) return;
    const rules = delegate.scenario.rules;
    switch (event.phase) {
      case "tabling": {
        const { u, pkg } = delegate.packageFor(event.round);
        say(`round ${event.round}: tabling a package worth ${u.toFixed(3)} to us`);
        send({ type: "propose", package: pkg });
        if (rules.proposals_per_round > 1) send({ type: "pass" });
        break;
      }
      case "ballot":
        for (const proposal of tabled.values()) {
          if (proposal.round !== event.round || withdrawn.has(proposal.package_id)) continue;
          const vote = delegate.accepts(proposal.package, event.round) ? "yes" : "no";
          send({ type: "vote", package_id: proposal.package_id, vote });
        }
        break;
      case "action":
        send({ type: "action", choice: "comply" });
        break;
      case "verification":
        send({ type: "pass" });
        break;
      default:
        break; // lobby, concluded
    }
  };

  const onMessage = (data) => {
    let message;
    try {
      message = JSON.parse(data.toString());
    } catch (exc) {
      errors += 1;
      process.stderr.write(`undecodable frame from the server: ${exc.message}\n`);
      return;
    }
    switch (message.type) {
      case "welcome":
        if (message.role !== "seat" || !message.brief) {
          process.stderr.write(`expected a seat token, the server says role ${message.role}\n`);
          errors += 1;
          concluded = true; // nothing to wait for
          ws.close(1000, "not a seat");
          return;
        }
        if (delegate === null) {
          delegate = new Delegate(message.seat, message.brief);
          say(`seated as ${message.seat} in room ${message.room}`);
        }
        failedSince = null;
        backoff = 200;
        // what the previous connection sent without an answer, in order
        for (const frame of unacked.values()) ws.send(frame);
        return;
      case "error":
        if (message.ref) unacked.delete(message.ref);
        // an error naming a ref this bot never sent answers none of its frames
        if (!message.ref || message.ref.startsWith(`js-${runId}-`)) errors += 1;
        process.stderr.write(
          `error ${message.code}: ${message.message}` +
            (message.ref ? ` (ref ${message.ref})` : "") +
            "\n",
        );
        return;
      case "ack":
        if (message.ref) unacked.delete(message.ref);
        return;
      case "pong":
      case "snapshot":
        return;
      default:
        if (delegate !== null && typeof message.seq === "number") onEvent(message);
    }
  };

  const finish = (code, reason) => {
    if (!concluded) {
      process.stderr.write(
        `the connection closed before the talks concluded (code ${code}` +
          (reason.length ? `, ${reason.toString()}` : "") +
          ")\n",
      );
      process.exitCode = 2;
      return;
    }
    if (errors > 0) {
      process.stderr.write(`the server reported ${errors} error(s)\n`);
      process.exitCode = 1;
    } else {
      process.exitCode = 0;
    }
  };

  const connect = () => {
    ws = new WebSocket(url, { maxPayload: 4 * 1024 * 1024 });
    ws.on("open", () => {
      ws.send(
        JSON.stringify({ type: "hello", version: PROTOCOL_VERSION, token, last_seq: lastSeq }),
      );
    });
    ws.on("message", onMessage);
    ws.on("error", (exc) => {
      // reported, not counted: the close that follows decides whether to come back
      if (!concluded) process.stderr.write(`connection error: ${exc.message}\n`);
    });
    ws.on("close", (code, reason) => {
      if (concluded || FATAL_CLOSES.has(code)) {
        finish(code, reason);
        return;
      }
      // the server went away before the talks concluded: come back and resume
      if (failedSince === null) failedSince = Date.now();
      if (Date.now() - failedSince > RECONNECT_FOR_MS) {
        finish(code, reason);
        return;
      }
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 2000);
    });
  };
  connect();
  return null;
}

const status = main(process.argv.slice(2));
if (status !== null) process.exitCode = status;
