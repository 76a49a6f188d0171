"""Server settings, with the defaults a single machine needs."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from accord.protocol.codec import MAX_FRAME_BYTES, MAX_SERVER_FRAME_BYTES


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything ``accord serve`` can be told; tests build their own."""

    host: str = "127.0.0.1"
    port: int = 8000
    db: str = "accord.db"
    organizer_token: str | None = None
    """Use this organizer token (else one is generated and printed at first start)."""
    allowed_origins: tuple[str, ...] | None = None
    """Browser Origins allowed on /ws; None allows any (bots send no Origin)."""
    max_frame_bytes: int = MAX_FRAME_BYTES
    """Largest frame a client may send."""
    max_server_frame_bytes: int = MAX_SERVER_FRAME_BYTES
    """Largest frame the server sends: a room whose scenario would need larger ones is refused."""
    max_connections: int = 10_000
    """Open websocket connections at most; more are refused with HTTP 503."""
    max_connections_per_address: int = 256
    """Open websocket connections from one client address at most; more get HTTP 429."""
    address_message_rate: float = 1000.0
    """Sustained client messages per second from one address, all its connections together."""
    address_message_burst: int = 4000
    message_rate: float = 50.0
    """Sustained client messages per second per connection."""
    message_burst: int = 200
    """Messages a connection may send at once before the rate applies."""
    flood_close_after: int = 100
    """Rate-limited messages after which the connection is closed (1008)."""
    send_queue: int = 2048
    """Live messages queued for one connection before it is dropped as a slow consumer
    (past events are streamed apart from this queue)."""
    close_timeout: float = 2.0
    """Seconds a closing handshake may take before the connection is cut off."""
    replay_rate: float = 50_000.0
    """Past events per second sent to joining or resuming clients, all of them together."""
    replay_chunk: int = 256
    """Past events encoded at a time before the server turns to other work."""
    max_rooms_per_entry: int = 64
    hello_timeout: float = 10.0
    heartbeat: float = 20.0
    restart_grace: float = 30.0
    """Seconds a running phase may get beyond its deadline when rooms are rebuilt after
    a restart (never more, however many restarts follow)."""
    lobby_ttl: float = 3600.0
    """Seconds a room may stay in its lobby without activity before it expires (0: never)."""
    concluded_linger: float = 300.0
    """Seconds a concluded room stays in memory before only the store holds it."""
    json_logs: bool = False
    tournament_workers: int = 0
    """Worker processes playing a tournament's talks among ``strategy`` entries
    (0: one per core)."""
    tournament_talks: int = 4
    """Talks with sandboxed or remote entries a tournament plays at once on this server."""
    tournament_commands: bool = False
    """Whether a tournament from the API may have ``command`` entries: programs this
    server spawns (sandboxed). Off, a remote client cannot make it run a program."""
    tournament_paths: bool = False
    """Whether a tournament from the API may name this server's files and code
    (``package`` and ``wheel`` entries, scenario ``file`` s and names that are no bundled
    scenario, ``module:Class`` strategies; paths relative to its working directory)."""
    tournament_refresh: float = 1.0
    """Seconds a running tournament's standings and talk list are served from the
    last read of its results before they are read again."""
    tournament_ws_url: str = ""
    """Where this server's websocket is reached from this machine, for the seats of a
    tournament's talks (empty: the address the start request came in on)."""


_NOT_SET = ("organizer_token", "allowed_origins")
"""Settings with their own option or variable (``--allow-origin``, ``ACCORD_ORGANIZER_TOKEN``)."""


def with_overrides(settings: Settings, pairs: list[str]) -> Settings:
    """``settings`` with ``NAME=VALUE`` overrides (``accord serve --set``); ValueError names
    the one that is wrong."""

    fields = {f.name: f for f in dataclasses.fields(Settings) if f.name not in _NOT_SET}
    changes: dict[str, object] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in fields:
            known = ", ".join(sorted(fields))
            raise ValueError(f"{pair!r}: not NAME=VALUE with a setting among: {known}")
        kind = type(getattr(settings, name))
        try:
            if kind is bool:
                if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(text)
                value: object = text.lower() in ("true", "1", "yes")
            elif kind is int:
                value = int(text)
            elif kind is float:
                value = float(text)
            else:
                value = text
        except ValueError:
            raise ValueError(f"{pair!r}: {name} takes a {kind.__name__}") from None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not value >= 0:
            raise ValueError(f"{pair!r}: {name} must be a number >= 0")
        changes[name] = value
    return dataclasses.replace(settings, **changes)
