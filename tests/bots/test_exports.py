"""One front door: ``from accord.bots import ...`` gives a strategy everything it needs."""

from __future__ import annotations

import re

import accord.bots
import accord.protocol.commands as commands
from tests.helpers import ROOT

EXPECTED = {
    # writing a delegation
    "Delegation", "Traits", "Context", "TabledPackage", "History", "PublicRecord",
    "Record", "Ranking", "Ballot", "Vote", "Choice", "Package", "remember", "stakes",
    # building blocks
    "Aspiration", "aspiration", "package_near", "utilities", "expected_sanction",
    "defection_pays", "inspection_chance", "OpponentModel", "ValueRanking",
    # playing
    "play", "LocalTalk", "Rejection", "HookFailure", "Tables", "BotClient", "RoomPlay",
    "run_bot", "load", "available", "UnknownStrategy", "load_scenario",
    # developing: replaying a strategy on a recorded talk
    "replay", "Replay", "Decision", "ReplayError",
    # reputation across talks
    "record_from_log", "records_from_log", "combine", "series_reputation", "suspicion",
}  # fmt: skip


def test_the_front_door_exports_exactly_what_it_says() -> None:
    assert set(accord.bots.__all__) == EXPECTED
    assert len(accord.bots.__all__) == len(set(accord.bots.__all__))
    for name in accord.bots.__all__:
        assert getattr(accord.bots, name) is not None, name


def test_the_vote_types_are_defined_once_in_the_protocol() -> None:
    assert accord.bots.Ballot is commands.Ballot
    assert accord.bots.Choice is commands.Choice
    assert accord.bots.Vote is commands.Vote
    assert accord.bots.Package is commands.Package
    found = []
    for path in [*(ROOT / "protocol").rglob("*.py"), *(ROOT / "bots").rglob("*.py")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.match(r"^(Vote|Ballot|Choice)\s*=\s*Literal", line):
                found.append(f"{path.relative_to(ROOT)}: {line}")
    assert len(found) == 3 and all(f.startswith("protocol/commands.py") for f in found), found


def test_the_guide_and_the_examples_import_only_the_front_door() -> None:
    texts = {
        "docs/bots.md": (ROOT / "docs" / "bots.md").read_text(encoding="utf-8"),
        **{
            str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
            for p in (ROOT / "docs" / "examples").glob("*.py")
        },
    }
    for name, text in texts.items():
        imports = re.findall(r"^\s*from (accord\.bots[\w.]*|bots[\w.]*) import", text, re.M)
        assert imports, name
        assert set(imports) == {"accord.bots"}, (name, imports)
