"""A spy strategy finds nothing it may not see and changes nothing another seat sees.

The spy walks everything reachable from its context through attributes,
documented or not (slots, ``__dict__``, containers, bound methods, closures),
and every global of accord's modules, looking for what its seat may not know:
another seat's brief or utility function, the seed or the sealing key,
another seat's secret vote or hidden action before the talks end, a private
statement not addressed to it, the room, its chain or its raw log. Then it
tries to change every object it reached that is not its own (clear lists and
maps, set attributes). Its own moves are fixed in advance, so the talk must
come out exactly as the talk of a twin that does not spy.

Python cannot stop code in the same process from walking the garbage
collector or the stack (docs/bots.md says so); those routes are not tried.
"""

from __future__ import annotations

import asyncio
import sys
import types
from typing import Any

import msgspec
import pytest

from accord.bots.context import Context, History, TabledPackage
from accord.bots.inprocess import play
from accord.bots.registry import load
from accord.bots.sdk import Ballot, Delegation
from accord.bots.tables import Tables
from accord.bots.websocket import BotClient
from accord.protocol.codec import canonical
from accord.protocol.engine.chain import Chain
from accord.protocol.engine.room import Room
from accord.protocol.engine.seals import derive_key
from accord.protocol.events import ActionTaken, BallotResult, StatementMade, VoteCast
from accord.protocol.scenario import load_scenario
from accord.protocol.scenario.model import Brief
from accord.protocol.scenario.utility import UtilityFunction
from tests.netutil import RunningServer, api

SCENARIO = "six-party-talks"  # a secret ballot and six different briefs
SEED = 918_273_645
SPY_SEAT = "china"
OTHERS = ("coalition-builder", "adaptive", "tit-for-tat", "free-rider", "inspector")

_NOT_DATA = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.CodeType)


def reachable(roots: list[Any], *, limit: int = 200_000) -> list[Any]:
    """Every object reachable from ``roots`` through attributes and containers."""

    seen: dict[int, Any] = {}
    stack = list(roots)
    while stack and len(seen) < limit:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, bool, type(None))):
            if isinstance(obj, (str, int)):
                seen.setdefault(id(obj), obj)
            continue
        seen[id(obj)] = obj
        if isinstance(obj, types.MethodType):
            stack.append(obj.__self__)
            continue
        if isinstance(obj, types.FunctionType):  # its closure, not its module's globals
            stack.extend(c.cell_contents for c in obj.__closure__ or () if _filled(c))
            continue
        if isinstance(obj, _NOT_DATA):
            continue
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif isinstance(obj, (bytearray, memoryview)):
            continue
        else:
            if hasattr(obj, "__dict__"):
                stack.extend(vars(obj).values())
            for klass in type(obj).__mro__:
                for name in getattr(klass, "__slots__", ()):
                    if hasattr(obj, name):
                        stack.append(getattr(obj, name))
            if isinstance(obj, msgspec.Struct):
                stack.extend(msgspec.structs.astuple(obj))
    return list(seen.values())


def _filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


def accord_globals() -> list[Any]:
    out = []
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "accord" and module is not None:
            out.extend(v for v in vars(module).values() if not isinstance(v, _NOT_DATA))
    return out


class Spy(Delegation):
    """Tables its best package and votes yes, whatever it learns; looks and meddles."""

    name = "spy"

    def __init__(self, *, meddle: bool = True, secret_ballot: bool = True) -> None:
        self.meddle = meddle
        self.secret_ballot = secret_ballot
        self.findings: list[str] = []
        self.meddled = 0
        self.looked = 0

    def on_start(self, ctx: Context) -> None:
        self._package = ctx.best_package()
        scenario = load_scenario(SCENARIO)
        self._others = {d.id: d.brief for d in scenario.delegations if d.id != ctx.seat}
        self._own = {id(ctx.history), id(ctx)}

    def _look(self, ctx: Context, *, concluded: bool) -> None:
        self.looked += 1
        secrets = {"seed": SEED, "key": derive_key(SEED).hex()}
        room = ctx.history.events[0].room  # events of other rooms (the docs' samples) do not count
        for obj in reachable([ctx, self._package, *accord_globals()]):
            if isinstance(obj, (int, str)) and not isinstance(obj, bool):
                for what, value in secrets.items():
                    if obj == value:
                        self.findings.append(f"the {what}")
                continue
            if isinstance(obj, Brief) and obj in self._others.values():
                self.findings.append("another seat's brief")
            elif isinstance(obj, UtilityFunction) and obj is not ctx.utility:
                if any(obj.reservation == b.reservation for b in self._others.values()):
                    self.findings.append("another seat's utility function")
            elif isinstance(obj, (Room, Chain)):
                self.findings.append(f"a {type(obj).__name__}")
            elif isinstance(obj, (Context, History)) and id(obj) not in self._own:
                self.findings.append(f"another {type(obj).__name__}")
            elif getattr(obj, "room", None) != room:
                continue
            elif isinstance(obj, VoteCast) and obj.seat != ctx.seat and obj.vote is not None:
                if self.secret_ballot:
                    self.findings.append("another seat's secret vote")
            elif isinstance(obj, ActionTaken) and obj.seat != ctx.seat and not concluded:
                self.findings.append("another seat's hidden action")
            elif (
                isinstance(obj, StatementMade)
                and obj.to is not None
                and ctx.seat != obj.seat
                and ctx.seat not in obj.to
            ):
                self.findings.append("a private statement to others")
            if (
                isinstance(obj, BallotResult)
                and obj.room == room
                and self.secret_ballot
                and any(r.votes is not None for r in obj.results)
            ):
                self.findings.append("the votes of a secret ballot")

    def _meddle(self, ctx: Context) -> None:
        mine = {
            id(ctx),
            id(ctx.history),
            id(ctx.history._events),
            id(ctx.history._overlay),
            id(ctx.history._statements),
            id(ctx.history.my_actions),
            id(ctx._shelf),
            id(ctx._outbox),
            id(ctx._notebook),
            id(ctx.ballot),
            id(ctx.rng),
            id(self),
        }
        for obj in reachable([ctx]):
            if id(obj) in mine or isinstance(obj, (str, int, float, bool, bytes, type(None))):
                continue
            for attempt in _attempts(obj):
                try:
                    attempt()
                    self.meddled += 1
                except Exception:  # refused, as it should be
                    pass

    def _turn(self, ctx: Context, *, concluded: bool = False) -> None:
        self._look(ctx, concluded=concluded)
        if self.meddle:
            self._meddle(ctx)

    def table(self, ctx: Context) -> list[dict[str, str]]:
        self._turn(ctx)
        return [self._package]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        if package.seat == ctx.seat:
            self._turn(ctx)
        return "yes"

    def act(self, ctx: Context) -> str:  # type: ignore[override]
        self._turn(ctx)
        return "comply"

    def challenge(self, ctx: Context) -> list[str]:
        self._turn(ctx)
        return []


def _attempts(obj: Any) -> list[Any]:
    out: list[Any] = []
    if isinstance(obj, list):
        out += [obj.clear, lambda: obj.append(None)]
    elif isinstance(obj, dict):
        out += [obj.clear, lambda: obj.__setitem__("forged", None)]
    elif isinstance(obj, set):
        out += [obj.clear]
    elif not isinstance(obj, (tuple, frozenset, types.FunctionType, types.MethodType)):
        names = list(getattr(obj, "__dict__", {}))
        for klass in type(obj).__mro__:
            names += list(getattr(klass, "__slots__", ()))
        if isinstance(obj, msgspec.Struct):
            names += list(obj.__struct_fields__)
        for name in names:
            out.append(lambda name=name: setattr(obj, name, None))
    return out


def lineup(spy: Delegation) -> dict[str, Delegation]:
    scenario = load_scenario(SCENARIO)
    others = iter(OTHERS)
    return {s: spy if s == SPY_SEAT else load(next(others))() for s in scenario.seats}


@pytest.mark.parametrize("shared_tables", [False, True], ids=["cold", "warm"])
def test_the_spy_in_process_finds_nothing_and_changes_nothing(shared_tables: bool) -> None:
    scenario = load_scenario(SCENARIO)
    tables = Tables() if shared_tables else None
    if tables is not None:  # a talk before, so the tables hold other seats' rankings
        play(scenario, lineup(Spy(meddle=False)), seed=SEED, tables=tables)
    twin = play(scenario, lineup(Spy(meddle=False)), seed=SEED, tables=tables)
    spy = Spy()
    talk = play(scenario, lineup(spy), seed=SEED, tables=tables)
    assert spy.looked > 10
    assert spy.findings == []
    assert talk.room.finished and not talk.failures and not talk.rejections
    # every event of the talk, and so what every other seat saw, is as in the twin's talk
    assert [canonical(e) for e in talk.room.log] == [canonical(e) for e in twin.room.log]
    assert talk.room.chain.head == twin.room.chain.head
    # and a later talk on the same tables is untouched too
    if tables is not None:
        after = play(scenario, lineup(Spy(meddle=False)), seed=SEED, tables=tables)
        assert after.room.chain.head == twin.room.chain.head


async def test_the_spy_over_a_websocket_finds_nothing(tmp_path) -> None:
    scenario = load_scenario(SCENARIO)
    async with RunningServer(tmp_path / "spy.db") as server:
        status, created = await api(
            server.url, "POST", "/api/rooms", body={"scenario": SCENARIO, "seed": SEED}
        )
        assert status == 201
        spy = Spy()
        others = iter(OTHERS)
        bots = [
            BotClient(
                (lambda: spy) if seat == SPY_SEAT else load(next(others)),
                server.ws_url,
                created["seats"][seat],
                seed=1,
                reconnect=False,
            )
            for seat in scenario.seats
        ]
        await asyncio.wait_for(asyncio.gather(*(b.run() for b in bots)), 60)
    assert spy.looked > 10
    # the seed and key of a server room are never sent: derived ones cannot match
    assert spy.findings == []
