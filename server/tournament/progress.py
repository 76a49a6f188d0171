"""The progress of a tournament run: a rich progress bar, or nothing (``--quiet``).

The bar shows talks done of the total (the talks a resumed run found stored
count as done), the rate of this run in talks per second, the time left, and
the current leader by mean tournament score so far.
"""

from __future__ import annotations

from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

__all__ = ["BarProgress", "QuietProgress", "RunProgress"]


class RunProgress(Protocol):
    """What the runner tells about its progress."""

    def start(self, title: str, total: int, done: int) -> None:
        """The run begins: ``done`` of ``total`` talks are stored already."""

    def update(self, done: int, leader: str) -> None:
        """``done`` talks are stored now; ``leader`` says who leads (may be empty)."""

    def note(self, text: str) -> None:
        """A short status (stopping, waiting for the last round...)."""

    def stop(self) -> None:
        """The run ends (the bar stays on screen as it last was)."""


class QuietProgress:
    """Shows nothing."""

    def start(self, title: str, total: int, done: int) -> None:
        pass

    def update(self, done: int, leader: str) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def stop(self) -> None:
        pass


class _Rate(ProgressColumn):
    """Talks per second of this run (rich's estimate over the last 30 seconds)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text("– talks/s", style="progress.data.speed")
        return Text(f"{speed:,.1f} talks/s", style="progress.data.speed")


class BarProgress:
    """A rich progress bar on ``console`` (stderr by default, so stdout keeps the summary)."""

    def __init__(self, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("talks"),
            _Rate(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[leader]}"),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._task: int | None = None

    def start(self, title: str, total: int, done: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task(title, total=total, completed=done, leader="")

    def update(self, done: int, leader: str) -> None:
        if self._task is not None:
            shown = f"leader: {leader}" if leader else ""
            self._progress.update(self._task, completed=done, leader=shown)

    def note(self, text: str) -> None:
        if self._task is not None:
            self._progress.update(self._task, leader=text)

    def stop(self) -> None:
        self._progress.stop()
