"""What the analysis of a scenario's outcome space reports: msgspec structs.

:class:`Analysis` is the whole report (what ``accord scenario analyze --json``
prints); it holds :class:`Point` s (a package and every seat's utility of it),
one :class:`SeatReport` per seat and, for scenarios with an implementation
phase, an :class:`ImplementationReport` with its :class:`Regime` s.
"""

from __future__ import annotations

import msgspec

__all__ = ["Analysis", "ImplementationReport", "Point", "Regime", "SeatReport"]


class _Struct(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class Point(_Struct, kw_only=True):
    """One package (issue id -> option id) and every seat's utility of it."""

    package: dict[str, str]
    utilities: dict[str, float]


class SeatReport(_Struct, kw_only=True):
    """One seat's position in the outcome space."""

    seat: str
    reservation: float
    best: float
    """Highest utility any package gives this seat."""
    worst: float
    """Lowest utility any package gives this seat."""
    above_reservation: int
    """Packages whose utility is strictly above the reservation."""
    share_above_reservation: float
    """``above_reservation`` as a share of the outcome space."""


class Regime(_Struct, kw_only=True):
    """One combination of options on the verification and enforcement issues."""

    options: dict[str, str]
    detection: float
    """Chance that one inspection detects a defection."""
    sanction: float
    """What a detected defection costs."""
    expected_sanction: float
    """``detection * sanction``: the expected cost of defecting when inspected once."""
    defection_pays: dict[str, bool]
    """Per seat: ``defect_gain + comply_cost > expected_sanction``."""
    self_enforcing: bool
    """Defecting pays for no seat."""


class ImplementationReport(_Struct, kw_only=True):
    """Deterrence under each regime, assuming one inspection per seat and period."""

    issues: tuple[str, ...]
    """The verification and enforcement issues that set detection or sanction."""
    temptation: dict[str, float]
    """Per seat: what one period of defection is worth (defect gain + comply cost)."""
    regime_count: int
    """Number of option combinations on ``issues``."""
    self_enforcing_count: int
    """Combinations under which defecting pays for no seat."""
    regimes: tuple[Regime, ...]
    """The combinations, in agenda order (at most ``max_regimes`` of them)."""


class Analysis(_Struct, kw_only=True):
    """What :func:`~accord.protocol.analysis.analyze` finds; encodable with ``msgspec.json.encode``."""

    scenario: str
    seats: tuple[str, ...]
    packages: int
    """Size of the outcome space (product of the issues' option counts)."""
    pareto_size: int
    """Packages on the Pareto frontier (packages with equal utility vectors count apart)."""
    pareto_sample: tuple[Point, ...]
    """A few frontier packages, highest utility sum first."""
    nash: Point | None
    """Maximises the product of gains over reservation among packages every seat
    weakly prefers to no deal; ``None`` if there is no such package."""
    nash_product: float | None
    utilitarian: Point
    """Maximises the sum of utilities (``math.fsum``, correctly rounded)."""
    utilitarian_sum: float
    passing: int
    """Packages that pass the decision rule when every seat votes yes exactly
    when its utility beats its reservation, and that no veto holder vetoes
    (a veto holder vetoes when its utility is below its reservation)."""
    acceptable_to_all: int
    """Packages that every seat strictly prefers to no deal."""
    seat_reports: tuple[SeatReport, ...]
    implementation: ImplementationReport | None = None
