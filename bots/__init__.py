"""The delegation SDK: everything a strategy author needs, from one place.

::

    from accord.bots import Ballot, Context, Delegation, TabledPackage, Traits

    class MyDelegation(Delegation):
        name = "mine"
        traits = Traits()

        def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
            return "yes" if ctx.utility(package.package) >= ctx.reservation else "no"

A delegation is one class with small hooks (:class:`Delegation`); each hook
gets the seat's :class:`Context`. The same class plays in-process
(:func:`play`) and over a websocket (:class:`BotClient`). The building
blocks the built-in strategies are made of (concession curves, package
choice, an opponent model, the arithmetic of inspections) are here too, and
the records of reputation across talks (:func:`record_from_log`,
:func:`combine`, :func:`series_reputation`).
"""

from accord.bots.context import (
    Context,
    History,
    PublicRecord,
    Ranking,
    Record,
    TabledPackage,
    remember,
    stakes,
)
from accord.bots.inprocess import LocalTalk, Rejection, play
from accord.bots.registry import UnknownStrategy, available, load
from accord.bots.replay import Decision, Replay, ReplayError, replay
from accord.bots.reputation import (
    combine,
    record_from_log,
    records_from_log,
    series_reputation,
    suspicion,
)
from accord.bots.runner import HookFailure
from accord.bots.sdk import Delegation, Traits
from accord.bots.tables import Tables
from accord.bots.tactics import (
    Aspiration,
    OpponentModel,
    ValueRanking,
    aspiration,
    defection_pays,
    expected_sanction,
    inspection_chance,
    package_near,
    utilities,
)
from accord.bots.websocket import BotClient, RoomPlay, run_bot
from accord.protocol.commands import Ballot, Choice, Package, Vote
from accord.protocol.scenario import load_scenario

__all__ = [
    "Aspiration",
    "Ballot",
    "BotClient",
    "Choice",
    "Context",
    "Decision",
    "Delegation",
    "History",
    "HookFailure",
    "LocalTalk",
    "OpponentModel",
    "Package",
    "PublicRecord",
    "Ranking",
    "Record",
    "Rejection",
    "Replay",
    "ReplayError",
    "RoomPlay",
    "TabledPackage",
    "Tables",
    "Traits",
    "UnknownStrategy",
    "ValueRanking",
    "Vote",
    "aspiration",
    "available",
    "combine",
    "defection_pays",
    "expected_sanction",
    "inspection_chance",
    "load",
    "load_scenario",
    "package_near",
    "play",
    "record_from_log",
    "records_from_log",
    "remember",
    "replay",
    "run_bot",
    "series_reputation",
    "stakes",
    "suspicion",
    "utilities",
]
