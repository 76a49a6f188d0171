"""docs/bots.md keeps its promises: the tutorial's strategy beats the hardliner,
its commands run, and the reference covers every hook, every Context member
and every built-in strategy."""

from __future__ import annotations

import os
import random
import re
import shlex
import subprocess
import sys
from pathlib import Path
from statistics import mean

import pytest

from accord.bots import registry
from accord.bots.context import Context
from accord.bots.sdk import Delegation, Traits
from accord.protocol.scenario import load_scenario
from tests.helpers import ROOT

GUIDE = ROOT / "docs" / "bots.md"
EXAMPLES = ROOT / "docs" / "examples"
EXAMPLE = EXAMPLES / "my_strategy.py"
SCENARIO = "trade-round"


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    """The fenced code blocks of the guide in ``language``, in order."""

    return [
        code for lang, code in re.findall(r"```(\w+)\n(.*?)```", guide(), re.S) if lang == language
    ]


def compare_script() -> str:
    (script,) = [code for code in blocks("python") if code.startswith("# compare.py")]
    return script


def accord_command() -> list[str]:
    """The installed ``accord`` script next to this interpreter, else ``python -m accord``."""

    script = Path(sys.executable).with_name("accord")
    return [str(script)] if script.exists() else [sys.executable, "-m", "accord"]


# --- the tutorial ----------------------------------------------------------------------------


def test_the_example_strategy_beats_the_hardliner(monkeypatch, capsys) -> None:
    """Run the guide's compare.py, as the tutorial does, on docs/examples/my_strategy.py."""

    script = compare_script()
    assert f'load_scenario("{SCENARIO}")' in script
    assert "range(1, 11)" in script  # a fixed set of seeds
    monkeypatch.syspath_prepend(str(EXAMPLES))
    sys.modules.pop("my_strategy", None)
    namespace: dict[str, object] = {"__name__": "compare"}
    try:
        exec(compile(script, "compare.py", "exec"), namespace)
    finally:
        module = sys.modules.pop("my_strategy", None)
    assert module is not None and Path(module.__file__).resolve() == EXAMPLE.resolve()
    scores = namespace["scores"]
    assert isinstance(scores, dict)
    mine, hardliner = mean(scores["mine"]), mean(scores["hardliner"])
    assert len(scores["mine"]) == len(scores["hardliner"]) == 10 * 2 * 3  # seeds × seatings × seats
    assert mine > hardliner, (mine, hardliner)
    printed = capsys.readouterr().out
    assert f"mine       mean normalised score {mine:.3f}" in printed
    assert f"hardliner  mean normalised score {hardliner:.3f}" in printed


def test_the_guide_shows_the_example_file_in_full() -> None:
    assert EXAMPLE.read_text(encoding="utf-8") in blocks("python")


def tutorial_play_command() -> list[str]:
    """The tutorial's ``accord bot play`` command line, without its PYTHONPATH prefix."""

    prefix = "PYTHONPATH=. accord bot play my_strategy:MyDelegation"
    lines = [
        line.strip()
        for code in blocks("sh")
        for line in code.splitlines()
        if line.strip().startswith(prefix)
    ]
    assert lines, "the tutorial shows no `accord bot play my_strategy:MyDelegation` command"
    words = shlex.split(lines[0])
    assert words[:2] == ["PYTHONPATH=.", "accord"]
    assert "--scenario" in words and SCENARIO in words
    return words[2:]


def run_in_examples(args: list[str], *, pythonpath: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run(
        accord_command() + args,
        cwd=EXAMPLES,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tutorial_play_command_runs() -> None:
    out = run_in_examples(tutorial_play_command(), pythonpath=".")
    assert out.returncode == 0, out.stderr
    assert "us=my-delegation, eu=hardliner" in out.stdout
    assert "Talks concluded" in out.stdout
    # no hook failures or refused commands ("! ..." lines)
    assert not [line for line in out.stderr.splitlines() if line.startswith("!")], out.stderr


def test_without_pythonpath_the_module_is_not_found_as_documented() -> None:
    out = run_in_examples(tutorial_play_command(), pythonpath=None)
    assert out.returncode == 2
    message = (
        "error: no module 'my_strategy' to import 'my_strategy:MyDelegation' from"
        " (run from the folder that holds it, or put that folder on PYTHONPATH)"
    )
    assert message in out.stderr
    assert message in guide()


# --- the reference ---------------------------------------------------------------------------


def builtins() -> dict[str, str]:
    """The built-in strategies among those ``accord.bots.registry.available()`` lists."""

    return {
        name: path
        for name, path in registry.available().items()
        if registry.BUILTIN.get(name) == path
    }


def test_every_builtin_strategy_is_in_the_guide() -> None:
    text = guide()
    found = builtins()
    assert set(found) == set(registry.BUILTIN)
    for name, path in found.items():
        rows = [line for line in text.splitlines() if line.startswith(f"| `{name}` |")]
        assert rows, f"docs/bots.md has no table row for the built-in strategy {name!r}"
        cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
        assert cells[1] == f"`{path}`", (name, cells[1])
        cls = registry.load(path)
        traits = {t for t in Traits.__struct_fields__ if getattr(cls.traits, t)}
        shown = {t.strip() for t in cells[-1].split(",")} - {"none"}
        assert shown == traits, (name, shown, traits)


HOOKS = ("on_start", "table", "vote", "act", "challenge", "on_event")


def test_every_hook_is_documented() -> None:
    text = guide()
    public = {n for n, v in vars(Delegation).items() if callable(v) and not n.startswith("_")}
    assert public == set(HOOKS)
    for hook in HOOKS:
        assert f"`{hook}(ctx" in text, hook


def test_every_context_member_is_documented() -> None:
    scenario = load_scenario(SCENARIO)
    ctx = Context(seat=scenario.seats[0], scenario=scenario, rng=random.Random(0))
    members = {n for n in dir(ctx) if not n.startswith("_")}
    text = guide()
    missing = sorted(m for m in members if f"`{m}`" not in text and f"`{m}(" not in text)
    assert not missing, f"Context members missing from docs/bots.md: {missing}"
    history = {n for n in dir(ctx.history) if not n.startswith("_") and n != "add"}
    missing = sorted(m for m in history if f"`{m}`" not in text and f"`{m}(" not in text)
    assert not missing, f"History members missing from docs/bots.md: {missing}"


@pytest.mark.parametrize("trait", Traits.__struct_fields__)
def test_every_trait_is_documented(trait: str) -> None:
    assert f"| `{trait}` |" in guide()
