"""The strategy SDK is typed: mypy passes on accord.bots with the project's settings,
and a strategy typed against the SDK checks while a wrong one is reported.

mypy cannot follow ``[tool.setuptools.package-dir]``, so it reads a tree that links
accord/'s modules and the folders protocol/, server/ and bots/ under one ``accord``
package, as they install.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed (it comes with pip install -e '.[test]')",
)

FOLDERS = ("protocol", "server", "bots")
"""Source folders that install as accord.<folder>."""


@pytest.fixture(scope="module")
def typing_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``tree/``: accord as it installs, for mypy to read; ``cache/``: mypy's cache,
    shared by this module's runs."""

    root = tmp_path_factory.mktemp("types")
    package = root / "tree" / "accord"
    package.mkdir(parents=True)
    for module in sorted((ROOT / "accord").glob("*.py")):
        (package / module.name).symlink_to(module)
    for folder in FOLDERS:
        (package / folder).symlink_to(ROOT / folder, target_is_directory=True)
    return root


def mypy(root: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m mypy`` with the project's configuration, accord read from ``root/tree``."""

    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(root / "cache"), *args],
        cwd=cwd, env={**os.environ, "MYPYPATH": str(root / "tree")},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_the_sdk_type_checks(typing_root: Path) -> None:
    # the configuration names what to check (accord.bots) and how strictly
    done = mypy(typing_root, cwd=typing_root / "tree")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout, done.stdout


GOOD = """\
from collections import Counter

from accord.bots import Ballot, Choice, Context, Delegation, Package, TabledPackage, aspiration


class Patient(Delegation):
    \"\"\"Asks for what the others ask for, at a falling target; keeps its word.\"\"\"

    name = "patient"

    def target(self, ctx: Context) -> float:
        return max(aspiration(ctx, 0.5), ctx.reservation)

    def table(self, ctx: Context) -> list[Package]:
        asked = Counter(
            (issue, option)
            for tabled in ctx.history.tabled
            if tabled.seat != ctx.seat
            for issue, option in tabled.package.items()
        )
        good = [p for p in ctx.all_packages() if ctx.utility(p) >= self.target(ctx)]
        if not good:
            return [ctx.package_near(self.target(ctx))]
        return [max(good, key=lambda p: sum(asked[i, o] for i, o in p.items()))]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        return "yes" if ctx.utility(package.package) >= self.target(ctx) else "no"

    def act(self, ctx: Context) -> Choice:
        ctx.note("complying", round=ctx.round)
        return "comply"
"""

WRONG = """\
from accord.bots import Ballot, Context, Delegation, TabledPackage


class Sloppy(Delegation):
    name = "sloppy"

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        return 1

    def act(self, ctx: Context) -> int:
        return 0
"""


def test_a_strategy_typed_against_the_sdk_checks_and_a_wrong_one_is_reported(
    typing_root: Path, tmp_path: Path
) -> None:
    (tmp_path / "patient.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "sloppy.py").write_text(WRONG, encoding="utf-8")

    done = mypy(typing_root, "--strict", "patient.py", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr

    done = mypy(typing_root, "--strict", "sloppy.py", cwd=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    errors = [line for line in output.splitlines() if ": error: " in line]
    assert len(errors) == 2, output
    # vote answers an int where a Ballot is expected; act promises one
    assert errors[0].startswith("sloppy.py:8: error: ") and errors[0].endswith("[return-value]")
    assert "'yes', 'no', 'abstain', 'veto'" in errors[0], output
    assert errors[1].startswith("sloppy.py:10: error: ") and errors[1].endswith("[override]")
    assert "'comply', 'defect'" in errors[1], output
