// Room events in words: the page's counterpart of server/narrate.py, which the
// terminal narration uses. The wording is the same, so a talk reads alike in
// both places.

import { g } from './dom.js';

/** An option's label on an issue (its id when the scenario gives no labels). */
export function optionLabel(issue, option) {
  // as Issue.label in Python: a label stands alone, a bare option takes the unit
  const k = issue.options.indexOf(option);
  if (issue.labels && k >= 0) return issue.labels[k];
  return `${option} ${issue.unit || ''}`.trim();
}

export function packageText(scenario, pkg) {
  return scenario.issues
    .filter((i) => i.id in pkg)
    .map((i) => `${i.title}: ${optionLabel(i, pkg[i.id])}`)
    .join(', ');
}

function num(x) {
  // 0.6 × 15 is 9.000000000000002 in floating point; say 9
  return g(Number(x.toFixed(6)));
}

function plural(n, word) {
  return n === 1 ? `${n} ${word}` : `${n} ${word}s`;
}

export function totalWeight(scenario) {
  return scenario.delegations.reduce((sum, d) => sum + d.weight, 0);
}

/** Seats whose veto applies (none when the rules switch vetoes off). */
export function vetoHolders(scenario) {
  if (!scenario.rules.vetoes) return [];
  return scenario.delegations.filter((d) => d.veto).map((d) => d.id);
}

/** The decision rule in words. */
export function ruleText(scenario) {
  const rules = scenario.rules;
  const seats = scenario.delegations.length;
  let text;
  if (rules.decision === 'unanimity') {
    text = 'unanimity: every seat must vote yes';
    if (rules.all_but) {
      text = `unanimity: at least ${seats - rules.all_but} of the ${seats} seats must vote yes`;
    }
  } else if (rules.decision === 'consensus') {
    text = 'consensus: at least one yes and no seat voting no (abstaining does not block)';
    if (rules.all_but) {
      text =
        `consensus: at least one yes and at most ${plural(rules.all_but, 'seat')} voting no` +
        ' (abstaining does not block)';
    }
  } else {
    const total = totalWeight(scenario);
    text =
      'qualified majority: yes votes must weigh at least ' +
      `${num(rules.threshold * total)} of the total ${num(total)}`;
    if (rules.quorum > 0) text += ` (quorum ${num(rules.quorum * total)})`;
  }
  if (rules.required.length) text += `; ${rules.required.join(', ')} must vote yes`;
  if (vetoHolders(scenario).length) text += ', and no veto';
  return text;
}

export function tallyText(result, scenario) {
  const t = result.tally;
  const timedOut = t.timeouts ? `${t.timeouts} timed out` : '';
  if (scenario.rules.decision !== 'qualified') {
    // weights play no part under unanimity or consensus: counts say it all
    return (
      `yes ${plural(t.yes, 'seat')}, no ${plural(t.no, 'seat')}, ` +
      `abstain ${plural(t.abstain, 'seat')}` +
      (timedOut ? ` (${timedOut})` : '')
    );
  }
  const total = num(totalWeight(scenario));
  let abstain = `abstain ${plural(t.abstain, 'seat')}`;
  if (t.abstain) {
    abstain += ` (weight ${num(t.abstain_weight)}` + (timedOut ? `, ${timedOut})` : ')');
  }
  return (
    `yes ${plural(t.yes, 'seat')} (weight ${num(t.yes_weight)} of ${total}), ` +
    `no ${plural(t.no, 'seat')} (weight ${num(t.no_weight)}), ${abstain}`
  );
}

/** "passes" or "fails"/"VETOED" with the reason, in words. */
export function verdict(result, scenario) {
  const rules = scenario.rules;
  const t = result.tally;
  if (result.passed) return 'passes' + noVetoNote(result, scenario);
  if (result.vetoed_by.length) return `VETOED by ${result.vetoed_by.join(', ')}`;
  if (result.votes) {
    const missing = rules.required.filter((s) => result.votes[s] !== 'yes');
    if (missing.length) return `fails: ${missing.join(', ')} must vote yes and did not`;
  }
  if (t.yes === 0) return 'fails: nobody voted yes';
  const seats = scenario.delegations.length;
  if (rules.decision === 'unanimity') return `fails: ${plural(seats - t.yes, 'seat')} did not vote yes`;
  if (rules.decision === 'consensus') return `fails: ${plural(t.no, 'seat')} voted no`;
  const total = totalWeight(scenario);
  const need = rules.threshold * total;
  if (t.yes_weight + 1e-9 < need) return `fails: yes weight ${num(t.yes_weight)} is short of ${num(need)}`;
  const present = total - t.timeout_weight;
  if (present + 1e-9 < rules.quorum * total) {
    return `fails: no quorum (weight ${num(present)} voted, ${num(rules.quorum * total)} needed)`;
  }
  return 'fails';
}

function noVetoNote(result, scenario) {
  // a veto is a separate, explicit act: say why a package passes over a holder's "no"
  const holders = vetoHolders(scenario);
  if (!holders.length || result.tally.no === 0) return '';
  if (!result.votes) return " (a 'no' is not a veto, and no veto was cast)";
  const against = holders.filter((seat) => result.votes[seat] === 'no');
  if (!against.length) return '';
  return ` (a 'no' is not a veto: ${against.join(', ')} voted no but cast no veto)`;
}

function pct(p) {
  return `${Math.round(p * 100)}%`;
}

function signed(x) {
  return (x >= 0 ? '+' : '') + x.toFixed(3);
}

/**
 * One event in words (a ballot result: one line per package), or null for
 * events too small to mention. `scenario` is the room's (from talks_opened).
 */
export function describe(event, scenario) {
  switch (event.type) {
    case 'talks_opened': {
      const seats = event.scenario.delegations
        .map((d) => `${d.name} (weight ${g(d.weight)}${d.veto ? ', veto' : ''})`)
        .join(', ');
      return `Talks open: ${event.scenario.title}. At the table: ${seats}.`;
    }
    case 'seat_taken':
      return `${event.seat} takes its seat.`;
    case 'talks_started': {
      const extra = event.absent.length ? ` (${event.absent.join(', ')} absent)` : '';
      return `The talks begin (${event.by.replace('_', ' ')})${extra}.`;
    }
    case 'phase_started':
      if (event.phase === 'tabling') return `— Round ${event.round}: tabling —`;
      if (event.phase === 'ballot') return `— Round ${event.round}: ballot —`;
      if (event.phase === 'action') return `— Implementation period ${event.period}: comply or defect —`;
      if (event.phase === 'verification') return `— Period ${event.period}: verification —`;
      return null;
    case 'deadline_passed':
      return `The ${event.phase} deadline passes.`;
    case 'proposal_tabled':
      return `${event.seat} tables ${event.package_id}: ${packageText(scenario, event.package)}`;
    case 'proposal_withdrawn':
      return `${event.seat} withdraws ${event.package_id}.`;
    case 'passed':
      return event.phase === 'tabling' ? `${event.seat} passes.` : null;
    case 'vote_cast':
      return null;
    case 'veto_cast':
      return `${event.seat} VETOES ${event.package_id}.`;
    case 'timeout':
      return `${event.seat} misses the deadline (${event.default}).`;
    case 'ballot_result': {
      const label = event.secret ? 'Secret ballot' : 'Ballot';
      const lines = [`${label}, round ${event.round}, decided by ${ruleText(scenario)}.`];
      for (const r of event.results) {
        lines.push(`  ${r.package_id}  ${tallyText(r, scenario)} — ${verdict(r, scenario)}`);
      }
      return lines.join('\n');
    }
    case 'package_adopted':
      // several packages may pass; say why this one is the one adopted
      return (
        `ADOPTED ${event.package_id} (the passing package with the largest yes weight, ` +
        `${num(event.yes_weight)}; ties go to the earliest tabled): ` +
        `${packageText(scenario, event.package)} ` +
        `(inspection detects ${pct(event.detection)}, sanction ${g(event.sanction)})`
      );
    case 'round_ended':
      return event.reason === 'nothing_tabled'
        ? `Round ${event.round} ends: nothing was tabled.`
        : `Round ${event.round} ends: nothing passed.`;
    case 'no_agreement':
      return `No agreement after ${event.rounds} rounds.`;
    case 'statement_made': {
      const where = event.to ? ` to ${event.to.join(', ')}` : '';
      return `${event.seat}${where}: “${event.text}”`;
    }
    case 'note_made': {
      // a failure's text is a traceback: its last line names the error
      const lines = event.text.trim().split('\n');
      if (event.kind === 'failure') return `${event.seat}'s bot failed (private): ${lines[lines.length - 1]}`;
      return `${event.seat} notes (private): ${lines[0]}`;
    }
    case 'action_taken':
      return `${event.seat} chooses to ${event.choice} (hidden).`;
    case 'challenge_result':
      return `${event.seat} inspects ${event.target}: ${event.detected ? 'VIOLATION DETECTED' : 'nothing found'}.`;
    case 'sanction_imposed':
      return `${event.seat} is sanctioned ${g(event.amount)}.`;
    case 'talks_concluded': {
      const what = event.outcome === 'agreement' ? `agreement on ${event.package_id}` : 'no agreement';
      const rows = event.scores
        .map((sc) => `${sc.seat} ${signed(sc.raw)} (norm ${sc.normalised.toFixed(2)})`)
        .join('; ');
      return `Talks concluded: ${what} after ${plural(event.rounds, 'round')}. Scores: ${rows}`;
    }
    default:
      return null;
  }
}
