"""Finding strategies: built-ins, entry-point plugins, module:Class; and the bot CLI."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from accord.bots import registry
from accord.bots.sdk import Delegation
from tests.helpers import ROOT

PLUGIN = textwrap.dedent(
    '''
    from accord.bots.sdk import Delegation, Traits


    class Stubborn(Delegation):
        """Always votes no: a plugin strategy for the tests, found by entry point."""

        name = "stubborn"
        traits = Traits()

        def vote(self, ctx, package):
            return "no"
    '''
)


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed distribution declaring a strategy in the accord.delegations group."""

    (tmp_path / "stubborn_plugin.py").write_text(PLUGIN)
    info = tmp_path / "stubborn_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: stubborn-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[accord.delegations]\nstubborn = stubborn_plugin:Stubborn\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_entry_point_plugins_are_found(plugin: Path) -> None:
    assert registry.available()["stubborn"] == "stubborn_plugin:Stubborn"
    cls = registry.load("stubborn")
    assert issubclass(cls, Delegation) and cls.name == "stubborn"


def test_module_colon_class(plugin: Path) -> None:
    assert registry.load("stubborn_plugin:Stubborn").name == "stubborn"
    assert registry.load("accord.bots.strategies.hardliner:Hardliner").name == "hardliner"


@pytest.mark.parametrize(
    "spec",
    [
        "no-such-strategy",
        "no_such_module:Thing",
        "accord.bots.sdk:Traits",
        "accord.bots.sdk:Missing",
    ],
)
def test_unknown_strategies_are_clear_errors(spec: str) -> None:
    with pytest.raises(registry.UnknownStrategy):
        registry.load(spec)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accord", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bot_list_shows_every_builtin_with_traits() -> None:
    out = run_cli("bot", "list")
    assert out.returncode == 0, out.stderr
    for name in registry.BUILTIN:
        assert name in out.stdout
    assert "traits:" in out.stdout


def test_bot_play_on_a_bundled_scenario_writes_a_verifiable_transcript(tmp_path: Path) -> None:
    transcript = tmp_path / "talk.jsonl"
    out = run_cli(
        "bot",
        "play",
        "adaptive",
        "hardliner",
        "conceder",
        "--scenario",
        "trade-round",
        "--seed",
        "3",
        "--transcript",
        str(transcript),
    )
    assert out.returncode == 0, out.stderr
    assert "Talks concluded" in out.stdout
    verified = run_cli("verify", str(transcript))
    assert verified.returncode == 0 and "verified" in verified.stdout


def test_bot_play_without_a_scenario_generates_one_seat_per_strategy() -> None:
    out = run_cli("bot", "play", "random", "tit-for-tat", "inspector", "--seed", "4")
    assert out.returncode == 0, out.stderr
    first = out.stdout.splitlines()[0]
    assert "s1=random" in first and "s2=tit-for-tat" in first and "s3=inspector" in first
    assert "s4=" not in first


def test_bot_play_unknown_strategy_exits_2() -> None:
    out = run_cli("bot", "play", "nobody")
    assert out.returncode == 2 and "no strategy 'nobody'" in out.stderr


# --- names that agree -------------------------------------------------------------------------

BUILTINS = {**registry.BUILTIN, **registry.BASES}
STRATEGIES_DIR = ROOT / "bots" / "strategies"


def camel_case(name: str) -> str:
    """``tit-for-tat`` → ``TitForTat``."""

    return "".join(word.capitalize() for word in name.split("-"))


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_registry_name_module_file_and_class_agree(name: str) -> None:
    module, _, attr = BUILTINS[name].partition(":")
    stem = name.replace("-", "_")
    assert module == f"accord.bots.strategies.{stem}", (name, module)
    assert (STRATEGIES_DIR / f"{stem}.py").is_file(), name
    assert attr == camel_case(name), (name, attr)
    cls = registry.load(name)
    assert (cls.__module__, cls.__name__) == (module, attr)
    assert cls.name == name


def test_every_strategy_module_is_a_registered_builtin() -> None:
    # a file left behind by a rename would be a second, unregistered copy
    stems = {p.stem for p in STRATEGIES_DIR.glob("*.py")} - {"__init__"}
    assert stems == {name.replace("-", "_") for name in BUILTINS}
    assert not set(registry.BUILTIN) & set(registry.BASES)


def test_time_dependent_is_a_builtin_by_name_and_the_base_of_two_variants() -> None:
    base = registry.load("time-dependent")
    assert registry.available()["time-dependent"] == registry.BASES["time-dependent"]
    for name, exponent in (("conceder", 2.0), ("hardliner", 0.2)):
        variant = registry.load(name)
        assert issubclass(variant, base) and variant.exponent == exponent
    assert base(exponent=0.5).exponent == 0.5
