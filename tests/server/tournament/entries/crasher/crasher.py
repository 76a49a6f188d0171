"""A submitted entry whose module raises as it is imported."""

from __future__ import annotations

from accord.bots import Delegation

raise RuntimeError("the crasher crashed at import")


class Crasher(Delegation):  # never reached
    name = "crasher"
