"""A submitted entry that never returns from a hook (it burns CPU), after leaving
behind a grandchild in a session of its own (it must be killed too)."""

from __future__ import annotations

import os
import sys

from accord.bots import Context, Delegation, Package


class Looper(Delegation):
    """Loops forever in its first tabling hook."""

    name = "looper"

    def __init__(self, *, marker: str = "") -> None:
        self.marker = marker

    def table(self, ctx: Context) -> list[Package]:
        if self.marker and os.fork() == 0:
            # a grandchild that leaves the process group and waits to be found
            os.setsid()
            os.execv(
                sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", self.marker]
            )
        while True:
            pass
