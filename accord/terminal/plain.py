"""``accord join --plain``: the seat as lines, for pipes and screen readers.

Events are printed in words as they arrive, one line each (a ballot's
packages on lines of their own), and commands are read from stdin, one per
line, once the agenda is known: the same commands as in the full-screen
client. Every answer is a line too (``✓ command: accepted`` or
``✗ command: refused: …``). The program ends with status 0 when the talks
conclude (after the scores) or on ``quit``; at the end of the input it
follows the talks to their end. A refused token or a server that cannot be
reached ends it with status 1 and the reason on stderr.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import sys
import threading
import time
from typing import TextIO

from accord.protocol.events import Event
from accord.terminal.commands import HELP, CommandError, parse
from accord.terminal.connection import Refused, SeatClient, Sent
from accord.terminal.words import agenda_lines, answer_line, brief_lines, event_lines


def _read_lines(fd: int, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Put each line read from ``fd`` on ``queue`` (None at the end of the input).

    Raw reads in a thread of its own: works for pipes, terminals and files alike,
    and a thread blocked here holds no lock that would stall the program's exit.
    """

    def put(item: str | None) -> bool:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop has closed: nobody reads any more
            return False
        return True

    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        pending += decoder.decode(chunk, final=not chunk)
        *lines, pending = pending.split("\n")
        if not all(put(line) for line in lines):
            return
        if not chunk:
            if pending:
                put(pending)
            put(None)
            return


class PlainSeat:
    """One seat played line by line: ``run`` returns the exit status."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        out: TextIO | None = None,
        err: TextIO | None = None,
        stdin: int = 0,
        wait: float = 10.0,
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.stdin = stdin
        self.client = SeatClient(
            url,
            token,
            on_event=self._event,
            on_status=self._status,
            on_answer=self._answer,
            first_contact=wait,
        )
        self._introduced = False
        self._ready = asyncio.Event()
        """Set once the agenda is known: commands need it to be read."""

    def say(self, *lines: str) -> None:
        for line in lines:
            self.out.write(line + "\n")
        self.out.flush()  # a pipe's reader acts on each line as it comes

    # --- what the client reports ----------------------------------------------------------

    def _event(self, event: Event) -> None:
        state = self.client.state
        if not self._introduced and state.scenario is not None:
            self._introduced = True
            self.say(*brief_lines(state), *agenda_lines(state))
            self._ready.set()
        self.say(*event_lines(event, state, time.time()))

    def _status(self, status: str) -> None:
        if status == "connected":
            state = self.client.state
            again = f", resuming after event {state.last_seq}" if state.last_seq else ""
            self.say(f"Connected to room {self.client.room} as {state.seat}{again}.")
        elif status == "reconnecting":
            self.say("Connection lost — reconnecting…")

    def _answer(self, sent: Sent) -> None:
        self.say(answer_line(sent))

    # --- the loop --------------------------------------------------------------------------

    async def run(self) -> int:
        """Play until the talks conclude (0), ``quit`` (0), or a refusal or an
        unreachable server (1, with the reason on stderr)."""

        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        threading.Thread(
            target=_read_lines, args=(self.stdin, loop, lines), daemon=True, name="stdin"
        ).start()
        self.say(f"Joining {self.client.url} … (type help for the commands)")
        playing = asyncio.ensure_future(self.client.run())
        ready = asyncio.ensure_future(self._ready.wait())
        reading: asyncio.Future[str | None] | None = None
        try:
            # lines typed (or piped) before the agenda is known wait for it
            await asyncio.wait({playing, ready}, return_when=asyncio.FIRST_COMPLETED)
            while not playing.done():
                reading = asyncio.ensure_future(lines.get())
                await asyncio.wait({playing, reading}, return_when=asyncio.FIRST_COMPLETED)
                if not reading.done():
                    break
                line = reading.result()
                if line is None:
                    # a pipe that said all it had: follow the talks to their end
                    self.say("End of input: following the talks to their end (Ctrl+C leaves).")
                    await asyncio.wait({playing})
                elif await self._command(line) == "quit":
                    self.say("Leaving the talks.")
                    return await self._leave(playing)
            return self._ended(playing)
        finally:
            for task in (playing, ready, reading):
                if task is not None and not task.done():
                    task.cancel()

    async def _command(self, line: str) -> str | None:
        try:
            parsed = parse(line, self.client.state)
        except CommandError as exc:
            self.say(f"✗ {line.strip()}: {exc}")
            return None
        if parsed is None:
            return None
        if parsed.local == "help":
            self.say(HELP)
        elif parsed.local == "quit":
            return "quit"
        elif parsed.command is not None:
            if self.client.status != "connected":
                self.say(f"… {line.strip()}: sent (goes out once reconnected)")
            await self.client.submit(parsed.command, line.strip())
        return None

    async def _leave(self, playing: asyncio.Future[object]) -> int:
        await self.client.stop()
        # leaving: how the connection ends does not matter
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(playing), 5.0)
        return 0

    def _ended(self, playing: asyncio.Future[object]) -> int:
        error = playing.exception()
        if isinstance(error, Refused):
            self.err.write(f"error: the server refused this seat: {error}\n")
            return 1
        if error is not None:
            self.err.write(f"error: {error}\n")
            return 1
        if self.client.state.concluded is not None:
            self.say("The talks are over.")
        return 0


def run_plain(url: str, token: str, *, wait: float = 10.0) -> int:
    """``accord join URL --token T --plain``; returns the exit status."""

    return asyncio.run(PlainSeat(url, token, wait=wait).run())
