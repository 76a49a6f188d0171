"""The server processes of the load benchmark: accord's server and the bare one.

Each runs as a subprocess on 127.0.0.1 (:class:`ServerProcess`), which reads
its memory and CPU time from /proc. :func:`start_accord` starts ``python -m
accord serve`` on a SQLite file with the per-address guards lifted (every
load-generator client comes from 127.0.0.1); :func:`start_bare` starts the
bare broadcast server (:mod:`bare_server`) through ``server_load.py
--serve-bare``. ``bench/bots.py`` starts its server here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[1]
ENTRY = Path(__file__).resolve().with_name("server_load.py")
"""The benchmark's script, which serves the bare server when given ``--serve-bare``."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kib(status: str, key: str) -> int:
    for line in status.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class ServerProcess:
    """A server subprocess on 127.0.0.1: its memory and CPU time from /proc."""

    def __init__(self, name: str, argv: list[str], port: int, log: Path, env: dict[str, str]):
        self.name = name
        self.port = port
        self.log = log
        self._logf = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=self._logf, stderr=subprocess.STDOUT
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited ({self.proc.returncode}); see {self.log}"
                    )
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with http.get(self.url + "/healthz") as res:
                        if res.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} not healthy after {timeout} s; see {self.log}")

    def memory(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) in KiB."""

        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return _kib(status, "VmRSS"), _kib(status, "VmHWM")

    def cpu_seconds(self) -> float:
        """User + system CPU seconds of the process (all its threads)."""

        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._logf.close()


def start_accord(workdir: Path, port: int, token: str) -> ServerProcess:
    """``python -m accord serve`` on ``port``, its SQLite file and log in ``workdir``."""

    env = {**os.environ, "ACCORD_ORGANIZER_TOKEN": token}
    argv = [sys.executable, "-m", "accord", "serve", "--port", str(port)]
    argv += ["--db", str(workdir / f"accord-{port}.db")]
    # every load-generator client comes from 127.0.0.1: lift the per-address guards
    for setting in (
        "max_connections_per_address=100000",
        "address_message_rate=1e9",
        "address_message_burst=1000000000",
    ):
        argv += ["--set", setting]
    return ServerProcess("accord", argv, port, workdir / f"accord-{port}.log", env)


def start_bare(workdir: Path, port: int) -> ServerProcess:
    """The bare broadcast server on ``port``, its log in ``workdir``."""

    argv = [sys.executable, str(ENTRY), "--serve-bare", "--port", str(port)]
    return ServerProcess("bare", argv, port, workdir / f"bare-{port}.log", dict(os.environ))
