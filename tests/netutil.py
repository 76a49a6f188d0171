"""Real-network helpers for server tests: a server on 127.0.0.1 and websocket clients."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import websockets
from aiohttp import web

from accord.protocol import PROTOCOL_VERSION
from accord.protocol.codec import decode_server, encode
from accord.protocol.commands import Hello
from accord.protocol.errors import ProtocolError
from accord.protocol.replies import Ack, Error
from accord.server.app import build_app
from accord.server.settings import Settings

ORGANIZER = "org_test-organizer-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    """An in-process server on a real port; ``async with`` starts and stops it."""

    def __init__(self, db: Path | str, *, store: Any = None, **overrides: Any) -> None:
        self.port = free_port()
        self.settings = Settings(
            host="127.0.0.1",
            port=self.port,
            db=str(db),
            organizer_token=ORGANIZER,
            **overrides,
        )
        self.app = build_app(self.settings, store)
        self.runner = web.AppRunner(self.app, shutdown_timeout=2.0)
        self.http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def __aenter__(self) -> RunningServer:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.http is not None
        await self.http.close()
        await self.runner.cleanup()

    @property
    def hub(self):  # noqa: ANN201 - test convenience
        from accord.server.api import HUB

        return self.app[HUB]


async def api(
    base: str,
    method: str,
    path: str,
    *,
    body: Any = None,
    token: str | None = ORGANIZER,
    session: aiohttp.ClientSession | None = None,
) -> tuple[int, Any]:
    """One HTTP call; returns (status, decoded JSON or text)."""

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    own = session is None
    http = session or aiohttp.ClientSession()
    try:
        async with http.request(method, base + path, json=body, headers=headers) as res:
            text = await res.text()
            try:
                return res.status, json.loads(text)
            except json.JSONDecodeError:
                return res.status, text
    finally:
        if own:
            await http.close()


class Client:
    """A websocket client that records every decoded server message."""

    def __init__(self, url: str, name: str = "client") -> None:
        self.url = url
        self.name = name
        self.ws: websockets.ClientConnection | None = None
        self.messages: list[Any] = []
        self.raw: list[str] = []
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self.closed: asyncio.Future[tuple[int | None, str]] = (
            asyncio.get_running_loop().create_future()
        )

    async def connect(self, **kwargs: Any) -> Client:
        self.ws = await websockets.connect(self.url, max_size=2**22, **kwargs)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for frame in self.ws:
                text = frame if isinstance(frame, str) else frame.decode()
                self.raw.append(text)
                message = decode_server(text)
                assert not isinstance(message, ProtocolError), (text, message)
                self.messages.append(message)
                self._changed.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            if not self.closed.done():
                self.closed.set_result((self.ws.close_code, self.ws.close_reason or ""))
            self._changed.set()

    async def send(self, message: Any) -> None:
        assert self.ws is not None
        await self.ws.send(encode(message).decode())

    async def send_raw(self, data: str | bytes) -> None:
        assert self.ws is not None
        await self.ws.send(data)

    async def hello(self, token: str | None, *, room: str | None = None, last_seq: int = 0) -> Any:
        await self.send(Hello(version=PROTOCOL_VERSION, token=token, room=room, last_seq=last_seq))
        return await self.wait_for(lambda m: m.__struct_config__.tag in ("welcome", "error"))

    async def wait_for(
        self, predicate: Callable[[Any], bool], *, timeout: float = 10.0, start: int = 0
    ) -> Any:
        """The first recorded message (from index ``start``) that matches ``predicate``."""

        async def scan() -> Any:
            seen = start
            while True:
                for message in self.messages[seen:]:
                    if predicate(message):
                        return message
                seen = len(self.messages)
                if self.closed.done():
                    raise ConnectionError(f"{self.name}: closed {self.closed.result()}")
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(scan(), timeout)

    def events(self) -> list[Any]:
        return [m for m in self.messages if hasattr(m, "seq") and hasattr(m, "at")]

    def last_seq(self) -> int:
        events = self.events()
        return events[-1].seq if events else 0

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


_refs = itertools.count()


async def act(client: Client, command: Any) -> Any:
    """Send a command with a fresh ref; return the ack or error that answers it."""

    ref = f"r{next(_refs)}"
    start = len(client.messages)
    await client.send(command.__class__(**{**_fields(command), "ref": ref}))
    return await client.wait_for(
        lambda m: isinstance(m, (Ack, Error)) and m.ref == ref, start=start
    )


def _fields(command: Any) -> dict[str, Any]:
    return {f: getattr(command, f) for f in command.__struct_fields__}


def start_server(port: int, db: Path, log: Path) -> subprocess.Popen[bytes]:
    """``accord serve`` in a process of its own (to kill it), its output appended to ``log``."""

    from tests.helpers import ROOT

    env = {**os.environ, "ACCORD_ORGANIZER_TOKEN": ORGANIZER}
    return subprocess.Popen(
        [sys.executable, "-m", "accord", "serve", "--port", str(port), "--db", str(db)],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


async def wait_healthy(url: str, proc: subprocess.Popen[bytes], *, within: float = 10.0) -> None:
    """Until the server at ``url`` answers /healthz (it must not exit meanwhile)."""

    async with aiohttp.ClientSession() as http:
        for _ in range(int(within / 0.025)):
            assert proc.poll() is None, "the server exited"
            try:
                async with http.get(url + "/healthz") as res:
                    if res.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.025)
    raise TimeoutError("the server did not come up")
