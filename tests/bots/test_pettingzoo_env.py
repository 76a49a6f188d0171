"""The PettingZoo environment: the API test, complete talks with a random masked
policy whose transcripts verify, determinism, and a policy as a delegation."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pettingzoo")
pytest.importorskip("gymnasium")

from pettingzoo.test import api_test  # noqa: E402

from accord.bots import load, play  # noqa: E402
from accord.bots.pettingzoo_env import (  # noqa: E402
    AccordEnv,
    policy_delegation,
    random_policy,
)
from accord.protocol.engine.transcript import export, read, verify  # noqa: E402
from accord.protocol.scenario import load_scenario  # noqa: E402

SCENARIOS = ("trade-round", "security-council", "climate-accord")


def run(env: AccordEnv, seed: int) -> tuple[list[tuple[str, int | None]], dict[str, float]]:
    """One episode under a random masked policy: the actions taken and each seat's return."""

    env.reset(seed=seed)
    policy = random_policy(seed)
    actions: list[tuple[str, int | None]] = []
    returns: dict[str, float] = {}
    for agent in env.agent_iter():
        observation, reward, terminated, truncated, info = env.last()
        returns[agent] = returns.get(agent, 0.0) + reward
        assert (observation["action_mask"] == info["action_mask"]).all()
        action = None
        if not (terminated or truncated):
            action = policy(observation["observation"], observation["action_mask"])
        actions.append((agent, action))
        env.step(action)
    return actions, returns


def test_api() -> None:
    env = AccordEnv(load_scenario("trade-round"), max_cycles=60)
    api_test(env, num_cycles=200)


@pytest.mark.parametrize("name", SCENARIOS)
def test_random_policy_plays_talks_that_verify(name: str) -> None:
    env = AccordEnv(load_scenario(name))
    actions, returns = run(env, seed=7)
    room = env.room
    assert room.concluded is not None
    assert not env.agents  # every agent was stepped out after the end
    scores = {s.seat: s.normalised for s in room.concluded.scores}
    assert returns == pytest.approx(scores)  # masked: no penalty, the score is the return
    assert verify(read(export(room).splitlines())).ok
    assert verify(read(env.transcript().splitlines())).ok


def test_same_seed_same_episode() -> None:
    env = AccordEnv(load_scenario("climate-accord"))
    first = run(env, seed=11)
    assert run(env, seed=11) == first
    others = [run(env, seed=s) for s in (12, 13)]
    assert any(other != first for other in others)


def test_illegal_action_plays_the_default_with_a_penalty() -> None:
    env = AccordEnv(load_scenario("trade-round"), illegal_penalty=0.5)
    env.reset(seed=0)
    agent = env.agent_selection
    observation, *_ = env.last()
    illegal = int((observation["action_mask"] == 0).nonzero()[0][0])
    env.step(illegal)
    assert env.infos[agent]["illegal_action"] is True
    assert env.rewards[agent] == -0.5
    assert env.room.phase == "tabling"
    assert any(type(e).__name__ == "Passed" and e.seat == agent for e in env.room.log)


def test_truncation_concludes_the_talk() -> None:
    env = AccordEnv(load_scenario("trade-round"), max_cycles=1)
    env.reset(seed=1)
    policy = random_policy(1)
    truncated_seen = False
    for _agent in env.agent_iter():
        observation, _, terminated, truncated, _ = env.last()
        truncated_seen |= truncated
        action = None
        if not (terminated or truncated):
            action = policy(observation["observation"], observation["action_mask"])
        env.step(action)
    assert truncated_seen
    assert env.room.concluded is not None
    assert verify(read(env.transcript().splitlines())).ok


@pytest.mark.parametrize("name", ["trade-round", "security-council"])
def test_policy_as_a_delegation_plays_against_built_ins(name: str) -> None:
    scenario = load_scenario(name)
    seats = scenario.seats
    builtins = ("hardliner", "conceder", "tit-for-tat", "inspector", "veto-player")
    delegations: dict[str, Any] = {seats[0]: policy_delegation(random_policy(0))}
    for n, seat in enumerate(seats[1:]):
        delegations[seat] = load(builtins[n % len(builtins)])()
    talk = play(scenario, delegations, seed=3)
    assert talk.room.concluded is not None
    assert not talk.failures, talk.failures
    assert not talk.rejections, talk.rejections
    mine = [e for e in talk.room.log if getattr(e, "seat", None) == seats[0]]
    assert any(type(e).__name__ in ("ProposalTabled", "Passed") for e in mine)
    assert verify(read(export(talk.room).splitlines())).ok
