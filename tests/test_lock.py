"""constraints.txt pins every requirement pyproject.toml declares, within its bounds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _name(name: str) -> str:
    """PEP 503 normal form: lowercase, runs of ``-``, ``_`` and ``.`` become ``-``."""

    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]
    ]


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for number, raw in enumerate(
        (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines(), 1
    ):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;=]+)", line)
        assert match, f"constraints.txt:{number} is not `name==version`: {raw!r}"
        name = _name(match[1])
        assert name not in pins, f"constraints.txt pins {name} twice"
        pins[name] = match[2]
    return pins


def test_constraints_pin_only_exact_versions_and_not_accord() -> None:
    pins = _pins()
    assert pins
    assert "accord" not in pins
    for version in pins.values():
        Version(version)  # raises on anything that is not a version


def test_every_declared_requirement_is_pinned_within_its_bounds() -> None:
    pins = _pins()
    requirements = _requirements()
    # uvloop carries a platform marker; the lock still pins it for the platforms that use it.
    assert any(r.marker is not None for r in requirements)
    missing = [str(r) for r in requirements if _name(r.name) not in pins]
    assert not missing, f"constraints.txt lacks a pin for {missing}"
    outside = {
        str(r): pins[_name(r.name)]
        for r in requirements
        if not r.specifier.contains(pins[_name(r.name)], prereleases=True)
    }
    assert not outside, f"pins outside pyproject.toml's bounds: {outside}"
