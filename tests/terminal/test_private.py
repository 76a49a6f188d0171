"""Three people at one table, each in ``--plain`` mode: who hears a private word.

Each seat is a :class:`~accord.terminal.plain.PlainSeat` reading its commands
from a real pipe and writing its lines to a buffer, over real websockets to a
real server.
"""

from __future__ import annotations

import asyncio
import io
import os
import time
from pathlib import Path

from accord.terminal.plain import PlainSeat
from tests.netutil import RunningServer
from tests.terminal.table import open_room

SEATS = ("north", "south", "east")


class Person:
    """One seat in plain mode: a pipe to type into, a buffer of what it printed."""

    def __init__(self, url: str, token: str) -> None:
        self._read, self._write = os.pipe()
        self.out, self.err = io.StringIO(), io.StringIO()
        self.seat = PlainSeat(url, token, out=self.out, err=self.err, stdin=self._read)
        self.playing = asyncio.ensure_future(self.seat.run())

    @property
    def lines(self) -> list[str]:
        return self.out.getvalue().splitlines()

    def type(self, line: str) -> None:
        os.write(self._write, line.encode() + b"\n")

    async def sees(self, line: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while line not in self.lines:
            assert time.monotonic() < deadline, f"{line!r} not in:\n" + "\n".join(self.lines)
            await asyncio.sleep(0.02)

    async def close(self) -> int:
        os.close(self._write)
        try:
            return await asyncio.wait_for(self.playing, 10)
        finally:
            os.close(self._read)


async def test_a_private_statement_reaches_its_addressee_and_no_other_seat(
    tmp_path: Path,
) -> None:
    async with RunningServer(tmp_path / "db.sqlite") as server:
        _, tokens = await open_room(server.url)
        people = {seat: Person(server.url, tokens[seat]) for seat in SEATS}
        try:
            for person in people.values():
                await person.sees("— Round 1: tabling —")
            people["north"].type("say @south only for south")
            await people["north"].sees("✓ say @south only for south: accepted")
            # east speaks after north's private word: east's stream has passed it by then
            people["east"].type("say hello all")
            for person in people.values():
                await person.sees("east: “hello all”")
            await people["south"].sees("north to south: “only for south”")
            for person in people.values():
                person.type("quit")
            statuses = [await person.close() for person in people.values()]
        finally:
            for person in people.values():
                person.playing.cancel()
    assert statuses == [0, 0, 0]
    assert "north to south: “only for south”" in people["north"].lines
    assert not [line for line in people["east"].lines if "only for south" in line]
    assert people["east"].lines[-1] == "Leaving the talks."
    assert all(person.err.getvalue() == "" for person in people.values())
