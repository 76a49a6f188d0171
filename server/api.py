"""The JSON HTTP API. Organizer actions need ``Authorization: Bearer <organizer token>``.

Every error, whichever layer raises it (accord's own errors, aiohttp's 404,
405 and 413, an unexpected exception), leaves as one JSON body with a stable
code, in :func:`errors_middleware`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import msgspec
import structlog
from aiohttp import web

from accord.protocol.analysis.bargaining import nash_point
from accord.protocol.analysis.pareto import pareto_frontier
from accord.protocol.codec import canonical, decode_event
from accord.protocol.contract import json_schema
from accord.protocol.engine.transcript import encode_lines, lines_for, read
from accord.protocol.engine.visibility import ORGANIZER, SPECTATOR, Viewer
from accord.protocol.errors import (
    AccessError,
    AccordError,
    Forbidden,
    InvalidRequest,
    NotFound,
    RoomFailed,
    RuleViolation,
    TokenRequired,
    UnknownScenario,
)
from accord.protocol.events import ProposalTabled, ProposalWithdrawn
from accord.protocol.scenario import bundled_names, load_scenario, scenario_from_dict
from accord.protocol.scenario.model import Scenario
from accord.protocol.scenario.utility import UtilityFunction, utility_functions
from accord.server.api_types import (
    AnalysedPackage,
    ApiError,
    ApiErrorBody,
    CreateEntry,
    CreateRoom,
    EntryCreated,
    FrontierView,
    Health,
    NashView,
    RoomAnalysis,
    RoomCreated,
    RoomList,
    RoomSummary,
    ScenarioList,
    ScenarioSummary,
    Started,
    StartRoom,
    TalkList,
    TournamentEntry,
    TournamentList,
    TournamentState,
    TournamentSummary,
)
from accord.server.hub import Hub
from accord.server.live import LiveRoom, status_of
from accord.server.tournament.service import (
    TOURNAMENTS,
    Conflict,
    TournamentService,
    View,
    decode_cursor,
    encode_cursor,
)

HUB = web.AppKey("hub", Hub)
log = structlog.get_logger("accord.api")

FRONTIER_POINTS = 5000
"""Frontier points a room's analysis lists at most (an even sample beyond)."""

KEPT_DERIVED = 32
"""Rooms' frontiers and tournaments' report pages kept in memory at most, each."""


@dataclass
class Derived:
    """What the API computes once and serves many times: each room's frontier and
    Nash point (the scenario never changes) and each tournament's report page (made
    again only when more talks are stored)."""

    frontiers: OrderedDict[str, tuple[FrontierView, NashView | None]] = field(
        default_factory=OrderedDict
    )
    reports: OrderedDict[str, tuple[int, bytes]] = field(default_factory=OrderedDict)
    rendering: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One report at a time: matplotlib's settings are global to the process."""


DERIVED = web.AppKey("derived", Derived)

STATUS = {
    "invalid_request": 400,
    "invalid_tournament": 400,
    "token_required": 401,
    "bad_token": 401,
    "forbidden": 403,
    "not_found": 404,
    "unknown_room": 404,
    "unknown_scenario": 404,
    "method_not_allowed": 405,
    "room_failed": 409,
    "tournament_exists": 409,
    "tournament_running": 409,
    "tournament_complete": 409,
    "room_expired": 410,
    "payload_too_large": 413,
    "invalid_scenario": 422,
    "scenario_too_large": 422,
    "too_many_from_address": 429,
    "internal_error": 500,
    "too_many_connections": 503,
}
"""HTTP status of each error code; other rule violations are 409, other protocol
errors 400 and other access errors 403."""

_HTTP_CODES = {
    400: "invalid_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}

_PAGE = 100
_MAX_PAGE = 500


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=msgspec.json.encode(body),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def error_body(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON error response (``{"error": {"code", "message"}}``)."""

    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="accord"'
    body = ApiError(error=ApiErrorBody(code=code, message=message))
    return json_response(body, status=status, headers=headers or None)


def error_response(error: AccordError) -> web.Response:
    status = STATUS.get(error.code)
    if status is None:
        if isinstance(error, RuleViolation):
            status = 409
        elif isinstance(error, AccessError):
            status = 403
        else:
            status = 400
    return error_body(status, error.code, error.message)


@web.middleware
async def errors_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """The HTTP side's one place where errors become JSON error bodies."""

    try:
        return await handler(request)
    except AccordError as exc:
        return error_response(exc)
    except Conflict as exc:  # an HTTP-only refusal, not a protocol error
        return error_body(409, exc.code, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        allow = exc.headers.get("Allow")  # a 405 must say which methods are allowed
        return error_body(exc.status, code, exc.reason, headers={"Allow": allow} if allow else None)
    except Exception as exc:  # never a traceback to a client
        log.exception("request failed", path=request.path, error=repr(exc))
        return error_body(500, "internal_error", "the server could not answer this request")


def _hub(request: web.Request) -> Hub:
    return request.app[HUB]


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def require_organizer(request: web.Request) -> None:
    """401 without a credential or with an unknown one; 403 with a valid one that is not
    the organizer's."""

    token = _bearer(request)
    hub = _hub(request)
    if token is None:
        raise TokenRequired("this needs the organizer token (Authorization: Bearer ...)")
    if hub.is_organizer(token):
        return
    await hub.credential(token)  # raises BadToken when it is nobody's
    raise Forbidden("this needs the organizer token; the token given is not it")


async def _body(request: web.Request, kind: type) -> Any:
    raw = await request.read()
    try:
        return msgspec.json.decode(raw or b"{}", type=kind)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise InvalidRequest(f"invalid request body: {exc}") from None
    except RecursionError:
        raise InvalidRequest("invalid request body: nested too deeply") from None


# --- rooms -----------------------------------------------------------------------------------


async def create_room(request: web.Request) -> web.Response:
    await require_organizer(request)
    body: CreateRoom = await _body(request, CreateRoom)
    if isinstance(body.scenario, str):
        scenario = load_scenario(body.scenario) if body.scenario in bundled_names() else None
        if scenario is None:
            raise UnknownScenario(f"no bundled scenario {body.scenario!r}", file=body.scenario)
    else:
        scenario = scenario_from_dict(body.scenario, file="request.scenario")
    live, tokens = await _hub(request).create_room(
        scenario, seed=body.seed, public=body.public, entries=body.entries
    )
    return json_response(RoomCreated(room=live.id, scenario=scenario.id, seats=tokens), status=201)


def _summary(hub: Hub, room_id: str) -> RoomSummary:
    live = hub.rooms[room_id]
    room = live.room
    return RoomSummary(
        room=room_id,
        scenario=live.record.scenario_id,
        title=live.record.title,
        public=live.record.public,
        status=status_of(live.room),
        phase=room.phase,
        round=room.round,
        period=room.period,
        seq=room.last_seq,
        seats={seat: seat in room.seated for seat in room.seats},
        created_at=live.record.created_at,
    )


def _cursor(record: Any) -> str:
    raw = msgspec.json.encode([record.created_at, record.id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str) -> tuple[float, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, room = msgspec.json.decode(raw, type=tuple[float, str])
    except (binascii.Error, ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise InvalidRequest(f"after: {cursor[:40]!r} is not a cursor from this API") from None
    return created_at, room


def _limit(request: web.Request) -> int:
    try:
        limit = int(request.query.get("limit", _PAGE))
    except ValueError:
        raise InvalidRequest("limit: not an integer") from None
    if not 1 <= limit <= _MAX_PAGE:
        raise InvalidRequest(f"limit: must be between 1 and {_MAX_PAGE}")
    return limit


async def list_rooms(request: web.Request) -> web.Response:
    """One page of rooms, oldest first; ``next`` is the cursor of the next page."""

    hub = _hub(request)
    query = request.query
    limit = _limit(request)
    status = query.get("status")
    if status is not None and status not in ("lobby", "running", "concluded", "failed", "expired"):
        raise InvalidRequest(f"status: no status {status[:40]!r}")
    after = _after(query["after"]) if "after" in query else None
    records = await hub.store.rooms(status=status, after=after, limit=limit + 1)  # type: ignore[arg-type]
    more = len(records) > limit
    records = records[:limit]
    rooms = []
    for record in records:
        if record.id in hub.rooms:
            rooms.append(_summary(hub, record.id))
        else:
            rooms.append(
                RoomSummary(
                    room=record.id,
                    scenario=record.scenario_id,
                    title=record.title,
                    public=record.public,
                    status=record.status,
                    reason=record.reason,
                    created_at=record.created_at,
                )
            )
    return json_response(RoomList(rooms=rooms, next=_cursor(records[-1]) if more else None))


async def room_state(request: web.Request) -> web.Response:
    hub = _hub(request)
    live = await hub.open_room(request.match_info["room"])
    if live is None:
        raise NotFound(f"no open room {request.match_info['room']!r}")
    return json_response(live.snapshot(SPECTATOR))


async def start_room(request: web.Request) -> web.Response:
    await require_organizer(request)
    hub = _hub(request)
    body: StartRoom = await _body(request, StartRoom)
    live = await hub.open_room(request.match_info["room"])
    if live is None:
        raise NotFound(f"no room {request.match_info['room']!r}")
    await live.start(absent_default=body.absent_default)
    return json_response(Started(room=live.id, seq=live.room.last_seq))


async def _transcript_reader(
    request: web.Request, room: str, concluded: bool, public: bool
) -> Viewer:
    """Who asks for a transcript, and whether they may have it now.

    The organizer may read everything at any time. After the talks conclude,
    a seat (its seat token as the bearer) reads its own copy, and anyone the
    public copy of a public room.
    """

    hub = _hub(request)
    token = _bearer(request)
    if token is not None and hub.is_organizer(token):
        return ORGANIZER
    reader = SPECTATOR
    if token is not None:
        record = await hub.credential(token)  # BadToken (401) for a token nobody has
        if record.kind != "seat" or record.room != room or record.seat is None:
            raise Forbidden("this token opens no seat in this room")
        reader = Viewer.of_seat(record.seat)
    if not concluded:
        raise Forbidden("only the organizer reads a transcript before the talks conclude")
    if reader is SPECTATOR and not public:
        if token is None:
            raise TokenRequired("this room is not public: its seats and the organizer read it")
        raise Forbidden("this room is not public")
    return reader


async def transcript(request: web.Request) -> web.Response:
    """The room's transcript, as the reader may see it; every copy verifies against
    the same head hash (``X-Accord-Head``)."""

    hub = _hub(request)
    room_id = request.match_info["room"]
    record = await hub.room_record(room_id)
    if record is None:
        raise NotFound(f"no room {room_id!r}")
    if record.status == "failed":
        raise RoomFailed(f"room {room_id!r} could not be rebuilt: {record.reason}")
    live = hub.rooms.get(room_id)
    concluded = live.room.finished if live is not None else record.status == "concluded"
    reader = await _transcript_reader(request, room_id, concluded, record.public)
    rows = await hub.store.events(room_id)
    try:
        events = [decode_event(row.data) for row in rows]
        lines = lines_for(events, [row.hash for row in rows], reader)
    except Exception as exc:  # damaged stored events: a typed answer, not a 500
        raise RoomFailed(f"room {room_id!r}: its stored events cannot be read: {exc}") from None
    head = rows[-1].hash if rows else ""
    return web.Response(
        body=encode_lines(lines),
        content_type="application/x-ndjson",
        headers={"X-Accord-Head": head, "X-Accord-Reader": _reader_name(reader)},
    )


def _reader_name(reader: Viewer) -> str:
    return f"seat:{reader.seat}" if reader.role == "seat" else reader.role


async def _analysis_reader(request: web.Request, live: LiveRoom) -> Viewer:
    """Whose briefs the reader of a room's analysis may see: every one (the organizer),
    its own (a seat token of this room, or a bot entry's token seated in it), none
    (no token)."""

    hub = _hub(request)
    token = _bearer(request)
    if token is None:
        return SPECTATOR
    if hub.is_organizer(token):
        return ORGANIZER
    record = await hub.credential(token)  # BadToken (401) for a token nobody has
    if record.kind == "seat" and record.room == live.id and record.seat is not None:
        return Viewer.of_seat(record.seat)
    if record.kind == "entry" and record.entry is not None:
        seats = [seat for seat, entry in live.record.seats.items() if entry == record.entry]
        if seats:
            return Viewer.of_seat(seats[0])
    raise Forbidden("this token opens no seat in this room")


def _frontier(scenario: Scenario) -> tuple[FrontierView, NashView | None]:
    """The scenario's Pareto frontier (at most FRONTIER_POINTS of its vectors) and its
    Nash point; the scenario must carry every brief."""

    functions = utility_functions(scenario)
    seats = scenario.seats
    rows = [functions[seat].rows() for seat in seats]
    issue_vectors = [
        [tuple(rows[s][i][o] for s in range(len(seats))) for o in range(len(issue.options))]
        for i, issue in enumerate(scenario.issues)
    ]
    frontier = pareto_frontier(issue_vectors)
    vectors = frontier.vectors
    step = max(1, -(-len(vectors) // FRONTIER_POINTS))  # ceiling: never more than the limit
    points = [dict(zip(seats, vectors[k], strict=True)) for k in range(0, len(vectors), step)]
    nash = nash_point(vectors, [functions[seat].reservation for seat in seats])
    nash_view = None
    if nash is not None:
        options = frontier.package(nash[0])
        nash_view = NashView(
            package={
                issue.id: issue.options[o]
                for issue, o in zip(scenario.issues, options, strict=True)
            },
            utilities=dict(zip(seats, vectors[nash[0]], strict=True)),
        )
    return FrontierView(size=len(vectors), points=points), nash_view


async def _frontier_of(
    request: web.Request, live: LiveRoom
) -> tuple[FrontierView, NashView | None]:
    derived = request.app[DERIVED]
    found = derived.frontiers.get(live.id)
    if found is None:
        # spaces of a million packages take seconds: not on the event loop
        found = await asyncio.to_thread(_frontier, live.room.scenario)
        derived.frontiers[live.id] = found
        while len(derived.frontiers) > KEPT_DERIVED:
            derived.frontiers.popitem(last=False)
    derived.frontiers.move_to_end(live.id)
    return found


async def room_analysis(request: web.Request) -> web.Response:
    """What a room's picture needs: every tabled package and the utilities of it the
    reader may see; for the organizer also the Pareto frontier and the Nash point."""

    hub = _hub(request)
    room_id = request.match_info["room"]
    live = await hub.open_room(room_id)
    if live is None:
        raise NotFound(f"no room {room_id!r}")
    reader = await _analysis_reader(request, live)
    scenario = live.room.scenario  # the organizer's view: every brief
    if reader is ORGANIZER:
        functions: dict[str, UtilityFunction] = utility_functions(scenario)
    elif reader.role == "seat" and reader.seat is not None:
        brief = scenario.delegation(reader.seat).brief
        functions = {} if brief is None else {reader.seat: UtilityFunction(scenario, brief)}
    else:
        functions = {}
    packages: list[AnalysedPackage] = []
    by_id: dict[str, int] = {}
    for event in live.room.log[: live.durable_seq]:  # what every reader may have been sent
        if isinstance(event, ProposalTabled):
            by_id[event.package_id] = len(packages)
            packages.append(
                AnalysedPackage(
                    package_id=event.package_id,
                    seat=event.seat,
                    round=event.round,
                    package=dict(event.package),
                    utilities={seat: f(event.package) for seat, f in functions.items()},
                )
            )
        elif isinstance(event, ProposalWithdrawn) and event.package_id in by_id:
            k = by_id[event.package_id]
            packages[k] = msgspec.structs.replace(packages[k], withdrawn=True)
    frontier, nash = await _frontier_of(request, live) if reader is ORGANIZER else (None, None)
    return json_response(
        RoomAnalysis(
            room=live.id,
            reader=_reader_name(reader),
            seats=list(scenario.seats),
            connected={seat: seat in live.holders for seat in scenario.seats},
            reservations={seat: f.reservation for seat, f in functions.items()},
            packages=packages,
            frontier=frontier,
            nash=nash,
        )
    )


# --- tournaments -----------------------------------------------------------------------------


def _tournaments(request: web.Request) -> TournamentService:
    return request.app[TOURNAMENTS]


def _summary_of(view: View) -> dict[str, Any]:
    listing = view.listing
    return {
        "tournament": listing.name,
        "status": view.status,
        "public": listing.public,
        "talks_planned": view.planned,
        "talks_done": view.done,
        "created_at": listing.created_at,
        "started_at": listing.started_at,
        "finished_at": listing.finished_at,
        "error": listing.error,
    }


async def _may_read(request: web.Request, public: bool) -> None:
    """Raise unless the reader may read the tournament.

    A public tournament is anyone's to read (a token is not looked at); a private
    one the organizer's only: 401 without a token or with one nobody has, 403
    with another valid token."""

    token = _bearer(request)
    hub = _hub(request)
    if public or (token is not None and hub.is_organizer(token)):
        return
    if token is None:
        raise TokenRequired("this tournament is not public: the organizer reads it")
    await hub.credential(token)  # raises BadToken when it is nobody's
    raise Forbidden("this tournament is not public: the organizer reads it")


async def create_tournament(request: web.Request) -> web.Response:
    """A tournament from its file's content as JSON (plus ``public``); not started."""

    await require_organizer(request)
    raw: dict[str, Any] = await _body(request, dict[str, Any])
    public = raw.pop("public", True)
    if not isinstance(public, bool):
        raise InvalidRequest("public: must be true or false")
    view = await _tournaments(request).create(raw, public=public)
    return json_response(TournamentSummary(**_summary_of(view)), status=201)


def _ws_url(request: web.Request) -> str:
    """Where this server's websocket is reached from this machine: the setting, else
    the local address the request came in on (a listening address of this server)."""

    settings = _hub(request).settings
    if settings.tournament_ws_url:
        return settings.tournament_ws_url
    host, port = settings.host, settings.port
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if isinstance(sockname, tuple) and len(sockname) >= 2:
        host, port = sockname[0], sockname[1]
    if ":" in host:
        host = f"[{host}]"
    return f"ws://{host}:{port}/ws"


async def start_tournament(request: web.Request) -> web.Response:
    """Run the tournament in the background (what is stored already is not played again)."""

    await require_organizer(request)
    view = await _tournaments(request).start(request.match_info["name"], _ws_url(request))
    return json_response(TournamentSummary(**_summary_of(view)), status=202)


async def list_tournaments(request: web.Request) -> web.Response:
    """One page of tournaments, oldest first (the organizer sees the private ones too)."""

    limit = _limit(request)
    after = _after(request.query["after"]) if "after" in request.query else None
    token = _bearer(request)
    organizer = token is not None and _hub(request).is_organizer(token)
    views, more = await _tournaments(request).page(after, limit, public_only=not organizer)
    last = views[-1].listing if views else None
    return json_response(
        TournamentList(
            tournaments=[TournamentSummary(**_summary_of(v)) for v in views],
            next=encode_cursor([last.created_at, last.name]) if more and last else None,
        )
    )


async def _readable(request: web.Request) -> tuple[TournamentService, View]:
    """The tournament the path names, if the reader may read it."""

    service = _tournaments(request)
    listing = await service.listing(request.match_info["name"])
    await _may_read(request, listing.public)
    return service, await service.view(listing.name, listing)


async def tournament_state(request: web.Request) -> web.Response:
    service, view = await _readable(request)
    board = await service.board(view.listing.name, view.status == "running")
    spec = view.tournament.spec
    return json_response(
        TournamentState(
            **_summary_of(view),
            problems=sum(1 for _, result in board.placed if result.problems),
            digest=view.tournament.digest,
            seed=spec.seed,
            format=spec.format,
            entries=[TournamentEntry(name=e.name, kind=e.kind) for e in spec.entries],
            scenarios=[s.label for s in spec.scenarios],
        )
    )


async def tournament_standings(request: web.Request) -> web.Response:
    """The standings of the talks stored so far (``accord tournament standings --json``)."""

    service, view = await _readable(request)
    return web.Response(body=await service.standings(view), content_type="application/json")


async def tournament_talks(request: web.Request) -> web.Response:
    """One page of stored talk results, in plan order."""

    limit = _limit(request)
    after = -1
    if "after" in request.query:
        cursor = request.query["after"]
        try:
            after = decode_cursor(cursor, int)
        except ValueError:
            raise InvalidRequest(f"after: {cursor[:40]!r} is not a cursor from this API") from None
    service, view = await _readable(request)
    board = await service.board(view.listing.name, view.status == "running")
    start = bisect_right([position for position, _ in board.placed], after)
    page = board.placed[start : start + limit]
    more = start + limit < len(board.placed)
    return json_response(
        TalkList(
            talks=[result for _, result in page],
            next=encode_cursor(page[-1][0]) if more else None,
        )
    )


async def tournament_report(request: web.Request) -> web.Response:
    """The tournament's report page (``accord tournament report``) of the talks stored
    so far: self-contained HTML, plots as inline SVG, no script."""

    service, view = await _readable(request)
    name = view.listing.name
    board = await service.board(name, view.status == "running")
    derived = request.app[DERIVED]
    async with derived.rendering:
        cached = derived.reports.get(name)
        if cached is None or cached[0] != board.count:
            from accord.server.tournament.report import render

            results = [result for _, result in board.placed]
            started = time.monotonic()
            page = await asyncio.to_thread(render, results, view.tournament)
            seconds = round(time.monotonic() - started, 3)
            log.info("report rendered", tournament=name, talks=board.count, seconds=seconds)
            cached = derived.reports[name] = (board.count, page.encode())
            while len(derived.reports) > KEPT_DERIVED:
                derived.reports.popitem(last=False)
        derived.reports.move_to_end(name)
    return web.Response(
        body=cached[1],
        content_type="text/html",
        charset="utf-8",
        headers={
            # the page has no script: nothing in it may run or load anything
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:; frame-ancestors 'self'",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def tournament_transcript(request: web.Request) -> web.Response:
    """A stored talk's transcript as the reader may see it: the organizer's copy, the
    copy of the seat a remote entry's bot held (its entry token), or the public copy
    of a public tournament's talk. Every copy verifies against ``X-Accord-Head``."""

    service = _tournaments(request)
    hub = _hub(request)
    listing = await service.listing(request.match_info["name"])
    name, talk = listing.name, request.match_info["talk"]
    token = _bearer(request)
    reader = SPECTATOR
    if token is not None and hub.is_organizer(token):
        reader = ORGANIZER
    elif token is not None:
        record = await hub.credential(token)  # BadToken (401) for a token nobody has
        seat = None
        if record.kind == "entry" and record.entry is not None:
            view = await service.view(name, listing)
            result = await service.result(name, talk, view.status == "running")
            if result is not None:
                held = view.tournament
                seat = next(
                    (s.seat for s in result.seats if held.entry(s.entry).remote == record.entry),
                    None,  # (an entry that held several seats reads its first one's copy)
                )
        if seat is None:
            raise Forbidden("this token opens no seat in this talk")
        reader = Viewer.of_seat(seat)
    elif not listing.public:
        raise TokenRequired(
            "this tournament is not public: its remote entries and the organizer read it"
        )
    data = await service.transcript(name, talk)
    body, head = await asyncio.to_thread(_copy_for, data, reader)
    return web.Response(
        body=body,
        content_type="application/x-ndjson",
        headers={"X-Accord-Head": head, "X-Accord-Reader": _reader_name(reader)},
    )


def _copy_for(organizer_copy: bytes, reader: Viewer) -> tuple[bytes, str]:
    """``reader``'s copy of a stored (organizer's) transcript, and its head hash."""

    lines = read(organizer_copy.splitlines())
    head = lines[-1].hash if lines else ""
    if reader is ORGANIZER:
        return organizer_copy, head
    events = [line.event for line in lines if line.event is not None]
    hashes = [line.hash for line in lines]
    return encode_lines(lines_for(events, hashes, reader)), head


# --- scenarios, schema, entries, health ------------------------------------------------------------


async def list_scenarios(request: web.Request) -> web.Response:
    out = []
    for name in bundled_names():
        s = load_scenario(name)
        out.append(
            ScenarioSummary(
                name=name,
                title=s.title,
                seats=list(s.seats),
                issues=len(s.issues),
                packages=s.outcome_count,
                decision=s.rules.decision,
                implementation=s.implementation is not None,
            )
        )
    return json_response(ScenarioList(scenarios=out))


async def get_scenario(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in bundled_names():
        raise UnknownScenario(f"no bundled scenario {name!r}", file=name)
    return json_response(load_scenario(name).public())


async def schema(request: web.Request) -> web.Response:
    return web.Response(body=canonical(json_schema()), content_type="application/json")


async def create_entry(request: web.Request) -> web.Response:
    await require_organizer(request)
    body: CreateEntry = await _body(request, CreateEntry)
    entry, token = await _hub(request).register_entry(body.name)
    return json_response(EntryCreated(entry=entry, token=token), status=201)


async def healthz(request: web.Request) -> web.Response:
    hub = _hub(request)
    return json_response(Health(status="ok", rooms=len(hub.rooms), connections=len(hub.sessions)))


async def metrics(request: web.Request) -> web.Response:
    from accord.server.metrics import CONTENT_TYPE

    return web.Response(body=_hub(request).metrics.render(), headers={"Content-Type": CONTENT_TYPE})


async def openapi(request: web.Request) -> web.Response:
    from accord.server.openapi import openapi_document

    return json_response(openapi_document())


def routes() -> list[web.RouteDef]:
    return [
        web.post("/api/rooms", create_room),
        web.get("/api/rooms", list_rooms),
        web.get("/api/rooms/{room}", room_state),
        web.post("/api/rooms/{room}/start", start_room),
        web.get("/api/rooms/{room}/transcript", transcript),
        web.get("/api/rooms/{room}/analysis", room_analysis),
        web.get("/api/scenarios", list_scenarios),
        web.get("/api/scenarios/{name}", get_scenario),
        web.get("/api/schema", schema),
        web.post("/api/entries", create_entry),
        web.post("/api/tournaments", create_tournament),
        web.get("/api/tournaments", list_tournaments),
        web.get("/api/tournaments/{name}", tournament_state),
        web.post("/api/tournaments/{name}/start", start_tournament),
        web.get("/api/tournaments/{name}/standings", tournament_standings),
        web.get("/api/tournaments/{name}/talks", tournament_talks),
        web.get("/api/tournaments/{name}/report", tournament_report),
        web.get("/api/tournaments/{name}/talks/{talk}/transcript", tournament_transcript),
        web.get("/api/openapi.json", openapi),
        web.get("/healthz", healthz),
        web.get("/metrics", metrics),
    ]
