"""A well-behaved submitted entry: the built-in conceder, shipped as a package."""

from __future__ import annotations

from accord.bots.strategies.conceder import Conceder


class Polite(Conceder):
    """The conceder under another name."""

    name = "polite"
