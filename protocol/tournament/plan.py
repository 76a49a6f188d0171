"""Which talks a tournament plays: seatings, repetitions, series and seeds.

A *seating* puts one entry in each seat of a scenario (in the scenario's seat
order). The formats:

- ``all-seatings``: every ordered choice of distinct entries for the seats
  (with fewer entries than seats: every assignment, entries repeating), once
  each up to symmetry: seats that are interchangeable (same weight, veto,
  brief and implementation terms, not named by the rules) make seatings
  that differ only by a swap among them the same talk, played once;
- ``sample``: that many seatings drawn at random (without repeats while the
  space allows);
- ``rounds``: in each round the entries sit at fresh tables, in a random
  order or, with Swiss pairing, in the order of the current ranking (the
  runner passes it), so entries of similar strength meet.

Every seating is played ``repetitions`` times; each repetition is a *series*
of ``series`` talks with the same seating, so the same entries meet again
(with ``reputation``, each sees the others' record from the earlier talks of
its series). A talk's seed comes from the tournament's seed and the talk's id
alone, so the plan, and every talk, is the same on any machine, in any order.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from itertools import permutations, product

import msgspec

from accord.protocol.errors import ScenarioError, TournamentError
from accord.protocol.scenario import Scenario, load_scenario
from accord.protocol.scenario.generate import random_scenario
from accord.protocol.tournament.spec import Tournament

MAX_SEATINGS = 2_000_000
"""Seatings of one scenario the ``all-seatings`` format enumerates at most."""

_ENUMERABLE = 200_000
"""Below this many seatings, ``sample`` draws from the de-duplicated list itself."""


class TalkPlan(msgspec.Struct, frozen=True, kw_only=True):
    """One talk of a tournament."""

    id: str
    """Stable within the tournament: ``s<scenario>-t<seating>-r<repetition>-g<game>``
    (``s<scenario>-R<round>-T<table>-r<repetition>-g<game>`` in rounds)."""
    scenario: int
    """Index into the tournament's scenarios."""
    seating: tuple[str, ...]
    """Entry name per seat, in the scenario's seat order."""
    repetition: int
    series: str
    """The talks of one series share this id (and their seating)."""
    game: int
    """0-based position in the series."""
    seed: int
    round: int = 0
    """``rounds`` format: the round (from 1); 0 otherwise."""


def talk_seed(tournament_seed: int, talk_id: str) -> int:
    """The seed of one talk: from the tournament's seed and the talk's id only."""

    digest = hashlib.blake2b(f"{tournament_seed}:{talk_id}".encode(), digest_size=8).digest()
    # 53 bits: the talk's opening event carries the seed, and JSON readers hold
    # integers exactly up to 2**53 - 1 (so does the hash chain's canonical form)
    return int.from_bytes(digest, "big") >> 11


def load_scenarios(tournament: Tournament) -> list[Scenario]:
    """The tournament's scenarios, loaded or generated, in file order."""

    out = []
    for n, spec in enumerate(tournament.spec.scenarios):
        try:
            if spec.generate is not None:
                g = spec.generate
                scenario = random_scenario(
                    seed=g.seed,
                    seats=g.seats,
                    issues=g.issues,
                    options=g.options,
                    implementation=g.implementation,
                    decision=g.decision,
                    veto_chance=g.veto_chance,
                    scenario_id=spec.label,
                )
            else:
                scenario = load_scenario(spec.name if spec.name is not None else spec.file)  # type: ignore[arg-type]
        except ScenarioError as exc:
            raise TournamentError(
                str(exc), file=tournament.file, path=f"$.scenarios[{n}]"
            ) from None
        out.append(scenario)
    return out


def symmetric_seats(scenario: Scenario) -> tuple[tuple[int, ...], ...]:
    """Groups of seat indexes that are interchangeable, each group in seat order."""

    required = set(scenario.rules.required)
    impl = scenario.implementation
    groups: dict[bytes, list[int]] = {}
    for n, d in enumerate(scenario.delegations):
        if d.id in required:
            key = b"required:" + d.id.encode()
        else:
            terms = impl.parties.get(d.id) if impl is not None else None
            key = msgspec.json.encode((d.weight, d.veto, d.brief, terms))
        groups.setdefault(key, []).append(n)
    return tuple(tuple(g) for g in groups.values())


def seating_count(entries: int, seats: int) -> int:
    """How many ordered seatings there are before symmetry is taken out."""

    return math.perm(entries, seats) if entries >= seats else entries**seats


def all_seatings(entries: Sequence[str], scenario: Scenario) -> list[tuple[str, ...]]:
    """Every seating of ``entries`` on ``scenario``, once up to symmetric seats."""

    seats = len(scenario.seats)
    count = seating_count(len(entries), seats)
    if count > MAX_SEATINGS:
        raise ValueError(
            f"{count} seatings of {len(entries)} entries on the {seats} seats of"
            f' {scenario.id!r} (at most {MAX_SEATINGS}): use format = "sample"'
        )
    groups = [g for g in symmetric_seats(scenario) if len(g) > 1]
    source = (
        permutations(entries, seats) if len(entries) >= seats else product(entries, repeat=seats)
    )
    if not groups:
        return list(source)
    seen: set[tuple[object, ...]] = set()
    out = []
    for seating in source:
        key = _canonical(seating, groups)
        if key not in seen:
            seen.add(key)
            out.append(seating)
    return out


def _canonical(seating: tuple[str, ...], groups: list[tuple[int, ...]]) -> tuple[object, ...]:
    """The seating with each symmetric group's entries sorted: equal for seatings
    that differ only by swaps within groups."""

    canonical = list(seating)
    for group in groups:
        for index, entry in zip(group, sorted(seating[i] for i in group), strict=True):
            canonical[index] = entry
    return tuple(canonical)


def sample_seatings(
    entries: Sequence[str], scenario: Scenario, n: int, rng: random.Random
) -> list[tuple[str, ...]]:
    """``n`` seatings drawn at random, without repeats while there are enough."""

    seats = len(scenario.seats)
    if seating_count(len(entries), seats) <= _ENUMERABLE:
        space = all_seatings(entries, scenario)
        if n <= len(space):
            return rng.sample(space, n)
        return space + [rng.choice(space) for _ in range(n - len(space))]
    if len(entries) >= seats:
        return [tuple(rng.sample(list(entries), seats)) for _ in range(n)]
    return [tuple(rng.choice(entries) for _ in range(seats)) for _ in range(n)]


def plan(tournament: Tournament, scenarios: Sequence[Scenario]) -> list[TalkPlan]:
    """Every talk of an ``all-seatings`` or ``sample`` tournament, in a fixed order."""

    spec = tournament.spec
    if spec.format == "rounds":
        raise ValueError("a rounds tournament is planned round by round (plan_round)")
    talks: list[TalkPlan] = []
    entries = tournament.entry_names
    for s, scenario in enumerate(scenarios):
        try:
            if spec.format == "all-seatings":
                seatings = all_seatings(entries, scenario)
            else:
                rng = random.Random(talk_seed(spec.seed, f"sample-s{s}"))
                seatings = sample_seatings(entries, scenario, spec.sample or 0, rng)
        except ValueError as exc:
            raise TournamentError(
                str(exc), file=tournament.file, path=f"$.scenarios[{s}]"
            ) from None
        for t, seating in enumerate(seatings):
            talks.extend(_series(tournament, s, f"s{s}-t{t}", seating, round_=0))
    return talks


def plan_round(
    tournament: Tournament,
    scenarios: Sequence[Scenario],
    round_: int,
    ranking: Sequence[str] | None = None,
) -> list[TalkPlan]:
    """The talks of round ``round_`` (from 1) of a ``rounds`` tournament.

    With Swiss pairing and a ``ranking`` (entry names, best first), entries sit
    with their neighbours in it; otherwise in a random order. Tables take the
    entries in that order, a table's worth at a time; the last table is made
    up with entries from the start. Within a table the seats are shuffled.
    """

    spec = tournament.spec
    entries = list(tournament.entry_names)
    talks: list[TalkPlan] = []
    for s, scenario in enumerate(scenarios):
        rng = random.Random(talk_seed(spec.seed, f"round-{round_}-s{s}"))
        if spec.pairing == "swiss" and ranking:
            ranked = [e for e in ranking if e in entries]
            order = ranked + [e for e in entries if e not in ranked]
        else:
            order = entries[:]
            rng.shuffle(order)
        seats = len(scenario.seats)
        tables = max(1, math.ceil(len(order) / seats))
        padded = [order[i % len(order)] for i in range(tables * seats)]
        for t in range(tables):
            table = padded[t * seats : (t + 1) * seats]
            rng.shuffle(table)
            talks.extend(
                _series(tournament, s, f"s{s}-R{round_}-T{t}", tuple(table), round_=round_)
            )
    return talks


def _series(
    tournament: Tournament, scenario: int, prefix: str, seating: tuple[str, ...], *, round_: int
) -> list[TalkPlan]:
    spec = tournament.spec
    out = []
    for r in range(spec.repetitions):
        series = f"{prefix}-r{r}"
        for g in range(spec.series):
            talk_id = f"{series}-g{g}"
            out.append(
                TalkPlan(
                    id=talk_id,
                    scenario=scenario,
                    seating=seating,
                    repetition=r,
                    series=series,
                    game=g,
                    seed=talk_seed(spec.seed, talk_id),
                    round=round_,
                )
            )
    return out
