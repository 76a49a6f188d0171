"""Readers that never read are really disconnected, and nothing of them is kept.

Fifty spectators open a websocket by hand on sockets with a small receive
buffer, say hello, and never read again, while a seat floods the room with
long statements. The server must close every one of them as a slow consumer
within seconds (a close frame they never read must not hold the connection
open), count them, and keep nothing of their sessions.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import os
import socket
import struct
import time
import weakref
from typing import Any

from accord.protocol import PROTOCOL_VERSION
from accord.protocol.commands import Say
from accord.protocol.replies import Ack, Welcome
from tests.netutil import Client, RunningServer, api

SLOW = 50
TEXT = "z" * 900


def masked_text_frame(payload: bytes) -> bytes:
    """One final text frame as a client must send it (RFC 6455: masked)."""

    mask = os.urandom(4)
    header = bytearray([0x81])
    if len(payload) < 126:
        header.append(0x80 | len(payload))
    elif len(payload) < 2**16:
        header.append(0x80 | 126)
        header += struct.pack("!H", len(payload))
    else:
        header.append(0x80 | 127)
        header += struct.pack("!Q", len(payload))
    body = bytes(b ^ mask[n % 4] for n, b in enumerate(payload))
    return bytes(header) + mask + body


def silent_spectator(port: int, room: str) -> socket.socket:
    """A spectator of ``room`` that, after its hello, never reads a byte."""

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /ws HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:  # the upgrade answer, and not one byte more
        chunk = sock.recv(1)
        assert chunk, "the server closed during the upgrade"
        response += chunk
    assert response.startswith(b"HTTP/1.1 101"), response
    hello = {"type": "hello", "version": PROTOCOL_VERSION, "room": room}
    sock.sendall(masked_text_frame(json.dumps(hello).encode()))
    return sock


def gauge(server: RunningServer) -> float:
    return server.hub.metrics.connections._value.get()


def slow_closes(server: RunningServer) -> float:
    return server.hub.metrics.closes.labels("slow_consumer")._value.get()


async def test_fifty_readers_that_never_read_are_closed_and_forgotten(tmp_path) -> None:
    async with RunningServer(
        tmp_path / "slow.db",
        send_queue=64,
        close_timeout=1.0,
        message_rate=1e6,
        message_burst=10**6,
        address_message_rate=1e6,
        address_message_burst=10**6,
        flood_close_after=10**6,
    ) as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": "climate-accord"}
        )
        assert status == 201, created
        room = created["room"]
        status, body = await api(server.url, "POST", f"/api/rooms/{room}/start")
        assert status == 200, body
        live = server.hub.rooms[room]

        loop = asyncio.get_running_loop()
        socks: list[socket.socket] = []
        try:
            for _ in range(SLOW):
                socks.append(await loop.run_in_executor(None, silent_spectator, server.port, room))
            deadline = time.monotonic() + 10
            while len(live.subscribers) < SLOW and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            assert len(live.subscribers) == SLOW
            assert len(server.hub.sessions) == SLOW and gauge(server) == SLOW
            sessions = [weakref.ref(s) for s in server.hub.sessions]

            seat = live.room.seats[0]
            talker = await Client(server.ws_url, seat).connect()
            assert isinstance(await talker.hello(created["seats"][seat]), Welcome)

            # flood until every silent reader is gone: the kernel's send buffers fill
            # first, so on a loaded machine this takes a while (give up after ~45 s)
            said = 0
            give_up = time.monotonic() + 45
            while len(server.hub.sessions) > 1 and time.monotonic() < give_up:
                for _ in range(50):
                    said += 1
                    await talker.send(Say(text=TEXT, ref=f"t{said}"))
                await talker.wait_for(
                    lambda m, r=f"t{said}": isinstance(m, Ack) and m.ref == r, timeout=15
                )

            assert len(server.hub.sessions) == 1, (len(server.hub.sessions), said)
            (left,) = server.hub.sessions
            assert left.role == "seat"
            assert gauge(server) == 1
            assert slow_closes(server) >= SLOW
            assert live.subscribers == {left}
            assert not talker.closed.done()

            gc.collect()
            alive: list[Any] = [ref() for ref in sessions if ref() is not None]
            assert alive == [], f"{len(alive)} closed sessions are still referenced"
            await talker.close()
        finally:
            for sock in socks:
                # reset, not close: the kernel would otherwise keep unread data around
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
