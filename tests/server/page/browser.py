"""Helpers for the web page's tests: Debian's chromium driven by playwright, the
scenarios the tests play, bots at the other seats, and screenshots.

The browser is the system's chromium (``playwright install`` is never used). Without
it the page tests skip, unless ``ACCORD_REQUIRE_BROWSER=1`` (CI), where they fail.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from accord.bots.sdk import Delegation
from accord.bots.websocket import BotClient

SCREEN = {"width": 1440, "height": 900}
"""A laptop's screen: what the page must read well on."""


def chromium_path() -> str:
    """The system chromium, or skip (fail under ``ACCORD_REQUIRE_BROWSER=1``)."""

    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    reason = "no chromium on PATH: the web page's browser tests need Debian's chromium (apt-get install chromium)"
    if os.environ.get("ACCORD_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + "; ACCORD_REQUIRE_BROWSER=1 requires it")
    pytest.skip(reason)


def talk_scenario(**overrides: Any) -> dict[str, Any]:
    """Three seats: ``north`` (Northland, weight 2, a veto; the person's in the tests),
    ``east`` and ``south`` (weight 1 each).

    ``east`` wants what ``north`` wants: the package (60 %, on-site, fine) is the best of
    both, so a conceder at that seat votes yes on it; ``south`` wants the opposite. Under
    a qualified majority of 60 % of the weight (2.4 of 4), ``north`` and ``east`` together
    adopt a package. One implementation period, in which a free rider defects (its
    expected sanction is below its gain) and an inspection under on-site checks finds it.
    """

    issues = [
        {"id": "cut", "title": "Emission cut", "options": ["20", "40", "60"], "unit": "%"},
        {
            "id": "checks",
            "title": "Inspections",
            "kind": "verification",
            "options": ["none", "on-site"],
        },
        {"id": "fines", "title": "Sanctions", "kind": "enforcement", "options": ["none", "fine"]},
    ]
    keen = {
        "weights": {"cut": 0.5, "checks": 0.3, "fines": 0.2},
        "values": {"cut": [0.0, 0.6, 1.0], "checks": [0.0, 1.0], "fines": [0.0, 1.0]},
        "reservation": 0.4,
    }
    scenario: dict[str, Any] = {
        "id": "page-talk",
        "title": "A three-party emissions accord",
        "description": "Two keen parties and a reluctant one negotiate a cut, its inspections and its fines.",
        "issues": issues,
        "delegations": [
            {
                "id": "north",
                "name": "Northland",
                "weight": 2,
                "veto": True,
                "brief": {**keen, "notes": "Hold out for the deep cut, with checks that bite."},
            },
            {"id": "east", "name": "Eastmark", "weight": 1, "veto": False, "brief": keen},
            {
                "id": "south",
                "name": "Southport",
                "weight": 1,
                "veto": False,
                "brief": {
                    "weights": {"cut": 0.5, "checks": 0.3, "fines": 0.2},
                    "values": {"cut": [1.0, 0.5, 0.0], "checks": [1.0, 0.0], "fines": [1.0, 0.0]},
                    "reservation": 0.2,
                },
            },
        ],
        "rules": {
            "decision": "qualified",
            "threshold": 0.6,
            "vetoes": True,
            "max_rounds": 3,
            "proposals_per_round": 1,
            "ballot": "open",
            "time_limits": {"tabling": 40, "ballot": 40, "action": 40, "verification": 40},
        },
        "implementation": {
            "periods": 1,
            "inspection_cost": 0.05,
            "challenge_quota": 1,
            "detection": {"checks": [0.0, 1.0]},
            "sanction": {"fines": [0.0, 0.1]},
            "parties": {
                seat: {"comply_cost": 0.05, "defect_gain": 0.3, "harm": 0.05}
                for seat in ("north", "east", "south")
            },
        },
    }
    scenario.update(overrides)
    return scenario


BEST = {"cut": "60", "checks": "on-site", "fines": "fine"}
"""The package ``north`` and ``east`` both value most in :func:`talk_scenario`."""

MARKUP = {
    "title": '<script>alert("title")</script>Accord <b>& co</b>',
    "name": "<img src=x onerror=alert(2)>Westria",
    "description": "<u>underlined</u> & <i>italic</i> text",
    "issue": "<b>Emission</b> cut",
    "label": "<u>deep</u> cut",
    "notes": "<script>alert('notes')</script>keep calm",
}
"""Markup in every text a scenario carries: the page must show each as text."""


def markup_scenario() -> dict[str, Any]:
    """:func:`talk_scenario` with markup in its title, a name, its description, an
    issue's title, an option's label and a brief's notes."""

    scenario = talk_scenario(title=MARKUP["title"], description=MARKUP["description"])
    scenario["id"] = "page-markup"
    scenario["issues"][0] = {
        **scenario["issues"][0],
        "title": MARKUP["issue"],
        "labels": ["20 %", "40 %", MARKUP["label"]],
    }
    delegations = scenario["delegations"]
    delegations[0] = {
        **delegations[0],
        "brief": {**delegations[0]["brief"], "notes": MARKUP["notes"]},
    }
    delegations[1] = {**delegations[1], "name": MARKUP["name"]}
    return scenario


class Bots:
    """Bots over real websockets at some seats; ``async with`` runs and stops them."""

    def __init__(
        self, url: str, seats: dict[str, tuple[type[Delegation], str]], *, seed: int = 1
    ) -> None:
        self.clients = {
            seat: BotClient(factory, url, token, seed=seed)
            for seat, (factory, token) in seats.items()
        }
        self.tasks: list[asyncio.Task[Any]] = []

    async def __aenter__(self) -> Bots:
        self.tasks = [asyncio.ensure_future(c.run()) for c in self.clients.values()]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self.clients.values():
            await client.stop()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float = 15.0, what: str = ""
) -> None:
    """Until ``check()`` is true (polled), or fail naming ``what``."""

    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(0.05)


async def screenshot(
    page: Any, tmp_path: Path, name: str, *, element: str | None = None, full_page: bool = False
) -> Path:
    """A PNG of the page (or one element) in ``tmp_path``, and also in the directory
    ``ACCORD_SCREENSHOTS`` names, if set (the docs' pictures come from there)."""

    path = tmp_path / name
    target = page.locator(element) if element else page
    kwargs: dict[str, Any] = {} if element else {"full_page": full_page}
    await target.screenshot(path=str(path), **kwargs)
    assert path.stat().st_size > 1000, f"{name} is empty"
    extra = os.environ.get("ACCORD_SCREENSHOTS")
    if extra:
        out = Path(extra)
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out / name)
    return path


class PageWatch:
    """Records what must never happen on a page: a dialog (a script that ran), an
    uncaught error, an error in the console."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)

    async def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        await dialog.dismiss()

    def _console(self, message: Any) -> None:
        # a refused fetch while the server restarts is logged by the browser itself
        if (
            message.type == "error"
            and "Failed to load resource" not in message.text
            and "ERR_CONNECTION_REFUSED" not in message.text
            and "WebSocket connection" not in message.text
        ):
            self.errors.append(f"console: {message.text}")

    def assert_clean(self, allow: Iterable[str] = ()) -> None:
        assert self.dialogs == [], self.dialogs
        errors = [e for e in self.errors if not any(a in e for a in allow)]
        assert errors == [], errors
