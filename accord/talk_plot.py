"""A picture of one talk, drawn from a transcript copy (``accord talk plot``).

:func:`plot_talk` draws, in the manner of NegMAS's mechanism plots:

- each seat's utility of every tabled package over the rounds, the seat's
  own packages marked apart and its reservation dashed;
- the utility plane of two seats: the outcome space, the Pareto frontier of
  the scenario projected onto the two seats, the Nash point, every tabled
  package and the adopted one;
- the ballots: each seat's vote (yes, no, abstain, timeout, veto, or hidden in
  a secret ballot) on each package put to the vote, and each package's result;
- the implementation periods: each seat's comply/defect choice per period,
  the inspections (who inspected whom, detected or not) and the sanctions.

A copy shows what its reader may see: the organizer's every brief, a seat's
only its own, the public copy none. What a copy lacks (utilities, the
frontier, secret votes) is left out and the figure says so. The output is a
PNG or an SVG; the SVG is the same bytes for the same transcript.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import matplotlib
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm, ListedColormap, to_hex
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle

from accord.protocol.analysis.bargaining import nash_point
from accord.protocol.analysis.pareto import pareto_frontier
from accord.protocol.engine.transcript import TranscriptLine
from accord.protocol.events import (
    ActionTaken,
    BallotResult,
    ChallengeResult,
    NoAgreement,
    PackageAdopted,
    PackageResult,
    PhaseStarted,
    ProposalTabled,
    ProposalWithdrawn,
    SanctionImposed,
    TalksConcluded,
    TalksOpened,
    Timeout,
    VetoCast,
    VoteCast,
)
from accord.protocol.scenario.model import Scenario
from accord.protocol.scenario.utility import UtilityFunction

FORMATS = {".png": "png", ".svg": "svg"}
"""File suffix → output format."""

FRONTIER_LIMIT = 200_000
"""Outcome spaces larger than this get no frontier, Nash point or outcome cloud
(the frontier of a million packages takes seconds to minutes)."""

CLOUD_POINTS = 20_000
"""Distinct outcome points drawn in the utility plane at most (an even sample beyond)."""

MATRIX_PACKAGES = 150
"""Up to this many packages put to the vote the ballots are a seat × package
matrix; beyond, stacked bars per round."""

LABELLED_COLUMNS = 60
"""Up to this many packages each matrix column is labelled with its package id."""

ARROWS = 200
"""Inspections drawn as arrows at most; beyond, only their targets are marked."""

LINED_SEATS = 10
"""Up to this many seats each seat's utilities are joined by a line; beyond, only marked."""

LEGEND_SEATS = 24
"""Seats named in the figure's legend at most."""

DPI = 110

# vote categories, in legend order
_VOTE_COLORS = {
    "yes": "#2e9e5b",
    "no": "#d64541",
    "abstain": "#c9ced6",
    "timeout": "#efe3bf",
    "veto": "#4a235a",
    "hidden": "#7f8fa6",
    "not voted": "#f4f5f7",
    "withdrawn": "#e6e9ee",
}
_VOTE_LABELS = {
    "yes": "yes",
    "no": "no",
    "abstain": "abstain",
    "timeout": "timeout (abstain)",
    "veto": "veto",
    "hidden": "hidden in this copy",
    "not voted": "not voted",
    "withdrawn": "withdrawn",
}
# ballot results, drawn in the matrix's top row
_RESULT_COLORS = {
    "adopted": "#1b6b3a",
    "passed": "#8fd19e",
    "failed": "#f5d5d0",
    "vetoed": "#c7a6dc",
}
_ACTION_COLORS = {"comply": "#cdebd6", "defect": "#e8868a", "unknown": "#e3e6eb"}
_DETECTED = "#b03a2e"
_MISSED = "#5d6d7e"
_TEXT = "#1d2330"
_MUTED = "#5f6b7a"

Copy = Literal["organizer", "seat", "public"]


# --- what the transcript says ------------------------------------------------------------


@dataclass
class _Tabled:
    package_id: str
    seat: str
    round: int
    package: dict[str, str]
    withdrawn: bool = False


@dataclass
class _Talk:
    """What the figure needs, gathered from a transcript copy in one pass."""

    scenario: Scenario
    copy: Copy
    reader: str | None
    head: str
    tabled: list[_Tabled] = field(default_factory=list)
    results: dict[str, PackageResult] = field(default_factory=dict)
    cast: dict[tuple[str, str], str | None] = field(default_factory=dict)
    vetoes: set[tuple[str, str]] = field(default_factory=set)
    timeouts: set[tuple[str, str]] = field(default_factory=set)
    secret: bool = False
    adopted: PackageAdopted | None = None
    concluded: TalksConcluded | None = None
    no_agreement: NoAgreement | None = None
    round: int = 0
    seen_actions: dict[tuple[str, int], str] = field(default_factory=dict)
    challenges: list[ChallengeResult] = field(default_factory=list)
    sanctions: list[SanctionImposed] = field(default_factory=list)

    @property
    def rounds(self) -> int:
        if self.concluded is not None:
            return self.concluded.rounds
        return self.round

    def action(self, seat: str, period: int) -> str:
        """``comply``, ``defect``, or ``unknown`` (hidden from this copy, or not played)."""

        if self.concluded is not None:
            done = self.concluded.actions.get(seat, ())
            if period <= len(done):
                return done[period - 1]
        return self.seen_actions.get((seat, period), "unknown")

    def vote(self, package: _Tabled, seat: str) -> str:
        """The category of ``seat``'s vote on ``package`` as this copy shows it."""

        key = (package.package_id, seat)
        if package.withdrawn:
            return "withdrawn"
        if key in self.vetoes:
            return "veto"
        if key in self.timeouts:
            return "timeout"
        result = self.results.get(package.package_id)
        if result is not None and result.votes is not None:
            return result.votes.get(seat, "abstain")
        if key in self.cast:
            shown = self.cast[key]
            return "hidden" if shown is None else shown
        # a closed ballot counts a missing vote as abstaining
        return "abstain" if result is not None else "not voted"


def seats_of(lines: Sequence[TranscriptLine]) -> tuple[str, ...]:
    """The seats of the talk a transcript copy records (ValueError if it does not
    start with ``talks_opened``)."""

    return _opened(lines).scenario.seats


def _opened(lines: Sequence[TranscriptLine]) -> TalksOpened:
    if not lines:
        raise ValueError("the transcript is empty")
    first = lines[0].event
    if not isinstance(first, TalksOpened):
        raise ValueError("the transcript does not start with talks_opened")
    return first


def _gather(lines: Sequence[TranscriptLine]) -> _Talk:
    opened = _opened(lines)
    scenario = opened.scenario
    briefed = [d.id for d in scenario.delegations if d.brief is not None]
    copy: Copy
    if len(briefed) == len(scenario.delegations):
        copy, reader = "organizer", None
    elif briefed:
        copy, reader = "seat", briefed[0]
    else:
        copy, reader = "public", None
    talk = _Talk(scenario=scenario, copy=copy, reader=reader, head=lines[-1].hash)
    by_id: dict[str, _Tabled] = {}
    for line in lines[1:]:
        event = line.event
        match event:
            case ProposalTabled():
                tabled = _Tabled(event.package_id, event.seat, event.round, dict(event.package))
                by_id[event.package_id] = tabled
                talk.tabled.append(tabled)
            case ProposalWithdrawn():
                if event.package_id in by_id:
                    by_id[event.package_id].withdrawn = True
            case VoteCast():
                talk.cast[(event.package_id, event.seat)] = event.vote
            case VetoCast():
                talk.vetoes.add((event.package_id, event.seat))
            case Timeout(phase="ballot"):
                talk.timeouts.update((p, event.seat) for p in event.package_ids)
            case BallotResult():
                talk.secret = talk.secret or event.secret
                talk.results.update((r.package_id, r) for r in event.results)
            case PackageAdopted():
                talk.adopted = event
            case NoAgreement():
                talk.no_agreement = event
            case TalksConcluded():
                talk.concluded = event
            case PhaseStarted():
                talk.round = max(talk.round, event.round)
            case ActionTaken():
                talk.seen_actions[(event.seat, event.period)] = event.choice
            case ChallengeResult():
                talk.challenges.append(event)
            case SanctionImposed():
                talk.sanctions.append(event)
    talk.secret = talk.secret or scenario.rules.ballot == "secret"
    return talk


# --- helpers ---------------------------------------------------------------------------


def _label(text: str) -> str:
    """Text for matplotlib: no mathtext, and a leading '_' (which hides a legend
    label) kept visible."""

    text = text.replace("$", r"\$")
    return " " + text if text.startswith("_") else text


def _palette(count: int) -> list[str]:
    if count <= 10:
        cmap = matplotlib.colormaps["tab10"]
        return [to_hex(cmap(k)) for k in range(count)]
    if count <= 20:
        cmap = matplotlib.colormaps["tab20"]
        return [to_hex(cmap(k)) for k in range(count)]
    cmap = matplotlib.colormaps["turbo"]
    return [to_hex(cmap(0.05 + 0.9 * k / (count - 1))) for k in range(count)]


def _note(ax: Axes, text: str) -> None:
    """An empty panel that says why it is empty."""

    ax.text(
        0.5,
        0.5,
        _label(text),
        ha="center",
        va="center",
        wrap=True,
        color=_MUTED,
        fontsize=10,
        transform=ax.transAxes,
    )
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#d5d9e0")


def _plane_pair(scenario: Scenario, seats: tuple[str, str] | None) -> tuple[str, str]:
    names = scenario.seats
    if seats is not None:
        if len(seats) != 2 or seats[0] == seats[1]:
            raise ValueError(f"seats must be two different seats, not {tuple(seats)!r}")
        unknown = [s for s in seats if s not in names]
        if unknown:
            raise ValueError(f"no seat {unknown[0]!r} in this talk; its seats: {', '.join(names)}")
        return seats[0], seats[1]
    # the heaviest two; ties keep the agenda's order of delegations
    ranked = sorted(scenario.delegations, key=lambda d: -d.weight)
    return ranked[0].id, ranked[1].id


def _x_positions(talk: _Talk) -> list[float]:
    """Each tabled package's position on the rounds axis: spread within its round."""

    per_round = Counter(t.round for t in talk.tabled)
    seen: Counter[int] = Counter()
    out = []
    for t in talk.tabled:
        n = per_round[t.round]
        k = seen[t.round]
        seen[t.round] += 1
        out.append(t.round - 0.38 + 0.76 * (k + 0.5) / n)
    return out


# --- the frontier ------------------------------------------------------------------------


@dataclass
class _Plane:
    """The scenario's outcome space seen by two seats."""

    cloud: np.ndarray | None  # distinct (u_a, u_b) points of the outcome space
    frontier: np.ndarray | None  # the full frontier projected onto the two seats
    envelope: np.ndarray | None  # the two seats' own frontier, for a line
    nash: tuple[float, float] | None
    frontier_size: int


def _plane(
    scenario: Scenario, functions: dict[str, UtilityFunction], pair: tuple[str, str]
) -> _Plane:
    seats = scenario.seats
    rows = [functions[seat].rows() for seat in seats]
    issue_vectors = [
        [tuple(rows[s][i][o] for s in range(len(seats))) for o in range(len(issue.options))]
        for i, issue in enumerate(scenario.issues)
    ]
    frontier = pareto_frontier(issue_vectors)
    vectors = frontier.vectors
    a, b = seats.index(pair[0]), seats.index(pair[1])
    projected = np.array([(v[a], v[b]) for v in vectors], dtype=float)
    nash = nash_point(vectors, [functions[seat].reservation for seat in seats])
    nash_xy = None if nash is None else (vectors[nash[0]][a], vectors[nash[0]][b])

    # the two seats' own frontier: the projected points no other point beats on both
    order = np.lexsort((-projected[:, 1], -projected[:, 0]))
    envelope = []
    best_y = -math.inf
    for k in order:
        x, y = projected[k]
        if y > best_y:
            envelope.append((x, y))
            best_y = y
    envelope.sort()

    # every package's utility pair, issue by issue in agenda order (as the engine adds)
    ua = np.zeros(1)
    ub = np.zeros(1)
    for row_a, row_b in zip(rows[a], rows[b], strict=True):
        ua = (ua[:, None] + np.asarray(row_a)[None, :]).ravel()
        ub = (ub[:, None] + np.asarray(row_b)[None, :]).ravel()
    cloud = np.unique(np.round(np.column_stack((ua, ub)) * 500) / 500, axis=0)
    if len(cloud) > CLOUD_POINTS:
        cloud = cloud[np.linspace(0, len(cloud) - 1, CLOUD_POINTS).astype(int)]
    return _Plane(
        cloud=cloud,
        frontier=np.unique(projected, axis=0),
        envelope=np.array(envelope, dtype=float),
        nash=nash_xy,
        frontier_size=len(vectors),
    )


def _corner(
    points: Sequence[tuple[float, float]],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    size: tuple[float, float],
) -> str:
    """The corner of an axes where a legend of ``size`` (fractions of the axes)
    hides the fewest ``points`` (data coordinates); the first such corner of
    lower left, upper left, lower right, upper right."""

    def fraction(v: float, low: float, high: float) -> float:
        return (v - low) / (high - low) if high > low else 0.5

    spots = [(fraction(x, *xlim), fraction(y, *ylim)) for x, y in points]
    best, hidden = "lower left", math.inf
    for name, left, low in (
        ("lower left", True, True),
        ("upper left", True, False),
        ("lower right", False, True),
        ("upper right", False, False),
    ):
        count = sum(
            1
            for u, v in spots
            if (u <= size[0] if left else u >= 1 - size[0])
            and (v <= size[1] if low else v >= 1 - size[1])
        )
        if count < hidden:
            best, hidden = name, count
    return best


# --- panels ------------------------------------------------------------------------------


def _draw_utilities(
    ax: Axes,
    talk: _Talk,
    functions: dict[str, UtilityFunction],
    colors: dict[str, str],
    xs: list[float],
) -> None:
    """Each known seat's utility of every tabled package, round by round."""

    scenario = talk.scenario
    if not talk.tabled:
        _note(ax, "Nothing was tabled.")
        ax.set_title("Utility of each tabled package", loc="left", fontsize=11)
        return
    if not functions:
        _draw_support(ax, talk, colors, xs)
        return
    adopted_x = None
    if talk.adopted is not None:
        for x, t in zip(xs, talk.tabled, strict=True):
            if t.package_id == talk.adopted.package_id:
                adopted_x = x
    _rounds_axis(ax, talk)
    # one collection per kind of mark, not one artist per seat: a talk of many
    # seats would otherwise spend most of its time creating artists
    few = len(talk.tabled) <= 80
    known = [seat for seat in scenario.seats if seat in functions]
    paths, path_colors = [], []
    own: list[tuple[float, float, str]] = []
    other: list[tuple[float, float, str]] = []
    for seat in known:
        ys = [functions[seat](t.package) for t in talk.tabled]
        paths.append(np.column_stack((xs, ys)))
        path_colors.append(colors[seat])
        for x, y, t in zip(xs, ys, talk.tabled, strict=True):
            (own if t.seat == seat else other).append((x, y, colors[seat]))
    if len(known) <= LINED_SEATS:
        ax.add_collection(
            LineCollection(paths, colors=path_colors, linewidths=0.9, alpha=0.6, zorder=2)
        )
    if other:
        ax.scatter([p[0] for p in other], [p[1] for p in other], s=10 if few else 4,
                   c=[p[2] for p in other], zorder=3, linewidths=0)  # fmt: skip
    if own:
        ax.scatter([p[0] for p in own], [p[1] for p in own], s=52 if few else 24, marker="D",
                   c=[p[2] for p in own], edgecolors=_TEXT, linewidths=0.7, zorder=4)  # fmt: skip
    ax.hlines(
        [functions[seat].reservation for seat in known],
        0.5,
        max(talk.rounds, max(t.round for t in talk.tabled)) + 0.5,
        colors=path_colors,
        linestyles="--",
        linewidths=1.0,
        zorder=1,
    )
    if adopted_x is not None and talk.adopted is not None:
        adopted = talk.adopted.package
        ax.scatter([adopted_x] * len(known), [functions[seat](adopted) for seat in known],
                   s=170, marker="*", c=path_colors, edgecolors=_TEXT, linewidths=0.8,
                   zorder=5)  # fmt: skip
    if adopted_x is not None:
        ax.axvline(adopted_x, color=_TEXT, linewidth=0.8, linestyle=":", zorder=1)
    ax.set_ylabel("utility")
    ax.set_ylim(-0.02, 1.04)
    ax.grid(axis="y", color="#e3e6eb", linewidth=0.6)
    title = "Utility of each tabled package"
    if talk.copy == "seat":
        title += f" (only {talk.reader}'s: the other briefs are not in this copy)"
    ax.set_title(_label(title), loc="left", fontsize=11)
    handles = [
        Line2D([], [], marker="D", color="#888888", markeredgecolor=_TEXT, linestyle="",
               markersize=6, label="package the seat tabled itself"),
        Line2D([], [], marker="o", color="#888888", linestyle="", markersize=3.5,
               label="package tabled by another seat"),
        Line2D([], [], color="#888888", linestyle="--", label="reservation (no deal)"),
    ]  # fmt: skip
    if adopted_x is not None:
        handles.append(
            Line2D([], [], marker="*", color="#888888", markeredgecolor=_TEXT, linestyle="",
                   markersize=12, label="adopted package")
        )  # fmt: skip
    marks = [(x, y) for x, y, _ in own + other]
    loc = _corner(marks, ax.get_xlim(), ax.get_ylim(), (0.42, 0.14))
    ax.legend(handles=handles, loc=loc, fontsize=8, framealpha=0.9, ncol=2)


def _rounds_axis(ax: Axes, talk: _Talk) -> None:
    """Shade every other round and set the rounds axis."""

    rounds = max(talk.rounds, max(t.round for t in talk.tabled))
    for r in range(2, rounds + 1, 2):  # alternate shading tells the rounds apart
        ax.axvspan(r - 0.5, r + 0.5, color="#f3f5f8", zorder=0)
    ax.set_xlim(0.5, rounds + 0.5)
    ax.set_xticks(range(1, rounds + 1, max(1, math.ceil(rounds / 25))))
    ax.set_xlabel("round (packages in the order tabled)")


def _draw_support(ax: Axes, talk: _Talk, colors: dict[str, str], xs: list[float]) -> None:
    """Without any brief: the public share of yes weight of each package put to the vote."""

    scenario = talk.scenario
    total = math.fsum(d.weight for d in scenario.delegations)
    _rounds_axis(ax, talk)
    points = [
        (x, talk.results[t.package_id].tally.yes_weight / total, t)
        for x, t in zip(xs, talk.tabled, strict=True)
        if t.package_id in talk.results
    ]
    if points:
        ax.plot([p[0] for p in points], [p[1] for p in points], "-", color="#aab2bd",
                linewidth=0.9, zorder=2)  # fmt: skip
        ax.scatter(
            [p[0] for p in points],
            [p[1] for p in points],
            s=38,
            marker="D",
            color=[colors[p[2].seat] for p in points],
            edgecolors=_TEXT,
            linewidths=0.6,
            zorder=3,
        )
    handles = [
        Line2D([], [], marker="D", color="#888888", markeredgecolor=_TEXT, linestyle="",
               markersize=6, label="package (colour: who tabled it)"),
    ]  # fmt: skip
    if scenario.rules.decision == "qualified":
        ax.axhline(scenario.rules.threshold, color=_TEXT, linestyle="--", linewidth=1.0)
        handles.append(
            Line2D([], [], color=_TEXT, linestyle="--", label="threshold of the qualified majority")
        )
    if talk.adopted is not None:
        for x, t in zip(xs, talk.tabled, strict=True):
            if t.package_id == talk.adopted.package_id:
                ax.axvline(x, color=_TEXT, linewidth=0.8, linestyle=":", zorder=1)
                handles.append(Line2D([], [], color=_TEXT, linestyle=":", label="adopted package"))
    ax.set_ylim(-0.02, 1.04)
    ax.set_ylabel("share of the yes weight")
    ax.grid(axis="y", color="#e3e6eb", linewidth=0.6)
    ax.set_title(
        "Support for each package (no brief in this copy, so no utility is known)",
        loc="left",
        fontsize=11,
    )
    ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9)


def _plane_for(
    talk: _Talk, functions: dict[str, UtilityFunction], pair: tuple[str, str]
) -> tuple[_Plane | None, list[str]]:
    """The frontier and Nash point of the plane, if this copy and the limit allow
    them, and what was left out."""

    scenario = talk.scenario
    if pair[0] not in functions or pair[1] not in functions:
        return None, []  # the panel says why
    if scenario.outcome_count > FRONTIER_LIMIT:
        return None, [
            f"frontier and Nash point skipped: {scenario.outcome_count:,} packages"
            f" (more than {FRONTIER_LIMIT:,})"
        ]
    if len(functions) < len(scenario.seats):
        return None, ["frontier and Nash point need every brief"]
    plane = _plane(scenario, functions, pair)
    if plane.nash is None:
        return plane, ["no package gives every seat its reservation: no Nash point"]
    return plane, []


def _draw_plane(
    ax: Axes,
    talk: _Talk,
    functions: dict[str, UtilityFunction],
    colors: dict[str, str],
    pair: tuple[str, str],
    plane: _Plane | None,
    left_out: list[str],
) -> None:
    """The utility plane of two seats."""

    scenario = talk.scenario
    a, b = pair
    title = f"Utility plane: {a} × {b}"
    if a not in functions or b not in functions:
        missing = [s for s in pair if s not in functions]
        why = (
            "this public copy holds no brief"
            if talk.copy == "public"
            else f"this copy holds only {talk.reader}'s brief"
        )
        _note(
            ax,
            f"Utility plane of {a} and {b}: not in this copy\n"
            f"({why}; {', '.join(missing)} unknown).\n"
            "The organizer's copy has every brief.",
        )
        ax.set_title(_label(title), loc="left", fontsize=11)
        return
    fa, fb = functions[a], functions[b]
    handles: list[Artist] = []
    if plane is not None and plane.cloud is not None:
        ax.scatter(
            plane.cloud[:, 0],
            plane.cloud[:, 1],
            s=3,
            color="#c5cbd3",
            linewidths=0,
            zorder=1,
            rasterized=len(plane.cloud) > 5000,
        )
        handles.append(
            Line2D([], [], marker="o", color="#c5cbd3", linestyle="", markersize=3,
                   label=f"outcome space ({scenario.outcome_count:,} packages)")
        )  # fmt: skip
    if plane is not None and plane.frontier is not None:
        ax.scatter(
            plane.frontier[:, 0],
            plane.frontier[:, 1],
            s=12,
            marker="x",
            color="#8d99a6",
            linewidths=0.7,
            zorder=2,
        )
        if plane.envelope is not None and len(plane.envelope) > 1:
            ax.plot(
                plane.envelope[:, 0],
                plane.envelope[:, 1],
                "-",
                color="#34495e",
                linewidth=1.6,
                zorder=2,
            )
        handles.append(
            Line2D([], [], marker="x", color="#8d99a6", linestyle="", markersize=5,
                   label=f"Pareto-optimal packages ({plane.frontier_size}), projected")
        )  # fmt: skip
        handles.append(
            Line2D([], [], color="#34495e", linewidth=1.6, label=_label(f"frontier of {a} × {b}"))
        )
    ax.axvline(fa.reservation, color=colors[a], linestyle="--", linewidth=1.0, zorder=1)
    ax.axhline(fb.reservation, color=colors[b], linestyle="--", linewidth=1.0, zorder=1)
    handles.append(Line2D([], [], color="#888888", linestyle="--", label="reservations"))
    # tabled packages, coloured by the seat that tabled them; the two seats' own
    # packages joined in the order tabled (their concession paths)
    for seat in pair:
        mine = [t for t in talk.tabled if t.seat == seat]
        if mine:
            ax.plot([fa(t.package) for t in mine], [fb(t.package) for t in mine], "-",
                    color=colors[seat], linewidth=1.0, alpha=0.7, zorder=3)  # fmt: skip
    for marked in (False, True):
        group = [t for t in talk.tabled if (t.seat in pair) == marked]
        if group:
            ax.scatter([fa(t.package) for t in group], [fb(t.package) for t in group],
                       s=46 if marked else 26, marker="D" if marked else "o",
                       c=[colors[t.seat] for t in group],
                       edgecolors=_TEXT if marked else "white", linewidths=0.6, alpha=0.9,
                       zorder=4)  # fmt: skip
    if talk.tabled:
        handles.append(
            Line2D([], [], marker="o", color="#888888", markeredgecolor="white", linestyle="",
                   markersize=6, label="tabled package (colour: who tabled it)")
        )  # fmt: skip
        handles.append(
            Line2D([], [], marker="D", color="#888888", markeredgecolor=_TEXT, linestyle="-",
                   markersize=5, label=_label(f"tabled by {a} or {b}, in order"))
        )  # fmt: skip
    if plane is not None and plane.nash is not None:
        ax.scatter(
            [plane.nash[0]],
            [plane.nash[1]],
            s=230,
            marker="*",
            color="#f1c40f",
            edgecolors=_TEXT,
            linewidths=0.8,
            zorder=6,
        )
        handles.append(
            Line2D([], [], marker="*", color="#f1c40f", markeredgecolor=_TEXT, linestyle="",
                   markersize=13, label="Nash point")
        )  # fmt: skip
    if talk.adopted is not None:
        point = (fa(talk.adopted.package), fb(talk.adopted.package))
        ax.scatter(
            [point[0]],
            [point[1]],
            s=320,
            marker="o",
            facecolors="none",
            edgecolors="#c0392b",
            linewidths=2.2,
            zorder=7,
        )
        handles.append(
            Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor="#c0392b",
                   markeredgewidth=2, linestyle="", markersize=13,
                   label=_label(f"adopted: {talk.adopted.package_id}"))
        )  # fmt: skip
    pad = 0.03
    ax.set_xlim(fa.worst() - pad, fa.best() + pad)
    ax.set_ylim(fb.worst() - pad, fb.best() + pad)
    ax.set_xlabel(_label(f"utility of {a}"), color=colors[a])
    ax.set_ylabel(_label(f"utility of {b}"), color=colors[b])
    ax.grid(color="#eef0f3", linewidth=0.6)
    ax.set_title(_label(title), loc="left", fontsize=11)
    # the legend goes where it hides the fewest of the marks that matter
    marks = [(fa(t.package), fb(t.package)) for t in talk.tabled]
    if plane is not None and plane.envelope is not None:
        marks += [tuple(p) for p in plane.envelope] * 2
    if plane is not None and plane.nash is not None:
        marks += [plane.nash] * 20
    if talk.adopted is not None:
        marks += [(fa(talk.adopted.package), fb(talk.adopted.package))] * 20
    height = 0.055 * len(handles) + 0.04 + 0.05 * len(left_out)
    ax.legend(
        handles=handles,
        loc=_corner(marks, ax.get_xlim(), ax.get_ylim(), (0.55, height)),
        fontsize=7.5,
        framealpha=0.85,
        title="\n".join(left_out) or None,
        title_fontsize=7.5,
    )


def _draw_votes(ax: Axes, talk: _Talk, colors: dict[str, str]) -> None:
    """Votes and vetoes: a seat × package matrix, or stacked bars per round."""

    scenario = talk.scenario
    seats = scenario.seats
    title = "Ballots: each seat's vote on each package"
    if talk.secret:
        title += (
            " (secret ballot: every vote shown)"
            if talk.copy == "organizer"
            else " (secret ballot: others' votes hidden in this copy)"
            if talk.copy == "seat"
            else " (secret ballot: votes hidden in this copy)"
        )
    ax.set_title(_label(title), loc="left", fontsize=11, pad=18)
    if not talk.tabled:
        _note(ax, "Nothing was tabled, so nothing was put to the vote.")
        return
    cells = [[talk.vote(t, seat) for t in talk.tabled] for seat in seats]
    if len(talk.tabled) > MATRIX_PACKAGES:
        _draw_vote_bars(ax, talk, cells)
        return
    categories = list(_VOTE_COLORS)
    results = list(_RESULT_COLORS)
    palette = [_VOTE_COLORS[c] for c in categories] + [_RESULT_COLORS[c] for c in results]
    palette.append("#ffffff")  # a package whose ballot this copy does not show closing
    codes = np.empty((len(seats) + 1, len(talk.tabled)), dtype=float)
    adopted_id = talk.adopted.package_id if talk.adopted is not None else None
    for j, t in enumerate(talk.tabled):
        result = talk.results.get(t.package_id)
        if result is None:
            code = len(palette) - 1
        elif t.package_id == adopted_id:
            code = len(categories) + results.index("adopted")
        elif result.vetoed_by:
            code = len(categories) + results.index("vetoed")
        else:
            code = len(categories) + results.index("passed" if result.passed else "failed")
        codes[0, j] = code
        for i in range(len(seats)):
            codes[i + 1, j] = categories.index(cells[i][j])
    cmap = ListedColormap(palette)
    norm = BoundaryNorm(np.arange(len(palette) + 1) - 0.5, len(palette))
    # the result row sits apart from the seats' rows: a masked gap row between them
    mesh = np.vstack((codes[:1], np.full((1, len(talk.tabled)), np.nan), codes[1:]))
    ys = np.concatenate(([-1.2, -0.3], np.arange(len(seats) + 1)))
    ax.pcolormesh(
        np.arange(len(talk.tabled) + 1),
        ys,
        np.ma.masked_invalid(mesh),
        cmap=cmap,
        norm=norm,
        edgecolors="white",
        linewidth=0.7 if len(talk.tabled) <= LABELLED_COLUMNS else 0.2,
    )
    # rounds: separators and labels along the top
    bounds: list[tuple[int, int, int]] = []
    for j, t in enumerate(talk.tabled):
        if not bounds or bounds[-1][0] != t.round:
            bounds.append((t.round, j, j + 1))
        else:
            bounds[-1] = (t.round, bounds[-1][1], j + 1)
    for _, start, _ in bounds[1:]:
        ax.axvline(start, color=_TEXT, linewidth=1.0)
    # labels as plain texts: far cheaper to draw than ticks
    along = ax.get_xaxis_transform()  # x in data, y in axes fractions
    every = max(1, math.ceil(len(bounds) / 30))
    for r, start, end in bounds[::every]:
        ax.text((start + end) / 2, 1.01, f"R{r}", transform=along, ha="center", va="bottom",
                fontsize=8.5, color=_TEXT)  # fmt: skip
    if adopted_id is not None:
        j = next(j for j, t in enumerate(talk.tabled) if t.package_id == adopted_id)
        ax.add_patch(
            Rectangle(
                (j, -1.2),
                1,
                len(seats) + 1.2,
                fill=False,
                edgecolor="#c0392b",
                linewidth=2.0,
                zorder=5,
                clip_on=False,
            )
        )
    if len(talk.tabled) <= LABELLED_COLUMNS:
        # the yes count of each package (public even in a secret ballot)
        for j, t in enumerate(talk.tabled):
            result = talk.results.get(t.package_id)
            if result is not None:
                ax.text(j + 0.5, -0.75, str(result.tally.yes), ha="center", va="center",
                        fontsize=7, color="white" if t.package_id == adopted_id else _TEXT)  # fmt: skip
    ax.set_ylim(len(seats), -1.3)
    ax.set_xlim(0, len(talk.tabled))
    veto = {d.id for d in scenario.delegations if d.veto and scenario.rules.vetoes}
    ax.set_yticks(
        [-0.75] + [i + 0.5 for i in range(len(seats))],
        labels=["result (yes)"] + [_label(_tick(s, veto=s in veto)) for s in seats],
        fontsize=_seat_size(seats),
    )
    for tick, seat in zip(ax.get_yticklabels()[1:], seats, strict=True):
        tick.set_color(colors[seat])
    ax.set_xticks([])
    if len(talk.tabled) <= LABELLED_COLUMNS:
        size = _column_size(len(talk.tabled))
        for j, t in enumerate(talk.tabled):
            ax.text(j + 0.5, -0.012, _label(_tick(t.package_id)), transform=along, rotation=90,
                    ha="center", va="top", fontsize=size, color=colors[t.seat],
                    fontweight="bold" if t.package_id == adopted_id else "normal")  # fmt: skip
    else:
        ax.set_xlabel(f"{len(talk.tabled)} packages, in the order tabled")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    shown = {c for row in cells for c in row}
    handles = [Patch(facecolor=_VOTE_COLORS[c], edgecolor="#b0b7c3", label=_VOTE_LABELS[c])
               for c in categories if c in shown]  # fmt: skip
    result_shown = {int(c) for c in codes[0]}
    handles += [
        Patch(facecolor=_RESULT_COLORS[r], edgecolor="#b0b7c3", label=f"result: {r}")
        for k, r in enumerate(results)
        if len(categories) + k in result_shown
    ]
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.005, 1.0),
        fontsize=7.5,
        frameon=False,
        borderaxespad=0,
    )


def _draw_vote_bars(ax: Axes, talk: _Talk, cells: list[list[str]]) -> None:
    """Many packages: the votes of each round, counted by category."""

    rounds = sorted({t.round for t in talk.tabled})
    counts = {c: [0] * len(rounds) for c in _VOTE_COLORS}
    where = {r: k for k, r in enumerate(rounds)}
    for row in cells:
        for t, category in zip(talk.tabled, row, strict=True):
            counts[category][where[t.round]] += 1
    bottom = np.zeros(len(rounds))
    for category, values in counts.items():
        if not any(values):
            continue
        ax.bar(
            rounds,
            values,
            bottom=bottom,
            color=_VOTE_COLORS[category],
            edgecolor="#b0b7c3",
            linewidth=0.3,
            label=_VOTE_LABELS[category],
        )
        bottom += np.asarray(values)
    ax.set_xlabel(f"round ({len(talk.tabled)} packages: too many for one column each)")
    ax.set_ylabel("votes (seats × packages)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7.5, frameon=False)


def _draw_implementation(ax: Axes, talk: _Talk, colors: dict[str, str], layout: _Layout) -> None:
    """Comply/defect per seat and period, inspections and sanctions."""

    scenario = talk.scenario
    impl = scenario.implementation
    assert impl is not None and talk.adopted is not None
    seats = scenario.seats
    row = {seat: i for i, seat in enumerate(seats)}
    periods = impl.periods
    kinds = list(_ACTION_COLORS)
    codes = np.array(
        [[kinds.index(talk.action(seat, p)) for p in range(1, periods + 1)] for seat in seats],
        dtype=float,
    )
    cmap = ListedColormap([_ACTION_COLORS[k] for k in kinds])
    norm = BoundaryNorm(np.arange(len(kinds) + 1) - 0.5, len(kinds))
    ax.pcolormesh(
        np.arange(periods + 1) + 0.5,
        np.arange(len(seats) + 1) - 0.5,
        codes,
        cmap=cmap,
        norm=norm,
        edgecolors="white",
        linewidth=1.0 if periods <= 40 else 0.2,
    )
    # several inspections in one period sit side by side in its column
    per_period = Counter(c.period for c in talk.challenges)
    placed: Counter[int] = Counter()
    arrows = len(talk.challenges) <= ARROWS
    sources: list[tuple[float, int, str]] = []
    found: list[tuple[float, int]] = []
    missed: list[tuple[float, int]] = []
    for c in talk.challenges:
        if c.seat not in row or c.target not in row:
            continue
        n, k = per_period[c.period], placed[c.period]
        placed[c.period] += 1
        x = c.period - 0.32 + 0.64 * (k + 0.5) / n
        color = _DETECTED if c.detected else _MISSED
        (found if c.detected else missed).append((x, row[c.target]))
        if arrows:
            sources.append((x, row[c.seat], color))
            ax.add_patch(
                FancyArrowPatch(
                    (x, row[c.seat]),
                    (x, row[c.target]),
                    arrowstyle="-|>",
                    mutation_scale=9,
                    color=color,
                    linewidth=1.1,
                    linestyle="-" if c.detected else (0, (3, 2)),
                    connectionstyle="arc3,rad=0.25",
                    shrinkA=2,
                    shrinkB=3,
                    zorder=4,
                )
            )
    if sources:
        ax.scatter([p[0] for p in sources], [p[1] for p in sources], s=10,
                   c=[p[2] for p in sources], zorder=5)  # fmt: skip
    if found:
        ax.scatter([p[0] for p in found], [p[1] for p in found], s=60, marker="X",
                   color=_DETECTED, zorder=5)  # fmt: skip
    if missed:
        ax.scatter([p[0] for p in missed], [p[1] for p in missed], s=32, marker="o",
                   facecolors="white", edgecolors=_MISSED, zorder=5)  # fmt: skip
    sanctioned = [s for s in talk.sanctions if s.seat in row]
    if len(sanctioned) <= ARROWS:
        for s in sanctioned:
            ax.text(s.period + 0.45, row[s.seat] + 0.42, f"−{s.amount:g}", ha="right",
                    va="bottom", fontsize=7.5, fontweight="bold", color=_DETECTED,
                    zorder=6)  # fmt: skip
    else:
        ax.scatter([s.period + 0.35 for s in sanctioned], [row[s.seat] + 0.3 for s in sanctioned],
                   marker="$-$", s=30, color=_DETECTED, zorder=6)  # fmt: skip
    ax.set_xlim(0.5, periods + 0.5)
    ax.set_ylim(len(seats) - 0.5, -0.5)
    step = max(1, math.ceil(periods / 20))
    ax.set_xticks(range(1, periods + 1, step))
    ax.set_xlabel("implementation period")
    ax.set_yticks(range(len(seats)), labels=[_label(_tick(s)) for s in seats], fontsize=8)
    for tick, seat in zip(ax.get_yticklabels(), seats, strict=True):
        tick.set_color(colors[seat])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(
        _label(
            f"Implementation: detection {talk.adopted.detection:.2f} per inspection,"
            f" sanction {talk.adopted.sanction:g}"
        ),
        loc="left",
        fontsize=11,
    )
    shown = {kinds[int(c)] for c in codes.ravel()}
    handles: list[object] = [
        Patch(facecolor=_ACTION_COLORS[k], edgecolor="#b0b7c3",
              label="not known (hidden, or not played)" if k == "unknown" else k)
        for k in kinds if k in shown
    ]  # fmt: skip
    if talk.challenges:
        handles += [
            Line2D([], [], color=_DETECTED, marker="X", markersize=7, linewidth=1.1,
                   label="inspection: defection detected"),
            Line2D([], [], color=_MISSED, marker="o", markerfacecolor="white", markersize=5,
                   linewidth=1.1, linestyle=(0, (3, 2)), label="inspection: nothing detected"),
        ]  # fmt: skip
    if talk.sanctions:
        handles.append(
            Line2D([], [], color=_DETECTED, marker="$-$", linestyle="", markersize=7,
                   label="sanction paid")
        )  # fmt: skip
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.42 / layout.bottom_height),
        ncol=2,
        fontsize=7.5,
        frameon=False,
    )


# --- the figure -----------------------------------------------------------------------------


def _outcome(talk: _Talk) -> str:
    if talk.concluded is not None:
        if talk.concluded.outcome == "agreement":
            return f"agreement on {talk.concluded.package_id}"
        return "no agreement"
    if talk.no_agreement is not None:
        return "no agreement"
    if talk.adopted is not None:
        return f"agreement on {talk.adopted.package_id} (implementation not concluded)"
    return "not concluded"


def _copy_text(talk: _Talk) -> str:
    if talk.copy == "organizer":
        return "organizer's copy (every brief)"
    if talk.copy == "seat":
        return f"{talk.reader}'s copy (only its own brief)"
    return "public copy (no brief)"


def _width(texts: Sequence[str], size: float) -> float:
    """The width, in inches, of the widest of ``texts`` at ``size`` points."""

    renderer = RendererAgg(1, 1, 72)  # at 72 dpi a pixel is a point
    prop = FontProperties(size=size)
    widest = 0.0
    # the longest few by characters hold the widest by far: measuring them is enough
    for text in sorted(set(texts), key=len, reverse=True)[:8]:
        width, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
        widest = max(widest, width)
    return widest / 72


class _Layout:
    """Panel rectangles placed in inches on a figure of fixed width.

    Explicit places, with margins measured on the labels, instead of a layout
    engine: the engine measures every text twice more per save, which doubles
    the time a figure takes.
    """

    WIDTH = 16.5
    EDGE = 0.3  # outer margin
    PLANE = 4.6  # side of the utility plane
    TOP_HEIGHT = 4.5  # height of the top row of panels
    ROW = 0.3  # height of one seat's row in the ballot matrix
    GAP = 1.1  # between the rows: x label above, title and round labels below

    def __init__(
        self,
        talk: _Talk,
        implementation: bool,
        *,
        legend_rows: int,
        title_lines: int,
        footer_lines: int,
    ) -> None:
        scenario = talk.scenario
        veto = {d.id for d in scenario.delegations if d.veto and scenario.rules.vetoes}
        seats = scenario.seats
        self.implementation = implementation
        self.vote_labels = _width(
            ["result (yes)"] + [_tick(s, veto=s in veto) for s in seats], _seat_size(seats)
        )
        self.impl_labels = _width([_tick(s) for s in seats], 8)
        self.vote_legend = _width(list(_VOTE_LABELS.values()), 7.5) + 0.5
        below_matrix = 0.5
        if 0 < len(talk.tabled) <= min(LABELLED_COLUMNS, MATRIX_PACKAGES):
            size = _column_size(len(talk.tabled))
            below_matrix = 0.15 + _width([_tick(t.package_id) for t in talk.tabled], size)
        below_impl = 0.0
        if implementation and scenario.implementation is not None:
            kinds = {
                talk.action(seat, p)
                for seat in seats
                for p in range(1, scenario.implementation.periods + 1)
            }
            entries = len(kinds) + 2 * bool(talk.challenges) + bool(talk.sanctions)
            below_impl = 0.5 + 0.2 * math.ceil(entries / 2)
        self.bottom_height = min(9.0, max(2.4, self.ROW * (len(seats) + 1.3)))
        self.footer = 0.22 + 0.18 * footer_lines
        self.below = max(below_matrix, below_impl) + self.footer
        self.legend_top = 0.62 + 0.3 * (title_lines - 1)
        self.header = self.legend_top + 0.33 + 0.27 * legend_rows
        self.height = self.header + self.TOP_HEIGHT + self.GAP + self.bottom_height + self.below

    def _rect(self, left: float, bottom: float, width: float, height: float) -> list[float]:
        return [left / self.WIDTH, bottom / self.height, width / self.WIDTH, height / self.height]

    @property
    def _plane_left(self) -> float:
        return self.WIDTH - self.EDGE - self.PLANE

    @property
    def _impl_left(self) -> float:
        # its labels where the plane's y label is, but never narrower than 2.5 in
        return min(self._plane_left - 0.7 + self.impl_labels, self.WIDTH - self.EDGE - 2.5)

    def utilities(self) -> list[float]:
        bottom = self.below + self.bottom_height + self.GAP
        return self._rect(0.8, bottom, self._plane_left - 0.95 - 0.8, self.TOP_HEIGHT)

    def plane(self) -> list[float]:
        bottom = self.below + self.bottom_height + self.GAP
        return self._rect(self._plane_left, bottom, self.PLANE, self.TOP_HEIGHT)

    def implementation_panel(self) -> list[float]:
        left = self._impl_left
        return self._rect(left, self.below, self.WIDTH - self.EDGE - left, self.bottom_height)

    def votes(self) -> list[float]:
        left = max(0.8, self.vote_labels + 0.2)
        if self.implementation:
            right = self._impl_left - self.impl_labels - 0.35
        else:
            right = self.WIDTH - self.EDGE
        width = max(1.0, right - self.vote_legend - left)
        return self._rect(left, self.below, width, self.bottom_height)

    def y(self, inches_from_top: float) -> float:
        return 1 - inches_from_top / self.height


def _seat_size(seats: Sequence[str]) -> float:
    return 8.5 if len(seats) <= 30 else 6


def _column_size(columns: int) -> float:
    return 6.5 if columns > 30 else 7.5


def _tick(text: str, *, veto: bool = False, limit: int = 24) -> str:
    """A tick label: long ids cut short, so that they cannot crowd the panels out."""

    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text + (" (veto)" if veto else "")


def _figure(talk: _Talk, pair: tuple[str, str]) -> Figure:
    scenario = talk.scenario
    seats = scenario.seats
    functions = {
        d.id: UtilityFunction(scenario, d.brief)
        for d in scenario.delegations
        if d.brief is not None
    }
    colors = dict(zip(seats, _palette(len(seats)), strict=True))
    implementation = scenario.implementation is not None and talk.adopted is not None

    # one legend of the seats for every panel
    veto = {d.id for d in scenario.delegations if d.veto and scenario.rules.vetoes}
    scores = {s.seat: s for s in talk.concluded.scores} if talk.concluded is not None else {}
    handles = []
    for d in scenario.delegations[:LEGEND_SEATS]:
        text = f"{_tick(d.id)} · weight {d.weight:g}" + (" · veto" if d.id in veto else "")
        if d.id in scores:
            text += f" · score {scores[d.id].raw:+.3f}"
        handles.append(
            Line2D([], [], color=colors[d.id], marker="s", markersize=8, linewidth=2.5,
                   label=_label(text))
        )  # fmt: skip
    if len(seats) > LEGEND_SEATS:
        handles.append(
            Line2D([], [], color="white", label=f"… and {len(seats) - LEGEND_SEATS} more seats")
        )
    rows = math.ceil(len(handles) / 6)
    columns = math.ceil(len(handles) / rows)
    # a legend fills column by column (the first columns one longer): order the
    # handles so that they read row by row, in the agenda's order of seats
    handles = [
        handles[r * columns + c]
        for c in range(columns)
        for r in range(rows)
        if r * columns + c < len(handles)
    ]
    room = _Layout.WIDTH - 0.6
    head = f"{_outcome(talk)} after {talk.rounds} round(s) · head {talk.head[:12]}"
    title = f"{scenario.title} — {head}"
    if _width([title], 15) * 1.1 > room:  # bold is about a tenth wider
        title = f"{_tick(scenario.title, limit=110)}\n{head}"
    plane, plane_notes = _plane_for(talk, functions, pair)
    notes = plane_notes + _other_notes(talk, implementation)
    footer = _copy_text(talk) + (" · " + "; ".join(notes) if notes else "")
    if _width([footer], 9) > room:
        footer = _copy_text(talk) + "\n" + "; ".join(notes)
    layout = _Layout(
        talk,
        implementation,
        legend_rows=rows,
        title_lines=title.count("\n") + 1,
        footer_lines=footer.count("\n") + 1,
    )

    fig = Figure(figsize=(layout.WIDTH, layout.height), dpi=DPI)
    FigureCanvasAgg(fig)  # Agg draws; savefig switches to the SVG writer for an SVG
    fig.suptitle(
        _label(title), y=layout.y(0.2), va="top", fontsize=15, fontweight="bold", color=_TEXT
    )
    fig.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, layout.y(layout.legend_top)),
        ncol=columns,
        fontsize=9,
        frameon=False,
        handlelength=1.6,
        columnspacing=2.0,
    )

    xs = _x_positions(talk)
    _draw_utilities(fig.add_axes(layout.utilities()), talk, functions, colors, xs)
    _draw_plane(fig.add_axes(layout.plane()), talk, functions, colors, pair, plane, plane_notes)
    _draw_votes(fig.add_axes(layout.votes()), talk, colors)
    if implementation:
        _draw_implementation(fig.add_axes(layout.implementation_panel()), talk, colors, layout)
    fig.text(0.5, layout.y(layout.height - layout.footer / 2), _label(footer), ha="center",
             va="center", fontsize=9, color=_MUTED, linespacing=1.5)  # fmt: skip
    return fig


def _other_notes(talk: _Talk, implementation: bool) -> list[str]:
    """What the figure's footer says besides the plane's notes."""

    notes = []
    if talk.scenario.implementation is None:
        notes.append("the scenario has no implementation phase")
    elif not implementation:
        notes.append("no implementation periods: no package was adopted")
    if talk.copy != "organizer":
        notes.append("what needs a brief this copy lacks is not shown")
        if talk.secret:
            notes.append(
                "secret ballot: only the tallies are known"
                + (f" (and {talk.reader}'s own votes)" if talk.reader is not None else "")
            )
    return notes


def plot_talk(
    lines: list[TranscriptLine], path: str | Path, *, seats: tuple[str, str] | None = None
) -> Path:
    """Draw the talk a transcript copy records and write it to ``path``.

    The format follows the suffix: ``.png`` or ``.svg`` (anything else is a
    ValueError). ``seats`` names the two seats of the utility plane (default:
    the two with the largest voting weight); a seat not in the talk is a
    ValueError naming the talk's seats, as is a transcript that does not start
    with ``talks_opened``. The same transcript gives the same SVG bytes.
    Returns the path written.
    """

    target = Path(path)
    fmt = FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"cannot tell the image format from {target.name!r}:"
            f" the file name must end in {' or '.join(FORMATS)}"
        )
    talk = _gather(lines)
    pair = _plane_pair(talk.scenario, seats)
    settings = {
        "svg.fonttype": "none",  # text stays text: smaller, searchable, no glyph paths
        "svg.hashsalt": "accord-talk-plot",  # fixed ids, so the same talk gives the same bytes
        "font.size": 9,
        "axes.titlepad": 8,
    }
    with matplotlib.rc_context(settings):
        fig = _figure(talk, pair)
        metadata = {"Date": None} if fmt == "svg" else {}
        fig.savefig(target, format=fmt, dpi=DPI, metadata=metadata)
    return target
