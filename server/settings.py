"""Server settings, with the defaults a single machine needs."""

from __future__ import annotations

from dataclasses import dataclass

from protocol.codec import MAX_FRAME_BYTES


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
    message_rate: float = 50.0
    """Sustained client messages per second per connection."""
    message_burst: int = 200
    """Messages a connection may send at once before the rate applies."""
    flood_close_after: int = 100
    """Rate-limited messages after which the connection is closed (1008)."""
    send_queue: int = 2048
    """Messages queued for one connection before it is dropped as a slow consumer."""
    max_rooms_per_entry: int = 64
    hello_timeout: float = 10.0
    heartbeat: float = 20.0
    restart_grace: float = 30.0
    """Seconds added to running deadlines when rooms are rebuilt after a restart."""
    concluded_linger: float = 300.0
    """Seconds a concluded room stays in memory before only the store holds it."""
    json_logs: bool = False
