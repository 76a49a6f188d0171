"""The time-dependent tactic against scripted opponents, and its named variants."""

from __future__ import annotations

import math

import pytest

from accord.bots.sdk import Delegation
from accord.bots.strategies.conceder import Conceder
from accord.bots.strategies.hardliner import Hardliner
from accord.bots.strategies.time_dependent import TimeDependent
from accord.bots.strategies.tit_for_tat import TitForTat
from accord.bots.strategies.veto_player import VetoPlayer
from accord.protocol.scenario import load_scenario
from tests.bots.strategies.scripted import (
    LEVELS,
    MockDelegation,
    Versus,
    ladder,
    level,
    refusers,
    versus_test,
)

SEED = 13
ROUNDS = 10
RESERVATION = 0.2
EXPONENTS = (0.2, 0.5, 1.0, 2.0, 5.0)


def target(round_: int, exponent: float) -> float:
    """The aspiration of Faratin, Sierra and Jennings on the ladder (best 1,
    floor the reservation), written out independently of the strategy."""

    t = (round_ - 1) / (ROUNDS - 1)
    return 1.0 - (1.0 - RESERVATION) * t ** (1.0 / exponent)


def lowest_level(at_least: float) -> int:
    """The lowest ladder level worth at least ``at_least``."""

    return next(n for n in range(LEVELS) if n / (LEVELS - 1) >= at_least)


def against_refusers(strategy: Delegation, *, seed: int = SEED) -> Versus:
    """Against :func:`refusers`: offers of level 5 and of level 1 (below the
    reservation) every round, and no package ever passes."""

    return versus_test(
        strategy,
        scenario=ladder(rounds=ROUNDS, reservation=RESERVATION),
        seat="me",
        opponents=refusers(),
        seed=seed,
        expected={"outcome": "no_deal"},
    )


@pytest.mark.parametrize("exponent", EXPONENTS)
def test_tables_just_above_its_target_every_round(exponent: float) -> None:
    v = against_refusers(TimeDependent(exponent=exponent))
    assert sorted(v.tabled) == list(range(1, ROUNDS + 1))
    for round_, packages in v.tabled.items():
        (package,) = packages
        lowest = lowest_level(target(round_, exponent))
        # one of the three packages closest above the target: both verification
        # options of the lowest level that reaches it, or the level above
        assert int(package["level"]) in (lowest, lowest + 1), (round_, package, lowest)


@pytest.mark.parametrize("exponent", EXPONENTS)
def test_votes_yes_exactly_from_the_round_its_target_reaches_the_offer(exponent: float) -> None:
    v = against_refusers(TimeDependent(exponent=exponent))
    for round_, ballots in v.ballots.items():
        expected = "yes" if target(round_, exponent) <= 0.5 else "no"
        assert ballots["mid"] == expected, (round_, exponent)
        # below its reservation, never, not even in the last round
        assert ballots["low"] == "no"
        assert ballots["me"] == "yes"  # its own package reaches its target


def test_the_exponent_sets_the_pace() -> None:
    first_yes = {
        e: min(
            r
            for r, b in against_refusers(TimeDependent(exponent=e)).ballots.items()
            if b["mid"] == "yes"
        )
        for e in EXPONENTS
    }
    # the level-5 offer is accepted earlier the larger the exponent
    assert [first_yes[e] for e in EXPONENTS] == sorted(
        (first_yes[e] for e in EXPONENTS), reverse=True
    )
    assert first_yes[0.2] == ROUNDS and first_yes[5.0] < first_yes[1.0] < ROUNDS


@pytest.mark.parametrize(
    ("variant", "exponent"), [(Conceder, 2.0), (Hardliner, 0.2)], ids=["conceder", "hardliner"]
)
@pytest.mark.parametrize("scenario_name", ["trade-round", "security-council"])
def test_a_named_variant_is_the_base_at_its_exponent(
    variant: type[TimeDependent], exponent: float, scenario_name: str
) -> None:
    scenario = load_scenario(scenario_name)
    first, *others = scenario.seats

    def heads(strategy: TimeDependent) -> list[str]:
        out = []
        for seed in (1, 2, 3):
            # opponents that react to what it does, so any difference would show
            opponents = {
                seat: (TitForTat() if n % 2 else VetoPlayer()) for n, seat in enumerate(others)
            }
            v = versus_test(strategy, scenario=scenario, seat=first, opponents=opponents, seed=seed)
            out.append(v.talk.room.chain.head)
        return out

    assert variant.exponent == exponent and issubclass(variant, TimeDependent)
    # event for event the same talks, random draws included
    assert heads(TimeDependent(exponent=exponent)) == heads(variant())
    # and the parameter matters: the other variant's exponent gives other talks
    other = 0.2 if exponent == 2.0 else 2.0
    assert heads(TimeDependent(exponent=other)) != heads(variant())


def test_a_variant_takes_another_exponent_too() -> None:
    assert against_refusers(Conceder(exponent=0.2)).tabled == against_refusers(Hardliner()).tabled


def test_the_exponent_is_a_keyword_option_defaulting_to_the_class_attribute() -> None:
    assert TimeDependent().exponent == TimeDependent.exponent == 1.0
    assert Conceder().exponent == 2.0 and Hardliner().exponent == 0.2
    tuned = Conceder(exponent=3.0)
    assert tuned.exponent == 3.0 and Conceder.exponent == 2.0  # the class keeps its default
    assert (
        against_refusers(TimeDependent()).tabled
        == against_refusers(TimeDependent(exponent=1.0)).tabled
    )
    with pytest.raises(TypeError):
        TimeDependent(2.0)  # type: ignore[misc]


@pytest.mark.parametrize("exponent", [0.0, -1.0, math.nan])
def test_a_non_positive_exponent_is_refused(exponent: float) -> None:
    with pytest.raises(ValueError, match="exponent"):
        TimeDependent(exponent=exponent)


def test_complies_never_vetoes_and_never_inspects() -> None:
    # it holds a veto and defecting pays it 0.3 a period; the others back level
    # 5 and inspect it, and one of them defects
    implementation = {
        "periods": 3,
        "parties": {"me": {"defect_gain": 0.3}, "mid": {"defect_gain": 0.3, "harm": 0.1}},
    }
    v = versus_test(
        TimeDependent(),
        scenario=ladder(decision="qualified", veto="me", implementation=implementation),
        seat="me",
        opponents={
            "mid": MockDelegation(tables=level(5), votes="yes", acts="defect", challenges="me"),
            "low": MockDelegation(tables=level(1), votes="yes", challenges="mid"),
        },
    )
    assert "veto" not in {c.ballot for c in v.casts}
    assert v.ballots[1]["low"] == "no"  # it holds a veto, yet votes a plain no below its target
    assert v.concluded.outcome == "agreement"
    assert v.choices == ("comply",) * 3
    assert v.challenged == {}
