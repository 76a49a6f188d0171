"""A submitted entry that tries every way it can think of to learn another seat's brief,
then says what it found in a public statement (the test reads it from the log).

It looks for the other seats' private notes (``"private notes of s2"`` and so
on, in the six-seat scenario's briefs) and for tokens in:

- its own environment;
- the files and folders it is told about (``targets``: the server's store,
  another entry's package, ...) and the folder around its own home;
- ``/proc`` of its parent (the organizer) and of the processes with pids
  near its own (the other entries): ``environ``, ``cmdline``, open files,
  memory;
- the seats it can open with any token it found.

It also tries to signal its parent and to connect to a TCP port it was told
about (any port but the talk's server). Before all that it writes a decoy
note in its own home and reads it back, so a report without the decoy means
the search itself is broken.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import stat
import time
from pathlib import Path

from accord.bots import Context, Delegation, Package

NOTES = re.compile(rb"private notes of (s\d+|decoy)")
TOKEN = re.compile(rb"(?:seat|org|bot)_[A-Za-z0-9_-]{32}")
READ_AT_MOST = 64 * 2**20
NEARBY = 200
SEARCH_SECONDS = 1.0
"""It stops searching after this long, to report before its first tabling phase ends."""


class Spy(Delegation):
    """Searches, then reports in its first tabling phase and otherwise passes."""

    name = "spy"

    def __init__(self, *, targets: list[str] | None = None, port: int = 0) -> None:
        self.targets = targets or []
        self.port = port
        self.until = 0.0
        self.notes: set[str] = set()
        self.tokens: set[bytes] = set()
        self.opened: list[str] = []
        self.report: dict[str, object] = {}
        self.said = False

    # --- the search -------------------------------------------------------------------

    def scan(self, data: bytes, where: str) -> None:
        own = os.environ.get("ACCORD_TOKEN", "").encode()
        found = {m.decode() for m in NOTES.findall(data)}
        self.notes |= found
        tokens = {t for t in TOKEN.findall(data) if t != own}
        self.tokens |= tokens
        if found - {self.seat, "decoy"} or tokens:
            self.opened.append(where)

    def late(self) -> bool:
        return time.monotonic() > self.until

    def read(self, path: str) -> bool:
        if self.late():
            return False
        try:
            # regular files only: reading another process's pipe or socket could block
            if not stat.S_ISREG(os.stat(path).st_mode):
                return False
            with open(path, "rb") as f:
                data = f.read(READ_AT_MOST)
        except OSError:
            return False
        if not path.startswith(self.home):
            self.opened.append(path)
        self.scan(data, path)
        return True

    def walk(self, folder: str) -> None:
        if self.late():
            return
        try:
            names = os.listdir(folder)
        except OSError:
            return
        self.opened.append(folder)
        for name in names[:200]:
            path = os.path.join(folder, name)
            if os.path.isdir(path):
                self.walk(path)
            else:
                self.read(path)

    def memory(self, pid: int) -> bool:
        """Read the writable memory of ``pid`` (the organizer holds every brief)."""

        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
            mem = open(f"/proc/{pid}/mem", "rb")  # noqa: SIM115 - closed below
        except OSError:
            return False
        total = 0
        with mem:
            for line in maps.splitlines():
                fields = line.split()
                if len(fields) < 2 or "w" not in fields[1]:
                    continue
                start, end = (int(x, 16) for x in fields[0].split("-"))
                if total > READ_AT_MOST or self.late():
                    break
                with contextlib.suppress(OSError, ValueError, OverflowError):
                    mem.seek(start)
                    chunk = mem.read(min(end - start, READ_AT_MOST - total))
                    total += len(chunk)
                    self.scan(chunk, f"/proc/{pid}/mem")
        return True

    def connect(self, token: bytes) -> None:
        """Open a seat with a token found somewhere and read its brief."""

        from websockets.sync.client import connect

        url = os.environ.get("ACCORD_URL", "")
        with contextlib.suppress(Exception), connect(url, open_timeout=2) as ws:
            ws.send(json.dumps({"type": "hello", "version": 1, "token": token.decode()}))
            self.scan(str(ws.recv(timeout=2)).encode(), "a seat opened with a found token")

    def search(self, ctx: Context) -> None:
        self.until = time.monotonic() + SEARCH_SECONDS
        self.seat = ctx.seat
        self.home = os.environ.get("HOME", os.getcwd())
        brief = ctx.brief
        self.scan((brief.notes if brief is not None else "").encode(), "its own brief")
        decoy = Path(self.home) / "decoy.txt"
        decoy.write_text("private notes of decoy")
        self.read(str(decoy))
        self.scan("\n".join(f"{k}={v}" for k, v in os.environ.items()).encode(), "environment")
        for target in self.targets:
            if os.path.isdir(target):
                self.walk(target)
            else:
                self.read(target)
        for folder in {str(Path(self.home).parent), "/tmp", "/var/tmp", "/dev/shm", "/root"}:
            self.walk(folder)
        parent = os.getppid()
        mem = self.memory(parent)
        me = os.getpid()
        pids = [parent, 1, *range(max(2, me - NEARBY), me + NEARBY)]
        for pid in pids:
            if pid == me:
                continue
            for name in ("environ", "cmdline"):
                self.read(f"/proc/{pid}/{name}")
            with contextlib.suppress(OSError):
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    self.read(f"/proc/{pid}/fd/{fd}")
        signal_sent = False
        with contextlib.suppress(OSError):
            os.kill(parent, 0)
            signal_sent = True
        connected = False
        if self.port:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=2),
            ):
                connected = True
        for token in sorted(self.tokens)[:20]:
            self.connect(token)
        self.report = {
            "notes": sorted(self.notes),
            "tokens": len(self.tokens),
            "opened": [p[:80] for p in sorted(set(self.opened))[:8]],
            "memory": mem,
            "signal": signal_sent,
            "connect": connected,
        }

    # --- the hooks --------------------------------------------------------------------

    def on_start(self, ctx: Context) -> None:
        self.search(ctx)

    def table(self, ctx: Context) -> list[Package]:
        if not self.said:
            self.said = True
            ctx.say("spy report " + json.dumps(self.report, separators=(",", ":")))
        return []
