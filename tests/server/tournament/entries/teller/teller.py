"""An entry that says, in its first tabling phase, the reputation its context shows."""

from __future__ import annotations

import json

import msgspec

from accord.bots import Context, Delegation, Package


class Teller(Delegation):
    """Reports ``ctx.reputation`` in a public statement, then passes."""

    name = "teller"

    def __init__(self) -> None:
        self.told = False

    def table(self, ctx: Context) -> list[Package]:
        if not self.told:
            self.told = True
            records = {seat: msgspec.to_builtins(r) for seat, r in sorted(ctx.reputation.items())}
            ctx.say("reputation " + json.dumps(records, sort_keys=True))
        return []
