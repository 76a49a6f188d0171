"""The JSON HTTP API. Organizer actions need ``Authorization: Bearer <organizer token>``."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from protocol.codec import canonical
from protocol.contract import json_schema
from protocol.engine.visibility import SPECTATOR
from protocol.errors import (
    AccessError,
    AccordError,
    InvalidRequest,
    NotFound,
    RuleViolation,
    UnknownScenario,
)
from protocol.scenario import bundled_names, load_scenario, scenario_from_dict
from server.api_types import (
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
)
from server.hub import Hub
from server.live import status_of

HUB = web.AppKey("hub", Hub)

_STATUS = {
    "bad_token": 401,
    "forbidden": 403,
    "not_found": 404,
    "unknown_room": 404,
    "unknown_scenario": 404,
    "invalid_scenario": 422,
    "invalid_request": 400,
}


def json_response(body: Any, *, status: int = 200) -> web.Response:
    return web.Response(
        body=msgspec.json.encode(body), status=status, content_type="application/json"
    )


def error_response(error: AccordError) -> web.Response:
    status = _STATUS.get(error.code, 409 if isinstance(error, RuleViolation) else 400)
    if isinstance(error, AccessError) and error.code not in _STATUS:
        status = 403
    body = ApiError(error=ApiErrorBody(code=error.code, message=error.message))
    return json_response(body, status=status)


@web.middleware
async def errors_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """The HTTP side's one place where accord errors become JSON error bodies."""

    try:
        return await handler(request)
    except AccordError as exc:
        return error_response(exc)


def _hub(request: web.Request) -> Hub:
    return request.app[HUB]


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def require_organizer(request: web.Request) -> None:
    if not _hub(request).is_organizer(_bearer(request)):
        raise AccessError("this needs the organizer token (Authorization: Bearer ...)")


async def _body(request: web.Request, kind: type) -> Any:
    raw = await request.read()
    try:
        return msgspec.json.decode(raw or b"{}", type=kind)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise InvalidRequest(f"invalid request body: {exc}") from None


# --- rooms -----------------------------------------------------------------------------------


async def create_room(request: web.Request) -> web.Response:
    require_organizer(request)
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
        status=status_of(live.room),
        phase=room.phase,
        round=room.round,
        period=room.period,
        seq=room.last_seq,
        seats={seat: seat in room.seated for seat in room.seats},
        created_at=live.record.created_at,
    )


async def list_rooms(request: web.Request) -> web.Response:
    hub = _hub(request)
    rooms = [
        _summary(hub, r) for r in sorted(hub.rooms, key=lambda r: hub.rooms[r].record.created_at)
    ]
    known = set(hub.rooms)
    for record in await hub.store.rooms():
        if record.id not in known:
            rooms.append(
                RoomSummary(
                    room=record.id,
                    scenario=record.scenario_id,
                    title=record.title,
                    status=record.status,
                    created_at=record.created_at,
                )
            )
    return json_response(RoomList(rooms=rooms))


async def room_state(request: web.Request) -> web.Response:
    hub = _hub(request)
    live = await hub.open_room(request.match_info["room"])
    if live is None:
        raise NotFound(f"no open room {request.match_info['room']!r}")
    return json_response(live.snapshot(SPECTATOR))


async def start_room(request: web.Request) -> web.Response:
    require_organizer(request)
    hub = _hub(request)
    live = hub.rooms.get(request.match_info["room"])
    if live is None:
        raise NotFound(f"no open room {request.match_info['room']!r}")
    await live.start()
    return json_response(Started(room=live.id, seq=live.room.last_seq))


async def transcript(request: web.Request) -> web.Response:
    hub = _hub(request)
    room_id = request.match_info["room"]
    record = await hub.room_record(room_id)
    if record is None:
        raise NotFound(f"no room {room_id!r}")
    organizer = hub.is_organizer(_bearer(request))
    live = hub.rooms.get(room_id)
    concluded = live.room.finished if live is not None else record.status == "concluded"
    if not organizer and not (concluded and record.public):
        raise AccessError("the transcript is for the organizer until a public room concludes")
    rows = await hub.store.events(room_id)
    lines = b"".join(
        b'{"hash":"' + row.hash.encode() + b'","event":' + row.data + b"}\n" for row in rows
    )
    return web.Response(body=lines, content_type="application/x-ndjson")


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
    require_organizer(request)
    body: CreateEntry = await _body(request, CreateEntry)
    entry, token = await _hub(request).register_entry(body.name)
    return json_response(EntryCreated(entry=entry, token=token), status=201)


async def healthz(request: web.Request) -> web.Response:
    hub = _hub(request)
    return json_response(Health(status="ok", rooms=len(hub.rooms), connections=len(hub.sessions)))


async def metrics(request: web.Request) -> web.Response:
    from server.metrics import CONTENT_TYPE

    return web.Response(body=_hub(request).metrics.render(), headers={"Content-Type": CONTENT_TYPE})


async def openapi(request: web.Request) -> web.Response:
    from server.openapi import openapi_document

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
