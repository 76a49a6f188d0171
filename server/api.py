"""The JSON HTTP API. Organizer actions need ``Authorization: Bearer <organizer token>``.

Every error, whichever layer raises it (accord's own errors, aiohttp's 404,
405 and 413, an unexpected exception), leaves as one JSON body with a stable
code, in :func:`errors_middleware`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import msgspec
import structlog
from aiohttp import web

from accord.protocol.codec import canonical, decode_event
from accord.protocol.contract import json_schema
from accord.protocol.engine.transcript import encode_lines, lines_for
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
from accord.protocol.scenario import bundled_names, load_scenario, scenario_from_dict
from accord.server.api_types import (
    ApiError,
    ApiErrorBody,
    CreateEntry,
    CreateRoom,
    EntryCreated,
    Health,
    RoomCreated,
    RoomList,
    RoomSummary,
    ScenarioList,
    ScenarioSummary,
    Started,
    StartRoom,
)
from accord.server.hub import Hub
from accord.server.live import status_of

HUB = web.AppKey("hub", Hub)
log = structlog.get_logger("accord.api")

STATUS = {
    "invalid_request": 400,
    "token_required": 401,
    "bad_token": 401,
    "forbidden": 403,
    "not_found": 404,
    "unknown_room": 404,
    "unknown_scenario": 404,
    "method_not_allowed": 405,
    "room_failed": 409,
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


async def list_rooms(request: web.Request) -> web.Response:
    """One page of rooms, oldest first; ``next`` is the cursor of the next page."""

    hub = _hub(request)
    query = request.query
    try:
        limit = int(query.get("limit", _PAGE))
    except ValueError:
        raise InvalidRequest("limit: not an integer") from None
    if not 1 <= limit <= _MAX_PAGE:
        raise InvalidRequest(f"limit: must be between 1 and {_MAX_PAGE}")
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
        web.get("/api/scenarios", list_scenarios),
        web.get("/api/scenarios/{name}", get_scenario),
        web.get("/api/schema", schema),
        web.post("/api/entries", create_entry),
        web.get("/api/openapi.json", openapi),
        web.get("/healthz", healthz),
        web.get("/metrics", metrics),
    ]
