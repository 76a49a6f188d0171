"""The OpenAPI 3.1 document of the HTTP API, built from the typed bodies."""

from __future__ import annotations

import copy
from typing import Any

import msgspec

from accord.protocol import PROTOCOL_VERSION
from accord.protocol.contract import normalise_schema
from accord.protocol.replies import Snapshot
from accord.protocol.scenario.model import Scenario
from accord.protocol.tournament import TournamentFile
from accord.server.api_types import (
    ApiError,
    CreateEntry,
    CreateRoom,
    EntryCreated,
    Health,
    RoomAnalysis,
    RoomCreated,
    RoomList,
    ScenarioList,
    Started,
    StartRoom,
    TalkList,
    TournamentList,
    TournamentState,
    TournamentSummary,
)
from accord.server.tournament.standings import Standings

_REF = "#/components/schemas/{name}"
_TYPES = [
    ApiError,
    CreateEntry,
    CreateRoom,
    EntryCreated,
    Health,
    RoomCreated,
    RoomList,
    RoomAnalysis,
    ScenarioList,
    StartRoom,
    Started,
    Snapshot,
    Scenario,
    TournamentFile,
    TournamentSummary,
    TournamentState,
    TournamentList,
    TalkList,
    Standings,
]

_PAGE_QUERY = [
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
        "description": "items per page (default 100)",
    },
    {
        "name": "after",
        "in": "query",
        "schema": {"type": "string"},
        "description": "the `next` cursor of the previous page",
    },
]


def _create_tournament(file: dict[str, Any]) -> dict[str, Any]:
    """The body of ``POST /api/tournaments``: a tournament file's content, plus ``public``."""

    schema = copy.deepcopy(file)
    schema["title"] = "CreateTournament"
    schema["description"] = (
        "A tournament file's content as JSON (the shape of the TOML file, see "
        "docs/tournaments.md), plus `public`. The server refuses `store` (results go to its "
        "own database), `command` entries unless its `tournament_commands` setting is on, "
        "and `package` and `wheel` entries and scenario `file`s unless its "
        "`tournament_paths` setting is on."
    )
    schema["properties"]["public"] = {
        "type": "boolean",
        "default": True,
        "description": "Whether anyone may read the tournament (its state, standings, "
        "talks and the public copy of each transcript); otherwise only the organizer.",
    }
    return schema


def _json(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(name=name)}}}


def _op(
    summary: str,
    ok: tuple[int, str, str] | None,
    *,
    organizer: bool = False,
    body: str | None = None,
    errors: tuple[int, ...] = (),
    params: list[str] = (),  # type: ignore[assignment]
    query: list[dict[str, Any]] = (),  # type: ignore[assignment]
    content: dict[str, Any] | None = None,
    body_required: bool = True,
    security: list[dict[str, list[str]]] | None = None,
    refusals: bool = True,
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {}}
    if ok is not None:
        status, description, schema = ok
        op["responses"][str(status)] = {
            "description": description,
            "content": content if content is not None else _json(schema),
        }
    for status in errors:
        op["responses"][str(status)] = {"description": "error", "content": _json("ApiError")}
    if organizer or security:
        op["security"] = security or [{"bearer": []}]
    if (organizer or security) and refusals:  # a token only widens what some routes show
        op["responses"].setdefault(
            "401", {"description": "no token, or one nobody has", "content": _json("ApiError")}
        )
        op["responses"].setdefault(
            "403",
            {"description": "a valid token without this right", "content": _json("ApiError")},
        )
    op["responses"].setdefault(
        "500", {"description": "the server failed; nothing applied", "content": _json("ApiError")}
    )
    if body is not None:
        op["requestBody"] = {"required": body_required, "content": _json(body)}
    if params or query:
        op["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in params
        ] + list(query)
    return op


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document served at /api/openapi.json."""

    _, components = msgspec.json.schema_components(_TYPES, ref_template=_REF)
    # Docstring layout and union order in these schemas vary between msgspec releases.
    schemas = {name: normalise_schema(sub) for name, sub in sorted(components.items())}
    schemas["CreateTournament"] = _create_tournament(schemas["TournamentFile"])
    text = {"text/plain": {"schema": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "accord HTTP API",
            "version": f"protocol {PROTOCOL_VERSION}",
            "description": "Rooms, scenarios, transcripts, bot entries and tournaments. "
            "Talks themselves happen over the websocket at /ws (see docs/protocol.md).",
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the organizer token, or for transcripts a seat token",
                }
            },
        },
        "paths": {
            "/api/rooms": {
                "post": _op(
                    "Open a room; returns one token per seat",
                    (201, "the room and its seat tokens", "RoomCreated"),
                    organizer=True,
                    body="CreateRoom",
                    errors=(400, 404, 413, 422),
                ),
                "get": _op(
                    "List rooms, oldest first, a page at a time",
                    (200, "one page of rooms and the cursor of the next", "RoomList"),
                    query=[
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                            "description": "rooms per page (default 100)",
                        },
                        {
                            "name": "after",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "the `next` cursor of the previous page",
                        },
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {
                                "enum": ["lobby", "running", "concluded", "failed", "expired"]
                            },
                        },
                    ],
                    errors=(400,),
                ),
            },
            "/api/rooms/{room}": {
                "get": _op(
                    "A room's public state",
                    (200, "the room as a spectator sees it", "Snapshot"),
                    params=["room"],
                    errors=(404, 409, 410),
                )
            },
            "/api/rooms/{room}/start": {
                "post": _op(
                    "Start the talks with whoever is seated",
                    (200, "started", "Started"),
                    organizer=True,
                    params=["room"],
                    body="StartRoom",
                    body_required=False,
                    errors=(400, 404, 409, 410),
                )
            },
            "/api/rooms/{room}/transcript": {
                "get": _op(
                    "The room's hash-chained transcript (JSON lines), the reader's copy",
                    (200, "one line per event; X-Accord-Head is the head hash", ""),
                    params=["room"],
                    security=[{"bearer": []}, {}],
                    errors=(404,),
                    content={"application/x-ndjson": {"schema": {"type": "string"}}},
                )
            },
            "/api/rooms/{room}/analysis": {
                "get": _op(
                    "What the room's picture needs: every tabled package with the utilities "
                    "of it the reader may see (the organizer: every seat's, and the Pareto "
                    "frontier and Nash point; a seat token: its own; no token: none)",
                    (200, "the packages and what the reader may see of them", "RoomAnalysis"),
                    params=["room"],
                    security=[{"bearer": []}, {}],
                    errors=(404, 409, 410),
                )
            },
            "/api/scenarios": {
                "get": _op("Bundled scenarios", (200, "the scenarios", "ScenarioList"))
            },
            "/api/scenarios/{name}": {
                "get": _op(
                    "A bundled scenario without its private briefs",
                    (200, "the public scenario", "Scenario"),
                    params=["name"],
                    errors=(404,),
                )
            },
            "/api/schema": {
                "get": _op(
                    "JSON Schema of every protocol message",
                    (200, "the schema", ""),
                    content={"application/json": {"schema": {"type": "object"}}},
                )
            },
            "/api/entries": {
                "post": _op(
                    "Register a bot entry; returns its token",
                    (201, "the entry and its token", "EntryCreated"),
                    organizer=True,
                    body="CreateEntry",
                    errors=(400,),
                )
            },
            "/api/tournaments": {
                "post": _op(
                    "Create a tournament from a tournament file's content (not started)",
                    (201, "the tournament, planned", "TournamentSummary"),
                    organizer=True,
                    body="CreateTournament",
                    errors=(400, 409, 413, 422),
                ),
                "get": _op(
                    "List tournaments, oldest first, a page at a time (private ones: the "
                    "organizer only)",
                    (200, "one page of tournaments and the cursor of the next", "TournamentList"),
                    query=_PAGE_QUERY,
                    security=[{"bearer": []}, {}],
                    refusals=False,
                    errors=(400,),
                ),
            },
            "/api/tournaments/{name}": {
                "get": _op(
                    "A tournament's state: status, talks done and planned, problems",
                    (200, "the tournament", "TournamentState"),
                    params=["name"],
                    security=[{"bearer": []}, {}],
                    errors=(404,),
                )
            },
            "/api/tournaments/{name}/start": {
                "post": _op(
                    "Run the tournament in the background, resuming what is stored",
                    (202, "running", "TournamentSummary"),
                    organizer=True,
                    params=["name"],
                    errors=(404, 409),
                )
            },
            "/api/tournaments/{name}/standings": {
                "get": _op(
                    "Standings of the talks stored so far",
                    (200, "as `accord tournament standings --json`", "Standings"),
                    params=["name"],
                    security=[{"bearer": []}, {}],
                    errors=(404,),
                )
            },
            "/api/tournaments/{name}/talks": {
                "get": _op(
                    "Stored talk results, in plan order, a page at a time",
                    (200, "one page of talks and the cursor of the next", "TalkList"),
                    params=["name"],
                    query=_PAGE_QUERY,
                    security=[{"bearer": []}, {}],
                    errors=(400, 404),
                )
            },
            "/api/tournaments/{name}/report": {
                "get": _op(
                    "The tournament's report page (as `accord tournament report` writes it) "
                    "of the talks stored so far",
                    (200, "self-contained HTML: tables and inline SVG plots, no script", ""),
                    params=["name"],
                    security=[{"bearer": []}, {}],
                    errors=(404,),
                    content={"text/html": {"schema": {"type": "string"}}},
                )
            },
            "/api/tournaments/{name}/talks/{talk}/transcript": {
                "get": _op(
                    "A stored talk's hash-chained transcript (JSON lines), the reader's copy",
                    (200, "one line per event; X-Accord-Head is the head hash", ""),
                    params=["name", "talk"],
                    security=[{"bearer": []}, {}],
                    errors=(404,),
                    content={"application/x-ndjson": {"schema": {"type": "string"}}},
                )
            },
            "/api/openapi.json": {
                "get": _op(
                    "This document",
                    (200, "OpenAPI 3.1", ""),
                    content={"application/json": {"schema": {"type": "object"}}},
                )
            },
            "/healthz": {"get": _op("Liveness", (200, "the server is up", "Health"))},
            "/metrics": {
                "get": _op("Prometheus metrics", (200, "text exposition format", ""), content=text)
            },
        },
    }
