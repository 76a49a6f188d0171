"""A submitted entry that allocates memory without bound."""

from __future__ import annotations

from accord.bots import Context, Delegation, Package


class Hog(Delegation):
    """Allocates a MiB after another in its first tabling hook, touching every page."""

    name = "hog"

    def table(self, ctx: Context) -> list[Package]:
        hoard = []
        while True:
            hoard.append(bytearray(b"x" * 2**20))
