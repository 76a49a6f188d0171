"""A submitted entry that blocks in a hook without using CPU (only the wall clock stops it)."""

from __future__ import annotations

import time

from accord.bots import Context, Delegation


class Sleeper(Delegation):
    """Sleeps in its start hook for as long as it is let."""

    name = "sleeper"

    def on_start(self, ctx: Context) -> None:
        time.sleep(3600)
