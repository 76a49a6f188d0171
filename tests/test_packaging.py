"""The wheel installs accord under one namespace, beside any other top-level package.

Built from this checkout, installed into a fresh virtual environment together
with a distribution that owns a top-level ``server`` package (a name accord's
folders used to install under): both import, and so does every module of
accord.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*argv: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


FOLDERS = {"accord": "accord", "protocol": "accord.protocol", "server": "accord.server",
           "bots": "accord.bots"}  # fmt: skip
"""Source folder → the package it installs as."""


def source_modules() -> set[str]:
    """Every module of the source folders, named as installed."""

    names = set()
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if "node_modules" in parts or parts[-1] == "__main__":
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.add(".".join((package, *parts)))
    return names


def clean_copy(into: Path) -> Path:
    """The checkout's sources without build output, caches or environments (a stale
    ``build/`` would otherwise put files into the wheel that the sources lack)."""

    skip = shutil.ignore_patterns(
        "build", "dist", "*.egg-info", ".venv", ".git", "node_modules", "__pycache__"
    )
    shutil.copytree(ROOT, into, ignore=skip)
    return into


def test_the_wheel_installs_beside_a_distribution_that_owns_server(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    source = clean_copy(tmp_path / "source")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", wheels, source)  # fmt: skip
    squatter = tmp_path / "squatter"
    (squatter / "server").mkdir(parents=True)
    (squatter / "server" / "__init__.py").write_text('OWNER = "squatter"\n')
    (squatter / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [build-system]
            requires = ["setuptools>=68"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "squatter"
            version = "1.0"

            [tool.setuptools]
            packages = ["server"]
            """
        )
    )
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", wheels, squatter)  # fmt: skip
    built = sorted(p.name for p in wheels.glob("*.whl"))
    assert len(built) == 2 and built[0].startswith("accord-"), built
    with zipfile.ZipFile(wheels / built[0]) as wheel:
        files = set(wheel.namelist())
    # PEP 561 markers: type checkers read the installed SDK's annotations
    for marker in ("accord/py.typed", "accord/bots/py.typed", "accord/protocol/py.typed"):
        assert marker in files, sorted(f for f in files if not f.endswith(".py"))

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "-c", ROOT / "constraints.txt",
        *sorted(wheels.glob("*.whl")))  # fmt: skip
    listing = run(
        python,
        "-c",
        textwrap.dedent(
            """\
            import importlib, pkgutil
            import accord, server
            assert server.OWNER == "squatter", server.__file__
            walked = pkgutil.walk_packages(accord.__path__, "accord.")
            names = [m.name for m in walked if not m.name.endswith("__main__")]  # a script
            for name in names:
                if name == "accord.bots.pettingzoo_env":  # needs the rl extra: says so
                    try:
                        importlib.import_module(name)
                    except ImportError as exc:
                        assert "accord[rl]" in str(exc), exc
                    else:
                        raise AssertionError("imported without pettingzoo")
                    continue
                importlib.import_module(name)
            from accord.bots import Delegation, play
            from accord.protocol.scenario import bundled_names, load_scenario
            assert len(bundled_names()) >= 5 and load_scenario("climate-accord")
            from accord.protocol.contract import markdown
            assert markdown().startswith("# The accord protocol")
            print("\\n".join(names))
            """
        ),
        cwd=tmp_path,  # not the checkout: only what was installed
    )
    modules = {"accord", *listing.split()}  # the root was imported first
    # every module of the sources was installed (a subpackage missing from
    # pyproject.toml's list would be left out of the wheel) and imports
    assert source_modules() - modules == set()
    for name in ("accord.cli", "accord.protocol.engine.room", "accord.server.app",
                 "accord.server.store.sqlite", "accord.protocol.analysis.pareto"):  # fmt: skip
        assert name in modules
    assert not any(m.split(".")[0] in ("protocol", "server", "bots") for m in modules)
    help_text = run(venv / "bin" / "accord", "--help", cwd=tmp_path)
    assert "Multilateral talks" in help_text
    assert "accord" in run(python, "-m", "accord", "--help", cwd=tmp_path)
