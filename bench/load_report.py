"""The load benchmark's report: one table of runs, notes, and the targets met or missed."""

from __future__ import annotations

import os

from load_driver import Idle, Run


def _check(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _row(run: Run) -> str:
    per_talk = run.frames / run.talks if run.talks else 0
    return (
        f"{run.label:<20} {run.rooms:>5} {run.talks:>5} {run.failed:>4} {run.seconds:>5.1f}"
        f" {run.frames:>7} {run.frames_per_s:>8.0f} {run.talks_per_s:>7.1f} {per_talk:>7.0f}"
        f" {run.pct(0.5):>7.1f} {run.pct(0.99):>7.1f} {run.server_cpu:>7.0%} {run.client_cpu:>7.0%}"
        f" {run.others_cpu:>7.2f} {run.frames_per_cpu_s:>9.0f} {run.frames_per_client_cpu_s:>9.0f}"
        f" {run.hwm_kib / 1024:>6.1f} MiB"
    )


def report(pairs: list[tuple[Run, Run]], paced: Run | None, idles: list[Idle], largest: int) -> str:
    """The table of runs (accord and bare pairs, then the paced one), notes and targets."""

    lines = []
    head = (
        f"{'run':<20} {'rooms':>5} {'talks':>5} {'fail':>4} {'secs':>5} {'frames':>7}"
        f" {'frames/s':>8} {'talks/s':>7} {'fr/talk':>7} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'srv cpu':>7} {'cli cpu':>7} {'others':>7} {'fr/srv-s':>9} {'fr/cli-s':>9}"
        f" {'peak RSS':>10}"
    )
    lines += [head, "-" * len(head)]
    runs = [run for pair in pairs for run in pair] + ([paced] if paced else [])
    for accord, bare in pairs:
        lines += [_row(accord), _row(bare)]
    if paced is not None:
        lines.append(_row(paced))
    lines += [
        "",
        "frames = every websocket frame the bots received; latency: accord = each seat's vote sent",
        "-> ballot_result received by that seat; bare = a bot's message sent -> the 6th message of",
        "its phase received. srv/cli cpu = share of one core used by the server process (all its",
        "threads) and by this client; others = cores busy with other processes (and steal) meanwhile;",
        "fr/srv-s, fr/cli-s = frames per CPU second of the server, of the client (the lower one",
        "caps the rate when each process has a core); peak RSS = the server's VmHWM (a fresh",
        "server for each accord run).",
    ]
    for accord in [a for a, _ in pairs] + ([paced] if paced else []):
        created = accord.talks + accord.failed
        w = accord.writes
        extra = [f"outcomes {dict(accord.outcomes)}"]
        if accord.errors:
            extra.append(f"errors {dict(accord.errors)}")
        if accord.deadlines:
            extra.append(f"deadline_passed {accord.deadlines}")
        lines.append(
            f"{accord.label}, {accord.rooms} rooms: {created} rooms created via HTTP beforehand in"
            f" {accord.create_seconds:.1f} s ({created / max(accord.create_seconds, 1e-9):.0f}/s);"
            f" {w.get('window_count', 0)} event writes in the window, mean"
            f" {w.get('mean_ms', 0):.1f} ms, p50 <= {w.get('p50_le_ms', 0):g} ms,"
            f" p99 <= {w.get('p99_le_ms', 0):g} ms (server histogram, whole life);"
            f" end RSS {accord.rss_kib / 1024:.1f} MiB; " + ", ".join(extra)
        )
        lines.append(
            "    command -> ack within a phase (6 seats act at once): quickest p50"
            f" {accord.pct(0.5, accord.first_ack):.1f} / p99 {accord.pct(0.99, accord.first_ack):.1f}"
            f" ms, slowest p50 {accord.pct(0.5, accord.last_ack):.1f} / p99"
            f" {accord.pct(0.99, accord.last_ack):.1f} ms over {len(accord.first_ack)} phases"
        )
    for idle in idles:
        lines.append(
            f"idle {idle.label}: {idle.connections} welcomed connections,"
            f" RSS {idle.before_kib / 1024:.1f} -> {idle.after_kib / 1024:.1f} MiB,"
            f" {idle.per_conn_kib:.1f} KiB per connection"
        )
    busy = [r for r in runs if r.others_cpu > 0.3]
    if busy:
        lines.append(
            "WARNING: other processes kept up to"
            f" {max(r.others_cpu for r in busy):.2f} of {os.cpu_count()} cores busy during"
            f" {', '.join(f'{r.label}/{r.rooms}' for r in busy)}: those figures are depressed."
        )
    lines += ["", "targets:"]
    for accord, bare in pairs:
        ratio = accord.frames_per_s / bare.frames_per_s if bare.frames_per_s else 0.0
        lines.append(
            f"  {accord.rooms:>4} rooms: accord frames/s = {ratio:.0%} of the bare broadcast rate"
            f" (target >= 60%)  {_check(ratio >= 0.6)}"
        )
        efficiency = (
            accord.frames_per_cpu_s / bare.frames_per_cpu_s if bare.frames_per_cpu_s else 0.0
        )
        lines.append(
            f"  {accord.rooms:>4} rooms: frames per server CPU second = {efficiency:.0%} of bare's"
            " (the ratio if the server, not the client, limited both runs)"
        )
        projected = [
            min(run.frames_per_cpu_s, run.frames_per_client_cpu_s) for run in (accord, bare)
        ]
        if projected[1]:
            lines.append(
                f"  {accord.rooms:>4} rooms: projected with a core each for client and server:"
                f" accord {projected[0]:.0f} vs bare {projected[1]:.0f} frames/s ="
                f" {projected[0] / projected[1]:.0%}"
            )
    for run in [a for a, _ in pairs if a.rooms == largest] + ([paced] if paced else []):
        p99 = run.pct(0.99)
        lines.append(
            f"  {run.rooms:>4} rooms, {run.label}: vote -> ballot_result p99 = {p99:.1f} ms"
            f" (target < 50 ms)  {_check(p99 < 50)}"
        )
    for idle in idles:
        if idle.label == "accord":
            lines.append(
                f"  idle seat connection: {idle.per_conn_kib:.1f} KiB of server memory"
                f" (target < 40 KiB)  {_check(idle.per_conn_kib < 40)}"
            )
    return "\n".join(lines)
