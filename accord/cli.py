"""The ``accord`` command line."""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import msgspec

from accord.protocol.errors import ScenarioError


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


# --- scenario ------------------------------------------------------------------------


def _scenario_validate(args: argparse.Namespace) -> int:
    from accord.protocol.scenario import load_scenario

    failed = 0
    for name in args.scenarios:
        try:
            scenario = load_scenario(name)
        except ScenarioError as exc:
            print(f"invalid: {exc}", file=sys.stderr)
            failed += 1
        else:
            print(
                f"ok: {name}: {len(scenario.delegations)} delegations, "
                f"{len(scenario.issues)} issues, {scenario.outcome_count} packages"
            )
    return 1 if failed else 0


def _scenario_show(args: argparse.Namespace) -> int:
    from accord.protocol.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    if args.json:
        print(msgspec.json.format(msgspec.json.encode(scenario), indent=2).decode())
        return 0
    rules = scenario.rules
    print(f"{scenario.title}  [{scenario.id}]")
    if scenario.description:
        print(scenario.description.strip())
    print(
        f"\nRules: {rules.decision}"
        + (
            f" (threshold {rules.threshold:.2f}, quorum {rules.quorum:.2f})"
            if rules.decision == "qualified"
            else ""
        )
        + f", {rules.max_rounds} rounds, {rules.proposals_per_round} package(s) per seat per round,"
        f" {rules.ballot} ballot, vetoes {'apply' if rules.vetoes else 'do not apply'}"
        + (f", required: {', '.join(rules.required)}" if rules.required else "")
        + (f", all but {rules.all_but}" if rules.all_but else "")
    )
    print("\nAgenda:")
    for issue in scenario.issues:
        options = " | ".join(issue.label(o) for o in issue.options)
        print(f"  {issue.id} ({issue.kind}): {issue.title}\n      {options}")
    print("\nDelegations:")
    for d in scenario.delegations:
        badge = ", veto" if d.veto else ""
        reservation = "" if d.brief is None else f", reservation {d.brief.reservation:g}"
        print(f"  {d.id}: {d.name} (weight {d.weight:g}{badge}{reservation})")
    impl = scenario.implementation
    if impl is not None:
        print(
            f"\nImplementation: {impl.periods} periods, inspection cost {impl.inspection_cost:g},"
            f" {impl.challenge_quota} challenge(s) per seat per period"
        )
        for seat, terms in impl.parties.items():
            print(
                f"  {seat}: comply cost {terms.comply_cost:g}, defection gain"
                f" {terms.defect_gain:g}, harm to others {terms.harm:g}"
            )
    return 0


def _scenario_analyze(args: argparse.Namespace) -> int:
    from accord.protocol.analysis import analyze
    from accord.protocol.scenario import load_scenario
    from accord.report_text import format_analysis

    scenario = load_scenario(args.scenario)
    started = time.perf_counter()
    analysis = analyze(scenario)
    elapsed = time.perf_counter() - started
    if args.json:
        print(msgspec.json.format(msgspec.json.encode(analysis), indent=2).decode())
    else:
        print(format_analysis(analysis, scenario))
        print(f"\n(analysed in {elapsed:.2f} s)")
    return 0


def _scenario_import(args: argparse.Namespace) -> int:
    from accord.formats import import_scenario
    from accord.formats.toml_out import dumps
    from accord.protocol.scenario import load_scenario

    imported = import_scenario(
        args.format,
        args.paths,
        rules=args.rules,
        decision=args.decision,
        rounds=args.rounds,
        vetoes=args.vetoes,
    )
    for repair in imported.repairs:
        print(f"repair: {repair}", file=sys.stderr)
    Path(args.output).write_text(dumps(imported.scenario), encoding="utf-8")
    scenario = load_scenario(args.output)  # what was written must load back
    print(
        f"wrote {args.output}: {len(scenario.delegations)} delegations,"
        f" {len(scenario.issues)} issues, {scenario.outcome_count} packages,"
        f" {len(imported.repairs)} repair(s)"
    )
    return 0


def _scenario_export(args: argparse.Namespace) -> int:
    from accord.formats import export_scenario
    from accord.protocol.scenario import load_scenario

    written, notes = export_scenario(args.format, load_scenario(args.scenario), args.output)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    for path in written:
        print(f"wrote {path}")
    return 0


# --- protocol ------------------------------------------------------------------------


def _protocol_schema(args: argparse.Namespace) -> int:
    from accord.protocol.contract import schema_text

    _write(schema_text(), args.output)
    return 0


def _protocol_docs(args: argparse.Namespace) -> int:
    from accord.protocol.contract import markdown

    _write(markdown(), args.output)
    return 0


def _protocol_asyncapi(args: argparse.Namespace) -> int:
    from accord.protocol.asyncapi import asyncapi_text

    _write(asyncapi_text(), args.output)
    return 0


def _protocol_vectors(args: argparse.Namespace) -> int:
    from accord.protocol.vectors import vectors_text

    _write(vectors_text(), args.output)
    return 0


# --- verify --------------------------------------------------------------------------


def _read_transcript(path: Path) -> list[Any] | None:
    """A transcript file's lines, or None after saying on stderr why it cannot be read."""

    from accord.protocol.engine.transcript import read

    try:
        return read(path.read_bytes().splitlines())
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror}", file=sys.stderr)
    except ValueError as exc:
        print(f"{path}: not a transcript: {exc}", file=sys.stderr)
    return None


def _verify(args: argparse.Namespace) -> int:
    from accord.protocol.engine.transcript import verify

    path = Path(args.transcript)
    lines = _read_transcript(path)
    if lines is None:
        return FAILED
    result = verify(lines)
    if args.seat is not None:
        notebook = _notebook(lines, args.seat)
        if notebook is None:
            return USAGE
    if args.json:
        print(msgspec.json.encode(result).decode())
        return 0 if result.ok else 1
    print(f"{path}: {result.events} events, chain head {result.head}")
    print(f"  hash chain: {'ok' if result.chain_ok else 'BROKEN'}")
    if result.replay_ok is None:
        print(
            f"  replay:     not possible: this copy withholds {result.withheld} secret(s)"
            " (the organizer's copy replays)"
        )
    else:
        print(f"  replay:     {'ok' if result.replay_ok else 'MISMATCH'}")
    for problem in result.problems:
        print(f"  - {problem}")
    for score in result.scores:
        print(f"  {score.seat}: {score.raw:+.4f} (normalised {score.normalised:.3f})")
    if not result.ok:
        print("NOT verified")
    else:
        print("verified" if result.complete else "verified (hash chain of a partial copy)")
    if args.seat is not None:
        for line in notebook:
            print(line)
    return 0 if result.ok else 1


def _notebook(lines: list[Any], seat: str) -> list[str] | None:
    """The private notebook of ``seat`` in a transcript copy, in words: each note with
    where in the talks it was made; None (after saying why) if there is no such seat."""

    from accord.protocol.events import NoteMade, PhaseStarted, TalksOpened

    events = [line.event for line in lines if line.event is not None]
    opened = next((e for e in events if isinstance(e, TalksOpened)), None)
    if opened is not None and seat not in opened.scenario.seats:
        print(
            f"--seat: no seat {seat!r} in this talk; its seats: {', '.join(opened.scenario.seats)}",
            file=sys.stderr,
        )
        return None
    out = [f"Notebook of {seat}:"]
    where = "before the talks began"
    for event in events:
        if isinstance(event, PhaseStarted):
            if event.phase in ("tabling", "ballot"):
                where = f"round {event.round}, {event.phase}"
            else:
                where = f"period {event.period}, {event.phase}"
        elif isinstance(event, NoteMade) and event.seat == seat:
            label = "FAILURE" if event.kind == "failure" else "note"
            out.append(f"  seq {event.seq} ({where}) {label}:")
            out.extend(f"    {line}" for line in event.text.splitlines() or [""])
            if event.data:
                data = ", ".join(f"{k}={v!r}" for k, v in event.data.items())
                out.append(f"    data: {data}")
    if len(out) == 1:
        sealed = sum(1 for line in lines if line.event is None)
        out.append(
            "  no notes in this copy"
            + (
                f" ({sealed} events are sealed in it: the organizer's copy or {seat}'s own has"
                f" {seat}'s notes)"
                if sealed
                else ""
            )
        )
    return out


# --- demo ----------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    from accord.server.demo import demo

    return demo(args)


# --- bots ----------------------------------------------------------------------------


def _bot_list(args: argparse.Namespace) -> int:
    from accord.bots.registry import available, load

    for name, path in sorted(available().items()):
        cls = load(path)
        traits = [t for t in cls.traits.__struct_fields__ if getattr(cls.traits, t)]
        paragraph = (cls.__doc__ or "").strip().split("\n\n")[0]
        summary = " ".join(paragraph.split())
        if len(summary) > 110:
            summary = summary[:107].rsplit(" ", 1)[0] + " …"
        print(f"{name:<18} {path}")
        print(f"{'':<18} traits: {', '.join(traits) or 'none'}")
        if summary:
            print(f"{'':<18} {summary}")
    return 0


def _bot_play(args: argparse.Namespace) -> int:
    from accord.bots.inprocess import play
    from accord.bots.registry import load
    from accord.protocol.engine.transcript import export
    from accord.protocol.scenario import load_scenario
    from accord.protocol.scenario.generate import random_scenario
    from accord.server.narrate import describe

    classes = [load(spec) for spec in args.strategies]
    pins: dict[str, type] = {}
    for pin in args.seat:
        seat, sep, spec = pin.partition("=")
        if not sep or not seat or not spec:
            print(f"error: --seat {pin!r}: give SEAT=STRATEGY", file=sys.stderr)
            return USAGE
        pins[seat] = load(spec)
    if not classes and not pins:
        print("error: give strategies, or --seat SEAT=STRATEGY for every seat", file=sys.stderr)
        return USAGE
    if args.scenario:
        scenario = load_scenario(args.scenario)
    else:
        scenario = random_scenario(seed=args.seed, seats=max(2, len(classes) + len(pins)))
    seats = scenario.seats
    unknown = [seat for seat in pins if seat not in seats]
    if unknown:
        print(
            f"error: --seat {unknown[0]}: no such seat in {scenario.id}; its seats: "
            + ", ".join(seats),
            file=sys.stderr,
        )
        return USAGE
    free = [seat for seat in seats if seat not in pins]
    if free and not classes:
        print(
            f"error: seats {', '.join(free)} have no strategy: give STRATEGY arguments"
            " or --seat SEAT=STRATEGY for each",
            file=sys.stderr,
        )
        return USAGE
    lineup_classes = {**{seat: classes[n % len(classes)] for n, seat in enumerate(free)}, **pins}

    def one(seed: int) -> tuple[Any, dict[str, Any]]:
        lineup = {seat: lineup_classes[seat]() for seat in seats}
        talk = play(scenario, lineup, seed=seed, budget=args.budget)
        return talk, lineup

    if args.seeds > 1:
        return _bot_play_batch(args, scenario, one)
    talk, lineup = one(args.seed)
    if args.json:
        print(msgspec.json.encode(_talk_json(talk, lineup, args.seed)).decode())
    else:
        print(f"{scenario.title}: " + ", ".join(f"{seat}={lineup[seat].name}" for seat in seats))
        for event in talk.room.log:
            line = describe(event, scenario)
            if line:
                print(line)
    for line in failure_lines(talk.failures):
        print(line, file=sys.stderr)
    for rejection in talk.rejections:
        print(
            f"! {rejection.strategy} at {rejection.seat}: {rejection.code}: {rejection.message}",
            file=sys.stderr,
        )
    if args.transcript:
        Path(args.transcript).write_bytes(export(talk.room))
        if not args.json:
            print(f"transcript written to {args.transcript}")
    return 0


def _talk_json(talk: Any, lineup: dict[str, Any], seed: int) -> dict[str, Any]:
    """One in-process talk's result, for scripts (``bot play --json``)."""

    room = talk.room
    concluded = room.concluded
    return {
        "scenario": room.scenario.id,
        "seed": seed,
        "lineup": {seat: lineup[seat].name for seat in room.seats},
        "outcome": concluded.outcome,
        "package_id": concluded.package_id,
        "package": None if concluded.package is None else dict(concluded.package),
        "rounds": concluded.rounds,
        "scores": [
            {**msgspec.to_builtins(s), "strategy": lineup[s.seat].name} for s in concluded.scores
        ],
        "failures": [
            {
                "seat": f.seat,
                "strategy": f.strategy,
                "hook": f.hook,
                "problem": f.problem,
                "traceback": f.traceback,
            }
            for f in talk.failures
        ],  # fmt: skip
        "rejections": [
            {"seat": r.seat, "strategy": r.strategy, "code": r.code, "message": r.message}
            for r in talk.rejections
        ],
        "events": len(room.log),
        "head": room.chain.head,
    }


def _bot_play_batch(args: argparse.Namespace, scenario: Any, one: Any) -> int:
    """``bot play --seeds N``: N talks on seeds seed, seed+1, ...; a summary per seat."""

    results = []
    failures = rejections = 0
    for seed in range(args.seed, args.seed + args.seeds):
        talk, lineup = one(seed)
        results.append(_talk_json(talk, lineup, seed))
        failures += len(talk.failures)
        rejections += len(talk.rejections)
    seats = scenario.seats
    summary = []
    for seat in seats:
        scores = [next(s for s in r["scores"] if s["seat"] == seat) for r in results]
        summary.append(
            {
                "seat": seat,
                "strategy": results[0]["lineup"][seat],
                "mean_raw": sum(s["raw"] for s in scores) / len(scores),
                "mean_normalised": sum(s["normalised"] for s in scores) / len(scores),
                "detected": sum(s["detected"] for s in scores),
            }
        )
    agreements = sum(r["outcome"] == "agreement" for r in results)
    if args.json:
        print(
            msgspec.json.encode(
                {"talks": results, "summary": summary, "agreements": agreements}
            ).decode()
        )
        return 0
    print(
        f"{scenario.title}: {len(results)} talks (seeds {args.seed}..{args.seed + args.seeds - 1}),"
        f" {agreements} agreements, {failures} hook failures, {rejections} refused commands"
    )
    width = max(len("seat"), *(len(s) for s in seats))
    names = max(len("strategy"), *(len(row["strategy"]) for row in summary))
    print(
        f"  {'seat':<{width}}  {'strategy':<{names}}  {'mean raw':>8}  {'mean norm':>9}  detected"
    )
    for row in summary:
        print(
            f"  {row['seat']:<{width}}  {row['strategy']:<{names}}  {row['mean_raw']:>+8.3f}"
            f"  {row['mean_normalised']:>9.3f}  {row['detected']:>8}"
        )
    return 0


def _bot_replay(args: argparse.Namespace) -> int:
    from accord.bots.registry import load
    from accord.bots.replay import ReplayError, replay

    cls = load(args.strategy)
    path = Path(args.transcript)
    lines = _read_transcript(path)
    if lines is None:
        return FAILED
    events = [line.event for line in lines if line.event is not None]
    try:
        result = replay(events, args.seat, cls(), seed=args.seed)
    except ReplayError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    if args.json:
        print(
            msgspec.json.encode(
                {
                    "seat": result.seat,
                    "strategy": result.strategy,
                    "seed": result.seed,
                    "reproduced": result.reproduced,
                    "decisions": [
                        {
                            "where": d.where,
                            "phase": d.phase,
                            "round": d.round,
                            "period": d.period,
                            "same": d.same,
                            "recorded": d.recorded,
                            "replayed": d.replayed,
                            "notes": d.notes,
                        }
                        for d in result.decisions
                    ],
                }
            ).decode()
        )
        return 0 if result.reproduced else 1
    same = sum(d.same for d in result.decisions)
    print(
        f"{result.strategy} replayed at seat {result.seat} (seed {result.seed}):"
        f" {same} of {len(result.decisions)} decisions as recorded"
    )
    for d in result.decisions:
        if d.same:
            print(f"  {d.where:<24} same      {_moves(d.replayed)}")
            continue
        print(f"  {d.where:<24} DIFFERENT")
        print(f"      recorded: {_moves(d.recorded)}")
        print(f"      replayed: {_moves(d.replayed)}")
        for note in d.notes:
            print(f"      note: {note.splitlines()[0] if note.strip() else note}")
    for line in failure_lines(result.failures):
        print(line, file=sys.stderr)
    first = result.first_difference
    if first is None:
        print("Every decision is the one recorded.")
        return 0
    print(f"First difference: {first.where}.")
    return 1


def _moves(moves: tuple[tuple[str, ...], ...]) -> str:
    return "; ".join(" ".join(move) for move in moves) or "nothing"


def failure_lines(failures: list[Any]) -> list[str]:
    """Hook failures for a developer: each with its full traceback the first time it
    happens, then a count of the repeats (a bug in ``vote`` fails every ballot)."""

    seen: dict[tuple[str, str, str], int] = {}
    out: list[str] = []
    for failure in failures:
        key = (failure.seat, failure.hook, failure.problem)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            continue
        out.append(f"! {failure}")
        out.extend(f"    {line}" for line in failure.traceback.rstrip().splitlines())
    for (seat, hook, _), times in seen.items():
        if times > 1:
            out.append(f"! (the failure of {hook} at seat {seat} above happened {times} times)")
    return out


def _bot_run(args: argparse.Namespace) -> int:
    import asyncio

    from accord.bots.registry import load
    from accord.bots.websocket import BotClient
    from accord.server.logs import configure

    configure()
    cls = load(args.strategy)
    url = args.server
    if url.startswith("http"):
        url = "ws" + url[4:]
    if not url.rstrip("/").endswith("/ws"):
        url = url.rstrip("/") + "/ws"

    def report(play: object, event: object) -> None:
        from accord.protocol.events import TalksConcluded

        if isinstance(event, TalksConcluded):
            mine = [s for s in event.scores if s.seat == play.seat]  # type: ignore[attr-defined]
            for s in mine:
                print(f"{play.room}: {s.seat} scored {s.raw:+.3f} (normalised {s.normalised:.3f})")  # type: ignore[attr-defined]

    clients = [
        BotClient(
            cls,
            url,
            token,
            seed=args.seed,
            budget=args.budget,
            on_event=report,
            on_failure=lambda f: print("\n".join(failure_lines([f])), file=sys.stderr, flush=True),
            first_contact=args.wait,
        )
        for token in args.token
    ]

    async def run_all() -> list[BaseException | object]:
        # one process, every seat (or entry) at once; one bot's failure stops no other
        return await asyncio.gather(*(c.run() for c in clients), return_exceptions=True)

    try:
        outcomes = asyncio.run(run_all())
    except KeyboardInterrupt:
        return 0
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    for problem in failed:
        print(f"error: {one_line(problem)}", file=sys.stderr)
    return FAILED if failed else 0


# --- join ----------------------------------------------------------------------------


def _join(args: argparse.Namespace) -> int:
    import logging

    from accord.server.logs import configure
    from accord.terminal.address import seat_address

    url, token = seat_address(args.url, args.token)
    # log lines would break the screen, or the lines of --plain
    debug = bool(os.environ.get("ACCORD_DEBUG"))
    configure(level=logging.DEBUG if debug else logging.CRITICAL)
    if not debug:
        logging.disable(logging.CRITICAL)
    if args.plain:
        from accord.terminal.plain import run_plain

        return run_plain(url, token, wait=args.wait)
    from accord.terminal.app import run_app

    return run_app(url, token, wait=args.wait)


# --- talk ----------------------------------------------------------------------------


def _talk_plot(args: argparse.Namespace) -> int:
    from accord.protocol.engine.transcript import verify
    from accord.talk_plot import FORMATS, plot_talk, seats_of

    path = Path(args.transcript)
    lines = _read_transcript(path)
    if lines is None:
        return FAILED
    result = verify(lines)
    try:
        if not result.ok:
            raise ValueError(result.problems[0] if result.problems else "it does not verify")
        seats = seats_of(lines)
    except ValueError as exc:
        print(f"{path}: invalid transcript: {exc}", file=sys.stderr)
        return FAILED
    pair = None
    if args.seats is not None:
        names = tuple(name.strip() for name in args.seats.split(","))
        if len(names) != 2 or names[0] == names[1] or not set(names) <= set(seats):
            print(
                f"--seats: name two different seats as A,B, not {args.seats!r};"
                f" this talk's seats: {', '.join(seats)}",
                file=sys.stderr,
            )
            return USAGE
        pair = (names[0], names[1])
    if Path(args.output).suffix.lower() not in FORMATS:
        print(f"-o: the file name must end in .png or .svg, not {args.output!r}", file=sys.stderr)
        return USAGE
    written = plot_talk(lines, args.output, seats=pair)
    print(f"plot written to {written}")
    return 0


# --- serve ---------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    from accord.server.app import serve
    from accord.server.settings import Settings, with_overrides
    from accord.server.store import open_store

    origins = tuple(o for o in (args.allow_origin or []) if o) or None
    open_store(args.db)  # only checks the URL (a ValueError), before anything starts
    settings = with_overrides(
        Settings(
            host=args.host,
            port=args.port,
            db=args.db,
            organizer_token=os.environ.get("ACCORD_ORGANIZER_TOKEN") or None,
            allowed_origins=origins,
            json_logs=args.json_logs,
        ),
        args.set or [],
    )
    serve(settings)
    return 0


def _conformance_bot(args: argparse.Namespace) -> int:
    from accord.server.conformance import main as conformance

    command = list(args.bot_command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        raise ValueError("no bot command: accord conformance bot -- COMMAND...")
    return conformance(command, as_json=args.json, talks=args.talk)


# --- parser --------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="accord", description="Multilateral talks between software delegations."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo", help="serve, play a showcase talk among built-in bots over websockets, keep serving"
    )
    demo.add_argument(
        "--scenario",
        default="security-council",
        help="bundled scenario name or a .toml/.json file (default: %(default)s)",
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=7,
        help="decides which strategy plays which seat, the bots' random choices and"
        " the outcome of inspections; change it for a different talk (default: %(default)s)",
    )
    demo.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    demo.add_argument(
        "--port", type=int, default=8000, help="port to listen on (default: %(default)s)"
    )
    demo.add_argument("--db", default="accord.db", help="SQLite file (default: ./%(default)s)")
    demo.add_argument(
        "--once",
        action="store_true",
        help="stop the server after the talk, saving and verifying its transcript first",
    )
    demo.add_argument(
        "--delay",
        type=float,
        default=0.0,
        help="seconds to wait between narrated lines, to watch the talk live (default: 0)",
    )
    demo.add_argument(
        "--transcript",
        metavar="PATH",
        help="write the room's transcript (JSON lines) here and verify it"
        " (default with --once: ./accord-demo-<room>.jsonl)",
    )
    demo.add_argument(
        "--human",
        metavar="SEAT",
        help="leave SEAT to you: prints a page link and an `accord join` command with the"
        " seat's token, starts the talk when you take the seat (bots fill the others) and"
        " gives every phase minutes instead of seconds",
    )
    demo.set_defaults(run=_demo)

    bot = sub.add_parser(
        "bot", help="strategies: list them, play them locally, run one on a server"
    )
    bsub = bot.add_subparsers(dest="action", required=True)
    blist = bsub.add_parser("list", help="every strategy with its traits")
    blist.set_defaults(run=_bot_list)
    bplay = bsub.add_parser("play", help="play one talk in-process and print it")
    bplay.add_argument(
        "strategies",
        nargs="*",
        metavar="STRATEGY",
        help="name or module:Class; the seats not pinned with --seat take these in turn",
    )
    bplay.add_argument("--scenario", help="bundled name or file (default: a random scenario)")
    bplay.add_argument("--seed", type=int, default=1, help="the talk's seed (default: 1)")
    bplay.add_argument(
        "--seat",
        action="append",
        default=[],
        metavar="SEAT=STRATEGY",
        help="pin a strategy to a seat (repeat for several seats)",
    )
    bplay.add_argument(
        "--budget",
        type=float,
        default=5.0,
        help="seconds a hook may take before its answer is replaced by the default"
        " (default: %(default)s)",
    )
    bplay.add_argument(
        "--seeds",
        type=int,
        default=1,
        metavar="N",
        help="play N talks (seeds SEED, SEED+1, ...) and print a summary per seat",
    )
    bplay.add_argument(
        "--json",
        action="store_true",
        help="print the result as JSON instead of the narration (lineup, outcome, scores,"
        " failures with tracebacks, refused commands, head hash)",
    )
    bplay.add_argument("--transcript", help="write the transcript (JSONL) here")
    bplay.set_defaults(run=_bot_play)
    breplay = bsub.add_parser(
        "replay",
        help="feed a seat's recorded view of a talk to a strategy: what it would do,"
        " decision by decision, beside what was played",
    )
    breplay.add_argument("transcript", help="a transcript: the organizer's copy or the seat's")
    breplay.add_argument("strategy", help="name or module:Class (the same or a changed one)")
    breplay.add_argument("--seat", required=True, help="the seat to replay")
    breplay.add_argument(
        "--seed",
        type=int,
        help="the bot's seed (default: the room's, as accord bot play and tournaments seed"
        " their bots; only the organizer's copy shows it)",
    )
    breplay.add_argument("--json", action="store_true", help="print the decisions as JSON")
    breplay.set_defaults(run=_bot_replay)
    brun = bsub.add_parser("run", help="run a strategy against a server")
    brun.add_argument("strategy", help="name or module:Class")
    brun.add_argument("--server", required=True, help="e.g. ws://127.0.0.1:8000/ws")
    brun.add_argument(
        "--token",
        required=True,
        action="append",
        help="a seat token, or a bot entry token (which plays every room it is seated in);"
        " repeat to play several seats from one process",
    )
    brun.add_argument("--seed", type=int)
    brun.add_argument(
        "--budget",
        type=float,
        default=5.0,
        help="seconds a hook may take before its answer is replaced by the default"
        " (default: %(default)s)",
    )
    brun.add_argument(
        "--wait",
        type=float,
        default=10.0,
        help="seconds to keep trying to reach the server at first (default: %(default)s);"
        " once connected, the bot reconnects for as long as it takes",
    )
    brun.set_defaults(run=_bot_run)

    join = sub.add_parser(
        "join", help="take a seat at a talk yourself: full-screen, or --plain for lines"
    )
    join.add_argument(
        "url",
        metavar="URL",
        help="the server (http://HOST:PORT or ws://HOST:PORT/ws) or a room link"
        " from the web page (http://HOST:PORT/#/rooms/ID?token=...)",
    )
    join.add_argument("--token", help="your seat token (default: the one in a room link)")
    join.add_argument(
        "--plain",
        action="store_true",
        help="line mode for pipes and screen readers: commands from stdin, events as lines",
    )
    join.add_argument(
        "--wait",
        type=float,
        default=3.0,
        help="seconds to keep trying to reach the server at first (default: %(default)s);"
        " once connected, the client reconnects for as long as it takes",
    )
    join.set_defaults(run=_join)

    serve = sub.add_parser("serve", help="run the server (websocket, HTTP API, web page)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--db",
        default="accord.db",
        help="SQLite file path or postgresql:// URL (default ./accord.db)",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        help="browser Origin allowed on /ws (repeat; default: any)",
    )
    serve.add_argument("--json-logs", action="store_true", help="JSON log lines (production)")
    serve.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="any other setting, e.g. --set max_connections_per_address=1000 "
        "(repeat; docs/operations.md lists them)",
    )
    serve.set_defaults(run=_serve)

    scenario = sub.add_parser("scenario", help="validate, show or analyze scenarios")
    ssub = scenario.add_subparsers(dest="action", required=True)
    validate = ssub.add_parser("validate", help="check scenario files")
    validate.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    validate.set_defaults(run=_scenario_validate)
    show = ssub.add_parser("show", help="print a scenario's agenda, seats and rules")
    show.add_argument("scenario")
    show.add_argument("--json", action="store_true", help="the normalised scenario as JSON")
    show.set_defaults(run=_scenario_show)
    analyze = ssub.add_parser("analyze", help="outcome space, Pareto frontier, Nash point, ...")
    analyze.add_argument("scenario")
    analyze.add_argument("--json", action="store_true")
    analyze.set_defaults(run=_scenario_analyze)
    simport = ssub.add_parser(
        "import", help="turn a Genius, GeniusWeb or LLM-Deliberation scenario into a TOML file"
    )
    simport.add_argument("format", choices=["genius", "geniusweb", "llm-deliberation"])
    simport.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="the domain file then the profiles, or one folder",
    )
    simport.add_argument("-o", "--output", required=True, metavar="FILE.toml")
    simport.add_argument(
        "--rules",
        metavar="OVERLAY.toml",
        help="a TOML file whose [rules] table overrides the defaults",
    )
    simport.add_argument("--decision", choices=["unanimity", "consensus", "qualified"])
    simport.add_argument("--rounds", type=int, metavar="N", help="rules.max_rounds")
    simport.add_argument(
        "--vetoes", action=argparse.BooleanOptionalAction, default=None, help="rules.vetoes"
    )
    simport.set_defaults(run=_scenario_import)
    sexport = ssub.add_parser("export", help="write a scenario as Genius XML or GeniusWeb JSON")
    sexport.add_argument("format", choices=["genius", "geniusweb"])
    sexport.add_argument("scenario", metavar="SCENARIO")
    sexport.add_argument("-o", "--output", required=True, metavar="DIR")
    sexport.set_defaults(run=_scenario_export)

    proto = sub.add_parser("protocol", help="the published protocol contract")
    psub = proto.add_subparsers(dest="action", required=True)
    schema = psub.add_parser("schema", help="print the JSON Schema of every message")
    schema.add_argument("-o", "--output")
    schema.set_defaults(run=_protocol_schema)
    docs = psub.add_parser("docs", help="print docs/protocol.md")
    docs.add_argument("-o", "--output")
    docs.set_defaults(run=_protocol_docs)
    vectors = psub.add_parser(
        "vectors", help="print the known-answer vectors of the canonical form and the chain"
    )
    vectors.add_argument("-o", "--output")
    vectors.set_defaults(run=_protocol_vectors)
    asyncapi = psub.add_parser("asyncapi", help="print docs/asyncapi.yaml (AsyncAPI 3.0.0)")
    asyncapi.add_argument("-o", "--output")
    asyncapi.set_defaults(run=_protocol_asyncapi)

    conformance = sub.add_parser(
        "conformance", help="check a bot against the protocol's obligations"
    )
    csub = conformance.add_subparsers(dest="action", required=True)
    cbot = csub.add_parser(
        "bot",
        help="run COMMAND once per scripted talk on a private server and check every obligation"
        " (docs/conformance.md)",
    )
    cbot.add_argument("--json", action="store_true", help="a machine-readable report")
    cbot.add_argument(
        "--talk",
        action="append",
        metavar="NAME",
        help="only this scripted talk (repeat; default: every talk)",
    )
    cbot.add_argument(
        "bot_command",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND...",
        help="the bot; {url}, {ws} and {token} in it are replaced (also in $ACCORD_URL,"
        " $ACCORD_WS, $ACCORD_TOKEN)",
    )
    cbot.set_defaults(run=_conformance_bot)

    from accord.tournament_cli import add_tournament_commands

    add_tournament_commands(sub)

    verify = sub.add_parser("verify", help="check a transcript's hash chain and replay it")
    verify.add_argument("transcript")
    verify.add_argument("--json", action="store_true")
    verify.add_argument(
        "--seat",
        metavar="SEAT",
        help="also print SEAT's private notebook: its bot's notes and hook failures (in the"
        " organizer's copy or SEAT's own)",
    )
    verify.set_defaults(run=_verify)
    talk = sub.add_parser("talk", help="look at one talk through its transcript")
    tsub = talk.add_subparsers(dest="action", required=True)
    tplot = tsub.add_parser(
        "plot",
        help="draw a talk: utilities over the rounds, the utility plane of two seats,"
        " the ballots and the implementation periods (PNG or SVG)",
    )
    tplot.add_argument(
        "transcript",
        metavar="TRANSCRIPT",
        help="a transcript copy (JSON lines): the organizer's, a seat's or the public one",
    )
    tplot.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the image to write: .png or .svg"
    )
    tplot.add_argument(
        "--seats",
        metavar="A,B",
        help="the two seats of the utility plane (default: the two with the largest weight)",
    )
    tplot.set_defaults(run=_talk_plot)
    return parser


USAGE = 2
"""Exit status of a command given something it cannot use (as argparse's own errors)."""

FAILED = 1
"""Exit status of a command that could not do its job."""


def one_line(exc: BaseException) -> str:
    """What went wrong, in one line a person can act on (no traceback)."""

    if isinstance(exc, OSError) and exc.strerror:
        where = exc.filename if exc.filename is not None else ""
        text = f"{where}: {exc.strerror}" if where else exc.strerror
    elif isinstance(exc, (ScenarioError, LookupError, ValueError, OSError)):
        text = str(exc) or type(exc).__name__
    else:  # not one of ours: say what it is
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    text = " ".join(text.split())  # messages that span lines (a decoder's, say) fold into one
    return text if len(text) <= 400 else text[:399] + "…"


def exit_status(exc: BaseException) -> int:
    """:data:`USAGE` for input the command cannot use, :data:`FAILED` otherwise."""

    from accord.bots.registry import UnknownStrategy

    if isinstance(exc, (ScenarioError, UnknownStrategy, ValueError)):
        return USAGE
    return FAILED


def main(argv: list[str] | None = None) -> int:
    """Run one command; every error it meets ends as one line on stderr and a
    non-zero exit (``ACCORD_DEBUG=1`` adds the traceback)."""

    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # stdout closed early (piped into head, say): not an error
        sys.stderr.close()
        return 0
    except Exception as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        if os.environ.get("ACCORD_DEBUG"):
            traceback.print_exc()
        return exit_status(exc)


if __name__ == "__main__":
    sys.exit(main())
