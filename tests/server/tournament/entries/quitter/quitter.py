"""A submitted entry that plays the first tabling phase, then exits mid-talk."""

from __future__ import annotations

import os
import sys

from accord.bots import Ballot, Context, Delegation, Package, TabledPackage


class Quitter(Delegation):
    """Tables its best package, then leaves the process at its first vote."""

    name = "quitter"

    def table(self, ctx: Context) -> list[Package]:
        return [ctx.best_package()]

    def vote(self, ctx: Context, package: TabledPackage) -> Ballot:
        sys.stderr.write("quitter: leaving the table\n")
        sys.stderr.flush()
        os._exit(7)
