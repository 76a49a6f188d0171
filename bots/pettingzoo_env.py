"""A PettingZoo environment over the pure engine, for reinforcement learning.

:class:`AccordEnv` is an AEC (agent-environment cycle) environment: the agents
are the seats, and the agent to act is a seat the room is waiting for; each
step applies one command. No server and no I/O: the room's clock is simulated.
Each seat observes only what it may see (its own brief, its view of the log),
encoded by :class:`SeatView` into a fixed-shape vector; one ``Discrete``
action space (:class:`Layout`) covers every command, with a mask of the legal
ones. :class:`PolicyDelegation` plays a policy trained here (any callable
``(observation, mask) -> action``) as an ordinary :class:`~accord.bots.Delegation`,
so it can sit in in-process talks, over a websocket and in tournaments.

Needs the ``rl`` extra: ``pip install 'accord[rl]'``.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

try:
    import gymnasium
    import numpy as np
    from numpy.typing import NDArray
    from pettingzoo import AECEnv  # type: ignore[import-untyped]
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "accord.bots.pettingzoo_env needs PettingZoo and Gymnasium: pip install 'accord[rl]'"
    ) from exc

from accord.bots.context import Context, TabledPackage
from accord.bots.sdk import Delegation, Traits
from accord.protocol.commands import (
    Act,
    Ballot,
    CastVeto,
    CastVote,
    Challenge,
    Choice,
    Package,
    Pass,
    Propose,
    SeatCommand,
    Withdraw,
)
from accord.protocol.engine.room import Room
from accord.protocol.engine.transcript import export
from accord.protocol.engine.visibility import ORGANIZER, Viewer, visible
from accord.protocol.errors import RuleViolation
from accord.protocol.events import (
    ActionTaken,
    BallotResult,
    ChallengeResult,
    Event,
    PackageAdopted,
    Passed,
    PhaseStarted,
    ProposalTabled,
    ProposalWithdrawn,
    SanctionImposed,
    TalksConcluded,
    TalksOpened,
    VetoCast,
    VoteCast,
)
from accord.protocol.scenario.model import Scenario
from accord.protocol.scenario.utility import UtilityFunction

__all__ = [
    "AccordEnv",
    "Layout",
    "Policy",
    "PolicyDelegation",
    "SeatView",
    "policy_delegation",
    "random_policy",
]

Observation = NDArray[np.float32]
Mask = NDArray[np.int8]
Policy = Callable[[Observation, Mask], int]
"""A policy: the flat observation vector and the action mask → an action index."""

STEP = 0.001
"""Simulated seconds between two commands (as in accord.bots.play)."""

PHASES = ("tabling", "ballot", "action", "verification", "concluded")
VOTES: tuple[Literal["yes", "no", "abstain"], ...] = ("yes", "no", "abstain")
CHOICES: tuple[Choice, ...] = ("comply", "defect")

Kind = Literal[
    "pass", "table", "retable", "withdraw", "vote", "veto", "act", "challenge", "invalid"
]


@dataclass(frozen=True)
class Layout:
    """The action indices and the observation's length for one scenario.

    ``k`` candidate packages (the seat's own top ``k`` by utility), ``slots``
    places for the packages on the table (seats × proposals per round), ``n``
    seats. Actions, in order: ``pass``; ``table`` candidate 0..k-1; ``retable``
    (table a copy of) slot 0..slots-1; ``withdraw`` slot; ``vote`` on slot i
    yes/no/abstain (three consecutive indices per slot); ``veto`` slot;
    ``act`` comply/defect; ``challenge`` seat 0..n-1 (table order).
    """

    n: int
    k: int
    slots: int

    @property
    def table(self) -> int:
        return 1

    @property
    def retable(self) -> int:
        return 1 + self.k

    @property
    def withdraw(self) -> int:
        return self.retable + self.slots

    @property
    def vote(self) -> int:
        return self.withdraw + self.slots

    @property
    def veto(self) -> int:
        return self.vote + 3 * self.slots

    @property
    def act(self) -> int:
        return self.veto + self.slots

    @property
    def challenge(self) -> int:
        return self.act + 2

    @property
    def actions(self) -> int:
        return self.challenge + self.n

    @property
    def features(self) -> int:
        """Length of the observation vector (see :meth:`SeatView.observation`)."""

        return 5 + 3 + 7 + self.k + self.slots * (4 + self.n) + 6 * self.n + 9

    def decode(self, action: int) -> tuple[Kind, int]:
        """``(kind, index)``: for ``vote`` the index is ``3 * slot + (0 yes, 1 no, 2 abstain)``."""

        bounds: tuple[tuple[Kind, int, int], ...] = (
            ("table", self.table, self.retable),
            ("retable", self.retable, self.withdraw),
            ("withdraw", self.withdraw, self.vote),
            ("vote", self.vote, self.veto),
            ("veto", self.veto, self.act),
            ("act", self.act, self.challenge),
            ("challenge", self.challenge, self.actions),
        )
        if action == 0:
            return "pass", 0
        for kind, start, stop in bounds:
            if start <= action < stop:
                return kind, action - start
        return "invalid", 0

    @staticmethod
    def of(scenario: Scenario, k: int) -> Layout:
        n = len(scenario.seats)
        return Layout(
            n=n,
            k=k,
            slots=n * scenario.rules.proposals_per_round,
        )


def top_packages(scenario: Scenario, utility: UtilityFunction, k: int) -> list[dict[str, str]]:
    """The ``k`` packages of highest utility, best first (ties: agenda order of options).

    Utility is additive over issues, so a beam of ``k`` partial packages, issue
    by issue, keeps every prefix of the top ``k``: exact without enumerating.
    """

    rows = utility.rows()
    beam: list[tuple[float, tuple[int, ...]]] = [(0.0, ())]
    for row in rows:
        grown = [(u + value, (*idx, j)) for u, idx in beam for j, value in enumerate(row)]
        grown.sort(key=lambda item: (-item[0], item[1]))
        beam = grown[:k]
    issues = scenario.issues
    return [{i.id: i.options[j] for i, j in zip(issues, idx, strict=True)} for _, idx in beam]


@dataclass
class _Slot:
    package_id: str
    seat: str
    package: Mapping[str, str]
    utility: float


@dataclass
class SeatView:
    """What one seat knows, fed with the events as that seat sees them; encodes it.

    Built from the seat's own ``talks_opened`` (its brief is the only one in it),
    so nothing beyond the seat's view reaches the observation or the mask.
    """

    seat: str
    scenario: Scenario
    layout: Layout
    utility: UtilityFunction
    candidates: list[dict[str, str]]
    phase: str = "lobby"
    round: int = 0
    period: int = 0
    slots: list[_Slot] = field(default_factory=list)
    tabled: int = 0
    passed: bool = False
    voted: set[str] = field(default_factory=set)
    acted: bool = False
    challenges: int = 0
    ballots: int = 0
    adopted: PackageAdopted | None = None
    defections: int = 0
    proposals: dict[str, int] = field(default_factory=dict)
    proposal_utility: dict[str, float] = field(default_factory=dict)
    votes_seen: dict[str, int] = field(default_factory=dict)
    yes_votes: dict[str, int] = field(default_factory=dict)
    detected: dict[str, int] = field(default_factory=dict)
    challenged_me: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def open(opened: TalksOpened, seat: str, k: int) -> SeatView:
        """The view at the start, from ``talks_opened`` as ``seat`` sees it."""

        scenario = opened.scenario
        brief = scenario.delegation(seat).brief
        if brief is None:
            raise ValueError(f"the brief of {seat!r} is not in this view")
        utility = UtilityFunction(scenario, brief)
        return SeatView(
            seat=seat,
            scenario=scenario,
            layout=Layout.of(scenario, k),
            utility=utility,
            candidates=top_packages(scenario, utility, k),
        )

    # --- what the seat has seen ------------------------------------------------

    def enter(self, phase: str, round: int, period: int) -> None:
        """A phase begins (idempotent: the same phase entered twice changes nothing)."""

        if (phase, round, period) == (self.phase, self.round, self.period):
            return
        self.phase, self.round, self.period = phase, round, period
        self.passed = False
        if phase == "tabling":
            self.slots, self.tabled, self.voted = [], 0, set()
        elif phase == "ballot":
            self.voted = set()
        elif phase == "action":
            self.slots, self.acted = [], False
        elif phase == "verification":
            self.challenges = 0

    def feed(self, event: Event) -> None:
        me = self.seat
        match event:
            case PhaseStarted():
                self.enter(event.phase, event.round, event.period)
            case ProposalTabled():
                u = self.utility(event.package)
                self.slots.append(_Slot(event.package_id, event.seat, event.package, u))
                if event.seat == me:
                    self.tabled += 1
                self.proposals[event.seat] = self.proposals.get(event.seat, 0) + 1
                self.proposal_utility[event.seat] = self.proposal_utility.get(event.seat, 0.0) + u
            case ProposalWithdrawn():
                self.slots = [s for s in self.slots if s.package_id != event.package_id]
                if event.seat == me:
                    self.tabled -= 1
            case Passed() if event.seat == me:
                self.passed = True
            case VoteCast() | VetoCast() if event.seat == me:
                self.voted.add(event.package_id)
            case BallotResult():
                self.ballots += 1
                for result in event.results:
                    for seat, vote in (result.votes or {}).items():
                        self.votes_seen[seat] = self.votes_seen.get(seat, 0) + 1
                        self.yes_votes[seat] = self.yes_votes.get(seat, 0) + (vote == "yes")
            case PackageAdopted():
                self.adopted = event
            case ActionTaken() if event.seat == me:
                self.acted = True
                self.defections += event.choice == "defect"
            case ChallengeResult():
                if event.seat == me:
                    self.challenges += 1
                if event.target == me:
                    self.challenged_me[event.seat] = self.challenged_me.get(event.seat, 0) + 1
            case SanctionImposed():
                self.detected[event.seat] = self.detected.get(event.seat, 0) + 1
            case TalksConcluded():
                self.enter("concluded", self.round, self.period)

    def hypothetical(self) -> SeatView:
        """A copy to try moves on (the hooks decide several commands before any event)."""

        view = copy.copy(self)
        view.slots, view.voted = list(self.slots), set(self.voted)
        return view

    # --- encoding ------------------------------------------------------------------

    @property
    def holds_veto(self) -> bool:
        return self.scenario.rules.vetoes and self.scenario.delegation(self.seat).veto

    @property
    def quota(self) -> int:
        impl = self.scenario.implementation
        return 0 if impl is None else impl.challenge_quota

    def mask(self) -> Mask:
        """1 for each action the room would accept from this seat now, else 0."""

        layout, mask = self.layout, np.zeros(self.layout.actions, dtype=np.int8)
        if self.phase == "tabling" and not self.passed:
            mask[0] = 1
            if self.tabled < self.scenario.rules.proposals_per_round:
                mask[layout.table : layout.table + len(self.candidates)] = 1
                mask[layout.retable : layout.retable + len(self.slots)] = 1
            for i, slot in enumerate(self.slots):
                if slot.seat == self.seat:
                    mask[layout.withdraw + i] = 1
        elif self.phase == "ballot":
            for i, slot in enumerate(self.slots):
                if slot.package_id not in self.voted:
                    mask[layout.vote + 3 * i : layout.vote + 3 * i + 3] = 1
                    if self.holds_veto:
                        mask[layout.veto + i] = 1
        elif self.phase == "action" and not self.acted:
            mask[layout.act : layout.act + 2] = 1
        elif self.phase == "verification" and not self.passed:
            mask[0] = 1
            if self.challenges < self.quota:
                for j, seat in enumerate(self.scenario.seats):
                    if seat != self.seat:
                        mask[layout.challenge + j] = 1
        return mask

    def observation(self) -> Observation:
        """The seat's state as a vector in [0, 1] (layout in docs/bots.md)."""

        scenario, layout, me = self.scenario, self.layout, self.seat
        rules, impl = scenario.rules, scenario.implementation
        seats = scenario.seats
        periods = 1 if impl is None else max(impl.periods, 1)
        weights = {d.id: d.weight for d in scenario.delegations}
        total_weight = sum(weights.values()) or 1.0
        out: list[float] = [float(self.phase == p) for p in PHASES]
        out += [
            self.round / rules.max_rounds,
            self.period / periods,
            self.ballots / rules.max_rounds,
        ]
        out += [
            self.utility.reservation,
            float(self.holds_veto),
            weights[me] / total_weight,
            self.tabled / rules.proposals_per_round,
            float(self.passed),
            self.challenges / self.quota if self.quota else 0.0,
            float(self.acted),
        ]
        utilities = [self.utility(p) for p in self.candidates]
        out += utilities + [0.0] * (layout.k - len(utilities))
        index = {seat: j for j, seat in enumerate(seats)}
        for i in range(layout.slots):
            row = [0.0] * (4 + layout.n)
            if i < len(self.slots):
                slot = self.slots[i]
                row[:4] = [
                    1.0,
                    slot.utility,
                    float(slot.seat == me),
                    float(slot.package_id in self.voted),
                ]
                row[4 + index[slot.seat]] = 1.0
            out += row
        for seat in seats:
            proposals, seen = self.proposals.get(seat, 0), self.votes_seen.get(seat, 0)
            out += [
                float(seat == me),
                self.proposal_utility.get(seat, 0.0) / proposals if proposals else 0.0,
                self.yes_votes.get(seat, 0) / seen if seen else 0.0,
                self.detected.get(seat, 0) / periods,
                self.challenged_me.get(seat, 0) / periods,
                weights[seat] / total_weight,
            ]
        terms = None if impl is None else impl.parties.get(me)
        adopted = self.adopted
        out += [
            float(adopted is not None),
            0.0 if adopted is None else self.utility(adopted.package),
            0.0 if adopted is None else adopted.detection,
            0.0 if adopted is None else adopted.sanction,
            0.0 if terms is None else terms.comply_cost,
            0.0 if terms is None else terms.defect_gain,
            0.0 if terms is None else terms.harm,
            self.defections / periods,
            self.detected.get(me, 0) / periods,
        ]
        return np.clip(np.asarray(out, dtype=np.float32), 0.0, 1.0)

    # --- actions → commands ------------------------------------------------------------

    def command(self, action: int) -> SeatCommand | None:
        """The command ``action`` stands for, or None if the mask forbids it now."""

        if not 0 <= action < self.layout.actions or not self.mask()[action]:
            return None
        kind, i = self.layout.decode(action)
        match kind:
            case "pass":
                return Pass()
            case "table":
                return Propose(package=dict(self.candidates[i]))
            case "retable":
                return Propose(package=dict(self.slots[i].package))
            case "withdraw":
                return Withdraw(package_id=self.slots[i].package_id)
            case "vote":
                return CastVote(package_id=self.slots[i // 3].package_id, vote=VOTES[i % 3])
            case "veto":
                return CastVeto(package_id=self.slots[i].package_id)
            case "act":
                return Act(choice=CHOICES[i])
            case "challenge":
                return Challenge(target=self.scenario.seats[i])
        return None

    def default(self) -> SeatCommand:
        """The phase's default: pass, abstain (on the first package not voted on), comply."""

        if self.phase == "ballot":
            for slot in self.slots:
                if slot.package_id not in self.voted:
                    return CastVote(package_id=slot.package_id, vote="abstain")
        if self.phase == "action":
            return Act(choice="comply")
        return Pass()


class AccordEnv(AECEnv):  # type: ignore[misc]
    """An AEC environment: one accord talk on ``scenario``, the seats as agents.

    ``top_k``: how many of its best packages a seat may table by index;
    ``max_cycles``: after ``max_cycles × seats`` steps the env stops taking
    commands and runs the clock, so every open phase closes at its deadline
    with the defaults and the talk concludes (agents truncated);
    ``reward``: ``"normalised"`` (the final score in [0, 1]) or ``"raw"``;
    ``illegal_penalty``: subtracted from the reward of a step whose action the
    mask forbids (the phase's default is played instead).
    """

    metadata: dict[str, Any] = {
        "name": "accord_v0",
        "render_modes": ["human", "ansi"],
        "is_parallelizable": False,
    }

    def __init__(
        self,
        scenario: Scenario,
        *,
        max_cycles: int = 500,
        top_k: int = 8,
        reward: Literal["normalised", "raw"] = "normalised",
        illegal_penalty: float = 0.01,
        render_mode: str | None = None,
    ) -> None:
        super().__init__()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}")
        if reward not in ("normalised", "raw"):
            raise ValueError(f"reward must be 'normalised' or 'raw', not {reward!r}")
        self.scenario = scenario
        self.max_cycles = max_cycles
        self.top_k = top_k
        self.reward_kind = reward
        self.illegal_penalty = illegal_penalty
        self.render_mode = render_mode
        self.layout = Layout.of(scenario, top_k)
        self.possible_agents: list[str] = list(scenario.seats)
        self.agents: list[str] = []
        obs = gymnasium.spaces.Dict(
            {
                "observation": gymnasium.spaces.Box(
                    0.0, 1.0, shape=(self.layout.features,), dtype=np.float32
                ),
                "action_mask": gymnasium.spaces.Box(
                    0, 1, shape=(self.layout.actions,), dtype=np.int8
                ),
            }
        )
        self.observation_spaces = {a: copy.deepcopy(obs) for a in self.possible_agents}
        self.action_spaces = {
            a: gymnasium.spaces.Discrete(self.layout.actions) for a in self.possible_agents
        }
        self._rng = random.Random()
        self._room: Room | None = None
        self._views: dict[str, SeatView] = {}
        self._seen: dict[str, int] = {}
        self._now = 0.0
        self._steps = 0
        self._last = ""

    def observation_space(self, agent: str) -> gymnasium.spaces.Space[Any]:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> gymnasium.spaces.Space[Any]:
        return self.action_spaces[agent]

    @property
    def room(self) -> Room:
        """The engine's room of the current episode (its log is the whole talk)."""

        if self._room is None:
            raise RuntimeError("call reset() first")
        return self._room

    def transcript(self, viewer: Viewer = ORGANIZER) -> bytes:
        """The episode's transcript (JSON lines), as ``accord verify`` reads it."""

        return export(self.room, viewer)

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        if seed is not None:
            self._rng = random.Random(seed)
            for n, agent in enumerate(self.possible_agents):
                self.action_spaces[agent].seed(seed + n)
        room_seed = seed if seed is not None else self._rng.randrange(2**32)
        self._now = 0.0
        self._steps = 0
        room = self._room = Room(self.scenario, room_id="pettingzoo", seed=room_seed, now=0.0)
        self.agents = list(self.possible_agents)
        self._views, self._seen = {}, {}
        for seat in self.agents:
            opened = visible(room.log[0], Viewer.of_seat(seat))
            assert isinstance(opened, TalksOpened)
            self._views[seat] = SeatView.open(opened, seat, self.top_k)
            self._seen[seat] = 1
        for seat in self.agents:
            self._now += STEP
            room.join(seat, now=self._now)
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.infos: dict[str, dict[str, Any]] = {a: {} for a in self.agents}
        self._skip_agent_selection = None
        self.agent_selection = self.agents[0]
        self._last = ""
        self._advance(self.agents[-1])

    def _sync(self) -> None:
        room = self.room
        for seat, view in self._views.items():
            viewer = Viewer.of_seat(seat)
            for event in room.log[self._seen[seat] :]:
                shown = visible(event, viewer)
                if shown is not None:
                    view.feed(shown)
            self._seen[seat] = len(room.log)

    def observe(self, agent: str) -> dict[str, NDArray[Any]]:
        view = self._views[agent]
        return {"observation": view.observation(), "action_mask": view.mask()}

    def step(self, action: int | None) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        self._clear_rewards()
        view = self._views[agent]
        command = None if action is None else view.command(int(action))
        illegal = command is None
        room = self.room
        self._now += STEP
        try:
            room.handle(agent, command or view.default(), now=self._now)
        except RuleViolation:  # pragma: no cover - the mask follows the rules
            illegal = True
            room.handle(agent, view.default(), now=self._now)
        self._last = f"{agent}: {command or view.default()!r}{' (illegal)' if illegal else ''}"
        if illegal:
            self.rewards[agent] -= self.illegal_penalty
        self.infos[agent]["illegal_action"] = illegal
        self._steps += 1
        self._advance(agent)
        self._accumulate_rewards()
        if self.render_mode == "human":
            self.render()

    def _advance(self, last: str) -> None:
        """Run the clock while nobody is waiting; end the episode; pick the next seat."""

        room = self.room
        truncated = self._steps >= self.max_cycles * len(self.possible_agents)
        while not room.finished and (truncated or not room.waiting_for()):
            assert room.deadline is not None
            self._now = max(self._now, room.deadline)
            room.tick(now=self._now)
        self._sync()
        for seat in self.agents:
            self.infos[seat]["action_mask"] = self._views[seat].mask()
        concluded = room.concluded
        if concluded is not None:
            for score in concluded.scores:
                value = score.normalised if self.reward_kind == "normalised" else score.raw
                self.rewards[score.seat] += value
                self.infos[score.seat]["score"] = score
            for seat in self.agents:
                (self.truncations if truncated else self.terminations)[seat] = True
            self.agent_selection = self.agents[0]
            return
        # the next seat the room waits for, after the last one to act, in table order
        waiting = set(room.waiting_for())
        order = self.possible_agents
        start = order.index(last)
        for n in range(1, len(order) + 1):
            seat = order[(start + n) % len(order)]
            if seat in waiting:
                self.agent_selection = seat
                return

    def render(self) -> str | None:
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode")
            return None
        room = self.room
        text = f"round {room.round} period {room.period} {room.phase}; last: {self._last}"
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def close(self) -> None:
        pass


def random_policy(seed: int | None = None) -> Policy:
    """A policy that picks uniformly among the legal actions (seeded)."""

    rng = np.random.default_rng(seed)

    def policy(observation: Observation, mask: Mask) -> int:
        legal = np.flatnonzero(mask)
        return int(rng.choice(legal)) if len(legal) else 0

    return policy


class PolicyDelegation(Delegation):
    """Plays a policy (observation, mask → action) as a delegation, in talks and tournaments.

    Each hook builds the observation and mask of :class:`AccordEnv` from the
    seat's own history and asks the policy, restricted to what the hook can
    answer: tabling (no withdrawals: the SDK does not expose them), one vote
    per package on the ballot, the action, the challenges. A forbidden answer
    gets the hook's default (pass, abstain, comply, no challenge).
    """

    name = "rl-policy"
    traits = Traits()

    def __init__(self, policy: Policy, *, top_k: int = 8) -> None:
        self.policy = policy
        self.top_k = top_k
        self._view: SeatView | None = None
        self._fed = 0

    def on_start(self, ctx: Context) -> None:
        self._view, self._fed = None, 0

    def _current(self, ctx: Context) -> SeatView:
        events = ctx.history.events
        if self._view is None:
            opened = events[0]
            assert isinstance(opened, TalksOpened)
            self._view, self._fed = SeatView.open(opened, ctx.seat, self.top_k), 1
        view = self._view
        for event in events[self._fed :]:
            view.feed(event)
        self._fed = len(events)
        view.enter(ctx.phase, ctx.round, ctx.period)
        return view

    def _ask(self, view: SeatView, allowed: Mask) -> SeatCommand | None:
        mask = view.mask() * allowed
        if not mask.any():
            return None
        action = int(self.policy(view.observation(), mask))
        return view.command(action) if 0 <= action < len(mask) and mask[action] else None

    def table(self, ctx: Context) -> list[Package]:
        view = self._current(ctx).hypothetical()
        layout = view.layout
        allowed = np.ones(layout.actions, dtype=np.int8)
        allowed[layout.withdraw : layout.vote] = 0
        out: list[Package] = []
        for n in range(ctx.rules.proposals_per_round):
            command = self._ask(view, allowed)
            if not isinstance(command, Propose):
                break
            out.append(command.package)
            # what the seat will see once it is tabled: the next choice knows it
            view.feed(
                ProposalTabled(
                    room="",
                    seq=0,
                    at=0.0,
                    seat=ctx.seat,
                    round=ctx.round,
                    package_id=f"pending-{n}",
                    package=command.package,
                )
            )
        return out

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        view = self._current(ctx)
        layout = view.layout
        ids = [slot.package_id for slot in view.slots]
        if package.package_id not in ids:
            return "abstain"
        i = ids.index(package.package_id)
        allowed = np.zeros(layout.actions, dtype=np.int8)
        allowed[layout.vote + 3 * i : layout.vote + 3 * i + 3] = 1
        allowed[layout.veto + i] = 1
        command = self._ask(view, allowed)
        view.voted.add(package.package_id)
        if isinstance(command, CastVeto):
            return "veto"
        return command.vote if isinstance(command, CastVote) else "abstain"

    def act(self, ctx: Context) -> Choice:
        view = self._current(ctx)
        allowed = np.zeros(view.layout.actions, dtype=np.int8)
        allowed[view.layout.act : view.layout.act + 2] = 1
        command = self._ask(view, allowed)
        return command.choice if isinstance(command, Act) else "comply"

    def challenge(self, ctx: Context) -> list[str]:
        view = self._current(ctx).hypothetical()
        allowed = np.ones(view.layout.actions, dtype=np.int8)
        targets: list[str] = []
        for _ in range(ctx.challenge_quota):
            command = self._ask(view, allowed)
            if not isinstance(command, Challenge):
                break
            targets.append(command.target)
            view.challenges += 1
            allowed[view.layout.challenge + ctx.seats.index(command.target)] = 0
        return targets


def policy_delegation(policy: Policy, *, top_k: int = 8) -> PolicyDelegation:
    """``PolicyDelegation(policy, top_k=top_k)``: ``top_k`` must match the env's."""

    return PolicyDelegation(policy, top_k=top_k)
