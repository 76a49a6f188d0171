"""The aiohttp application: /ws, the JSON API (rooms, tournaments), /healthz, /metrics
and the web page."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import structlog
from aiohttp import WSCloseCode, web

from accord.server.api import DERIVED, HUB, Derived, error_body, errors_middleware, routes
from accord.server.hub import Hub
from accord.server.session import Session
from accord.server.settings import Settings
from accord.server.store import open_store
from accord.server.store.base import Store
from accord.server.tournament.service import TOURNAMENTS, TournamentService

log = structlog.get_logger("accord.app")
STATIC = Path(__file__).parent / "static"


async def websocket(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    origin = request.headers.get("Origin")
    allowed = hub.settings.allowed_origins
    if origin is not None and allowed is not None and origin not in allowed:
        hub.metrics.closes.labels("origin").inc()
        return error_body(403, "forbidden", f"origin {origin} is not allowed")
    address = request.remote or ""
    refused = hub.refuse_connection(address)
    if refused is not None:
        # before the upgrade, as plain HTTP: nothing is spent on the connection
        hub.metrics.refused.labels(refused).inc()
        if refused == "too_many_connections":
            return error_body(503, refused, "the server has as many connections as it allows")
        return error_body(429, refused, "this address has as many connections as it may open")
    ws = web.WebSocketResponse(
        max_msg_size=hub.settings.max_frame_bytes,
        heartbeat=hub.settings.heartbeat,
        compress=False,
    )
    session = Session(hub, ws, address=address, transport=request.transport)
    hub.attach(session)  # counted from now on, so concurrent upgrades see each other
    try:
        await ws.prepare(request)
        await session.run()
    finally:
        hub.detach(session)
    return ws


PAGE_HEADERS = {
    # scripts only from this server, so a text that slipped into the page as markup
    # still could not run; tokens travel in the URL's fragment and stay out of referrers
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

_STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
_STATIC_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.(js|css|svg)$")


async def index(request: web.Request) -> web.StreamResponse:
    """The web page (its scripts and styles are under /static/)."""

    return web.FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)


async def static_file(request: web.Request) -> web.StreamResponse:
    """One of the page's files: a plain name in server/static, nothing else."""

    name = request.match_info["name"]
    path = STATIC / name
    if not _STATIC_NAME.match(name) or not path.is_file():
        raise web.HTTPNotFound()
    headers = {**PAGE_HEADERS, "Content-Type": _STATIC_TYPES[path.suffix]}
    return web.FileResponse(path, headers=headers)


def build_app(settings: Settings, store: Store | None = None) -> web.Application:
    """The application; opens the store, installs the organizer token, rebuilds rooms."""

    app = web.Application(middlewares=[errors_middleware], client_max_size=1024**2)
    the_store = store if store is not None else open_store(settings.db)
    hub = Hub(settings, the_store)
    app[HUB] = hub
    tournaments = TournamentService(hub, settings)
    app[TOURNAMENTS] = tournaments
    app[DERIVED] = Derived()

    async def on_startup(app: web.Application) -> None:
        await the_store.open()
        generated = await hub.ensure_organizer()
        if generated:
            # printed once: only its digest is stored
            print(f"organizer token (shown once): {generated}", flush=True)
        rebuilt = await hub.recover()
        hub.start_sweeper()
        log.info("server ready", db=settings.db, rooms_rebuilt=rebuilt)

    async def on_shutdown(app: web.Application) -> None:
        # running tournaments first: they store what finished while the hub still runs
        await tournaments.stop_all()
        await hub.disconnect_all(WSCloseCode.GOING_AWAY, "server shutdown")

    async def on_cleanup(app: web.Application) -> None:
        await tournaments.close()
        await hub.close()
        await the_store.close()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    app.add_routes(
        [
            web.get("/ws", websocket),
            web.get("/", index),
            web.get("/static/{name}", static_file),
            *routes(),
        ]
    )
    return app


def serve(settings: Settings) -> None:
    """Run the server until SIGINT/SIGTERM (aiohttp handles both gracefully)."""

    from accord.server.logs import configure

    configure(json=settings.json_logs)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    # the store's writer thread and the event loop trade the GIL constantly;
    # a shorter switch interval keeps a commit from waiting 5 ms for it
    sys.setswitchinterval(0.001)
    web.run_app(
        build_app(settings),
        host=settings.host,
        port=settings.port,
        print=lambda text: log.info("listening", url=f"http://{settings.host}:{settings.port}/"),
        shutdown_timeout=5.0,
        access_log=None,
    )
