"""The bare broadcast server: the reference the accord server's rate is compared with.

A minimal aiohttp websocket server with no protocol: a connection's first
text frame names its room and is answered with a ~200-byte welcome; every
later text frame goes to each connection of that room. It runs in its own
process (``server_load.py --serve-bare --port N``), so it has a core to
itself like the accord server. :func:`padded` builds its ~200-byte frames
(the welcome here, the bots' messages in :mod:`load_bots`).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import msgspec

MESSAGE_BYTES = 200


def serve_bare(port: int) -> None:
    """A minimal aiohttp websocket broadcast server: each text frame goes to its room's peers."""

    from aiohttp import WSMsgType, web

    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

    rooms: dict[str, set[web.WebSocketResponse]] = {}
    welcome = padded({"type": "welcome", "role": "seat"})

    async def ws_handler(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=65536)
        await ws.prepare(request)
        room: set[web.WebSocketResponse] | None = None
        name = ""
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if room is None:  # the first frame says which room
                    name = msgspec.json.decode(msg.data)["room"]
                    room = rooms.setdefault(name, set())
                    room.add(ws)
                    await ws.send_str(welcome)
                    continue
                for peer in list(room):
                    if not peer.closed:
                        await peer.send_str(msg.data)
        finally:
            if room is not None:
                room.discard(ws)
                if not room:
                    rooms.pop(name, None)
        return ws

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "rooms": len(rooms)})

    app = web.Application()
    app.add_routes([web.get("/ws", ws_handler), web.get("/healthz", healthz)])
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def padded(body: dict[str, Any], size: int = MESSAGE_BYTES) -> str:
    """``body`` as JSON text, padded to ``size`` bytes with a ``pad`` field."""

    body = {**body, "pad": ""}
    raw = msgspec.json.encode(body).decode()
    return raw.replace('"pad":""', '"pad":"' + "x" * max(0, size - len(raw)) + '"')
