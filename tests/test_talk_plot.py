"""``plot_talk``: a picture of one talk from a transcript copy, as PNG or SVG.

Talks are played in-process among built-in strategies and exported for one
reader: the organizer (every brief), a seat (its own brief, and in a secret
ballot only its own votes) or the public (no brief).
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from pathlib import Path

import matplotlib.image
import pytest

import accord.talk_plot as talk_plot
from accord.bots import load, play
from accord.protocol.engine.room import Room
from accord.protocol.engine.transcript import TranscriptLine, export, read
from accord.protocol.engine.visibility import ORGANIZER, SPECTATOR, Viewer
from accord.protocol.events import (
    ActionTaken,
    BallotResult,
    ChallengeResult,
    SanctionImposed,
    VetoCast,
)
from accord.protocol.scenario import bundled_names, load_scenario
from accord.talk_plot import plot_talk, seats_of

LINEUP = ("coalition-builder", "hardliner", "conceder", "free-rider", "inspector", "random")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SEEDS = range(1, 13)
"""Seeds tried, in order, for a talk with the wanted shape."""


def has(kind: type) -> Callable[[Room], bool]:
    return lambda room: any(isinstance(e, kind) for e in room.log)


def agreed(room: Room) -> bool:
    return room.concluded is not None and room.concluded.outcome == "agreement"


def implemented(room: Room) -> bool:
    """An agreement with implementation periods, inspections and a sanction."""

    return agreed(room) and all(
        has(kind)(room) for kind in (ActionTaken, ChallengeResult, SanctionImposed)
    )


def no_deal(room: Room) -> bool:
    return room.concluded is not None and room.concluded.outcome == "no_deal"


# scenario → (lineup, what the talk must show, reader, seats of the utility plane);
# a scenario not listed plays LINEUP, for the organizer
CASES: dict[str, tuple[tuple[str, ...], Callable[[Room], bool], str, tuple[str, str] | None]] = {
    "trade-round": (LINEUP, implemented, "organizer", None),
    "climate-accord": (LINEUP, no_deal, "organizer", ("india", "opec")),
    "six-party-talks": (LINEUP, has(BallotResult), "rok", None),
    "nonproliferation-deal": (LINEUP, agreed, "public", None),
    "security-council": (("veto-player", "hardliner"), has(VetoCast), "organizer", None),
}


@functools.cache
def talk(name: str) -> Room:
    """The first talk on ``name`` (over SEEDS) with the shape its case wants."""

    lineup, wanted, _, _ = CASES.get(name, (LINEUP, has(BallotResult), "organizer", None))
    scenario = load_scenario(name)
    for seed in SEEDS:
        delegations = {s: load(lineup[n % len(lineup)])() for n, s in enumerate(scenario.seats)}
        room = play(scenario, delegations, seed=seed, room_id=f"plot-{name}").room
        if wanted(room):
            return room
    raise AssertionError(f"no talk on {name} with seeds {SEEDS} has the shape the test needs")


def copy_of(room: Room, reader: str) -> list[TranscriptLine]:
    viewer = {"organizer": ORGANIZER, "public": SPECTATOR}.get(reader) or Viewer.of_seat(reader)
    return read(export(room, viewer).splitlines())


def svg_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    ElementTree.fromstring(text)  # well-formed XML
    return text


def check_implementation(room: Room, text: str) -> None:
    """trade-round, organizer: an agreement, its periods, inspections and sanction."""

    assert room.concluded is not None and room.concluded.package_id is not None
    assert f"adopted: {room.concluded.package_id}" in text
    assert "Implementation: detection" in text and "implementation period" in text
    detected = any(isinstance(e, ChallengeResult) and e.detected for e in room.log)
    assert ("inspection: defection detected" in text) == detected
    assert "sanction paid" in text
    assert "Nash point" in text and "Pareto-optimal packages" in text
    assert "Utility plane: us × eu" in text  # by default the two heaviest seats


def check_no_deal(room: Room, text: str) -> None:
    """climate-accord, organizer: no agreement, so no implementation periods."""

    assert "no agreement" in text
    assert "no implementation periods: no package was adopted" in text
    assert "Implementation: detection" not in text
    assert "Utility plane: india × opec" in text  # the seats asked for


def check_secret_seat_copy(room: Room, text: str) -> None:
    """six-party-talks, rok's copy of a secret ballot: the others' votes hidden."""

    assert room.scenario.rules.ballot == "secret"
    assert "hidden in this copy" in text
    assert "others' votes hidden in this copy" in text
    assert "rok" in text and "only its own brief" in text
    assert "not in this copy" in text  # the utility plane needs two briefs


def check_public_copy(room: Room, text: str) -> None:
    """nonproliferation-deal, public: no brief, but votes and actions are public."""

    assert "public copy (no brief)" in text
    assert "no brief in this copy" in text  # support instead of utilities
    assert "Nash point" not in text
    assert "Implementation: detection" in text and "comply" in text


def check_vetoes(room: Room, text: str) -> None:
    """security-council, organizer: vetoes in the ballot matrix."""

    assert "veto" in text and "result: vetoed" in text


CHECKS: dict[str, Callable[[Room, str], None]] = {
    "trade-round": check_implementation,
    "climate-accord": check_no_deal,
    "six-party-talks": check_secret_seat_copy,
    "nonproliferation-deal": check_public_copy,
    "security-council": check_vetoes,
}


@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_scenario_plots_as_png_and_svg(name: str, tmp_path: Path) -> None:
    room = talk(name)
    _, _, reader, seats = CASES.get(name, (LINEUP, None, "organizer", None))
    lines = copy_of(room, reader)

    png = plot_talk(lines, tmp_path / "talk.png", seats=seats)
    assert png == tmp_path / "talk.png"
    assert png.read_bytes()[:8] == PNG_SIGNATURE
    image = matplotlib.image.imread(png)
    height, width, _ = image.shape
    assert width >= 1500 and height >= 900, image.shape
    assert image[..., :3].std() > 0.05  # drawn on, not a blank page

    text = svg_text(plot_talk(lines, tmp_path / "talk.svg", seats=seats))
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    # the title: scenario, outcome, rounds and the first 12 hex of the head hash
    assert room.scenario.title in text
    assert room.chain.head[:12] in text
    assert room.concluded is not None
    assert f"after {room.concluded.rounds} round(s)" in text
    outcome = room.concluded.outcome
    assert ("agreement on" if outcome == "agreement" else "no agreement") in text
    for seat in room.seats:
        assert seat in text
    CHECKS.get(name, lambda room, text: None)(room, text)


def test_svg_is_the_same_bytes_for_the_same_transcript(tmp_path: Path) -> None:
    lines = copy_of(talk("six-party-talks"), "organizer")
    first = plot_talk(lines, tmp_path / "a.svg").read_bytes()
    second = plot_talk(lines, tmp_path / "other-name.svg").read_bytes()
    assert first == second
    # the organizer's copy of a secret ballot shows every vote
    assert b"secret ballot: every vote shown" in first and b"hidden in this copy" not in first


def test_large_spaces_skip_the_frontier_and_many_packages_become_bars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = talk("trade-round")
    monkeypatch.setattr(talk_plot, "FRONTIER_LIMIT", room.scenario.outcome_count - 1)
    monkeypatch.setattr(talk_plot, "MATRIX_PACKAGES", 3)
    text = svg_text(plot_talk(copy_of(room, "organizer"), tmp_path / "t.svg"))
    assert "frontier and Nash point skipped" in text
    assert "Nash point" not in text.replace("frontier and Nash point skipped", "")
    assert "too many for one column each" in text


@pytest.mark.parametrize("name", ["talk.jpg", "talk", "talk.svg.txt"])
def test_an_unknown_suffix_is_refused(name: str, tmp_path: Path) -> None:
    lines = copy_of(talk("trade-round"), "organizer")
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        plot_talk(lines, tmp_path / name)
    assert not (tmp_path / name).exists()


def test_unknown_seats_are_refused_naming_the_seats(tmp_path: Path) -> None:
    lines = copy_of(talk("trade-round"), "organizer")
    assert seats_of(lines) == talk("trade-round").scenario.seats
    with pytest.raises(ValueError, match="no seat 'nobody'.*us, eu, china"):
        plot_talk(lines, tmp_path / "t.svg", seats=("nobody", "us"))
    with pytest.raises(ValueError, match="two different seats"):
        plot_talk(lines, tmp_path / "t.svg", seats=("us", "us"))
    assert not (tmp_path / "t.svg").exists()


def test_a_transcript_must_start_with_talks_opened(tmp_path: Path) -> None:
    lines = copy_of(talk("trade-round"), "organizer")
    with pytest.raises(ValueError, match="talks_opened"):
        plot_talk(lines[1:], tmp_path / "t.svg")
    with pytest.raises(ValueError, match="empty"):
        plot_talk([], tmp_path / "t.svg")


def test_accord_talk_plot_on_the_command_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    from accord.bots import load, play
    from accord.protocol.engine.transcript import export
    from accord.protocol.scenario import load_scenario
    from tests.helpers import ROOT

    scenario = load_scenario("trade-round")
    talk = play(scenario, {s: load("conceder")() for s in scenario.seats}, seed=2)
    transcript = tmp_path / "talk.jsonl"
    transcript.write_bytes(export(talk.room))

    def accord(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "accord", "talk", "plot", *args],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    done = accord(str(transcript), "-o", str(tmp_path / "t.png"), "--seats", "india,g90")
    assert done.returncode == 0, done.stderr
    assert f"plot written to {tmp_path / 't.png'}" in done.stdout
    assert (tmp_path / "t.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    bad_seats = accord(str(transcript), "-o", str(tmp_path / "t.png"), "--seats", "india,nobody")
    assert bad_seats.returncode == 2 and "this talk's seats: us, eu, china" in bad_seats.stderr
    bad_suffix = accord(str(transcript), "-o", str(tmp_path / "t.gif"))
    assert bad_suffix.returncode == 2 and "must end in .png or .svg" in bad_suffix.stderr
    missing = accord(str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "t.png"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr
