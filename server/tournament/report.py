"""One self-contained HTML page about a tournament: summary, tables and plots.

The page needs nothing but itself: the CSS is inline, every plot is an
inline SVG drawn by matplotlib (text kept as text, ``svg.fonttype = none``),
and there is no script. Every text taken from the tournament (its name,
entry names, scenario ids, problems) is escaped.

Sections, each plot an ``<svg>`` with an id and a ``<title>``:

- summary (entries, scenarios, talks, format, seed) and the standings table
  (``<table id="standings">``, the mean score with its 95% interval), with
  the spread of the entries' means;
- ``plot-scores``: box plots of each entry's per-talk scores, its mean and
  interval drawn over them;
- ``plot-agreement``: the share of talks ending in agreement per scenario;
- ``plot-pareto-<n>``, one per scenario: with 2 seats, each agreement's
  utility pair over the Pareto frontier (reservations dashed, the Nash
  point a star; a marker's area grows with how often the package was
  agreed); with 3 seats, the same for each pair of seats, the frontier's
  points projected; with more seats, histograms of the agreements'
  distances from the frontier and from the Nash point;
- ``plot-ratings``: each entry's rating (μ − 3σ) after each talk, in plan
  order;
- ``plot-head-to-head``: the head-to-head matrix as a heatmap (row entry's
  mean score minus the column entry's, in the talks where both sat), with
  the table ``<table id="head-to-head">``;
- the per-scenario standings (``<table id="standings-s<n>">``) and the talks
  that reported problems (sandboxes stopped, hooks that failed).
"""

from __future__ import annotations

import html
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from itertools import combinations
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from accord.protocol.errors import AccordError
from accord.protocol.scenario import Scenario
from accord.protocol.scenario.utility import utility_functions
from accord.protocol.tournament.plan import load_scenarios
from accord.protocol.tournament.results import TalkResult
from accord.protocol.tournament.scoring import ScenarioBounds, scenario_bounds
from accord.protocol.tournament.spec import Tournament
from accord.server.tournament.ratings import Ratings, in_plan_order, rate
from accord.server.tournament.standings import EntryStanding, Standings, standings

SCATTER_SEATS = 3
"""Scenarios with at most this many seats get a scatter over the frontier;
larger ones histograms of distances."""

LEGEND_ENTRIES = 20
"""Beyond this many entries, the rating plot names only the top ten."""

VECTOR_HEATMAP = 60
"""Up to this many entries the head-to-head heatmap is drawn as vector squares;
beyond, as an embedded image (a data: URI inside the SVG, still self-contained)."""

MAX_PROBLEMS = 200
"""Talks with problems listed in the report at most."""

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #1d2330; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; }
h2 { margin-top: 2.4rem; border-bottom: 1px solid #d5d9e0; padding-bottom: 0.2rem; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.summary dt { font-weight: 600; }
dl.summary dd { margin: 0; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.85rem; }
th, td { border: 1px solid #d5d9e0; padding: 0.25rem 0.5rem; text-align: right; }
th { background: #f1f3f6; }
td.name, th.name { text-align: left; }
tbody tr:nth-child(even) { background: #fafbfc; }
.scroll { overflow-x: auto; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption, .note { color: #555e6e; font-size: 0.85rem; }
"""


# --- text -------------------------------------------------------------------------------


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _label(text: str) -> str:
    """Text for matplotlib: no mathtext, and a leading '_' (which hides a
    legend label) kept visible."""

    text = text.replace("$", r"\$")
    return " " + text if text.startswith("_") else text


def _num(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


# --- plots ------------------------------------------------------------------------------


def _svg(
    plot_id: str, title: str, draw: Callable[[Figure], None], size: tuple[float, float]
) -> str:
    """Draw a figure and return it as an inline ``<svg>`` with ``plot_id`` and a title.

    The figure's own ids are prefixed with ``plot_id`` so the page's ids stay unique.
    """

    settings = {"svg.fonttype": "none", "svg.hashsalt": f"accord-{plot_id}", "font.size": 9}
    with matplotlib.rc_context(settings):
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)  # Agg draws; savefig switches to the SVG writer for the file
        draw(fig)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{plot_id}-{m.group(1)}"', text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{plot_id}-{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{plot_id}-{m.group(1)})", text)
    end = text.index(">") + 1
    opening = text[: end - 1].rstrip("/")
    return (
        f'{opening} id="{_esc(plot_id)}" role="img" aria-labelledby="{_esc(plot_id)}-title">'
        f'<title id="{_esc(plot_id)}-title">{_esc(title)}</title>' + text[end:]
    )


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{caption}</figcaption></figure>"


def _entry_scores(results: Sequence[TalkResult]) -> dict[str, list[float]]:
    """Each entry's score in each of its talks (mean over its seats in the talk)."""

    out: dict[str, list[float]] = defaultdict(list)
    for result in results:
        seats: dict[str, list[float]] = defaultdict(list)
        for seat in result.seats:
            seats[seat.entry].append(seat.score)
        for name, values in seats.items():
            out[name].append(math.fsum(values) / len(values))
    return out


def plot_scores(rows: Sequence[EntryStanding], results: Sequence[TalkResult]) -> str:
    """Box plots of each entry's per-talk scores, with its mean and 95% interval."""

    played = [r for r in rows if r.talks]
    scores = _entry_scores(results)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        if not played:
            ax.text(0.5, 0.5, "no talks", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return
        positions = list(range(1, len(played) + 1))
        ax.boxplot(
            [scores[r.entry] for r in played],
            positions=positions,
            widths=0.55,
            flierprops={"markersize": 3, "alpha": 0.5},
        )
        means = [r.mean_score or 0.0 for r in played]
        low = [
            m - (r.ci_low if r.ci_low is not None else m)
            for m, r in zip(means, played, strict=True)
        ]
        high = [
            (r.ci_high if r.ci_high is not None else m) - m
            for m, r in zip(means, played, strict=True)
        ]
        ax.errorbar(
            positions,
            means,
            yerr=[low, high],
            fmt="o",
            color="#c0392b",
            markersize=4,
            capsize=3,
            label="mean, 95% interval",
        )
        ax.axhline(0, color="#888888", linewidth=0.6, linestyle=":")
        ax.axhline(1, color="#888888", linewidth=0.6, linestyle=":")
        ax.set_xticks(positions, labels=[_label(r.entry) for r in played], rotation=30, ha="right")
        ax.set_ylabel("tournament score (0 no deal, 1 best acceptable deal)")
        ax.legend(loc="best", fontsize=8)

    width = max(6.0, 0.55 * len(played) + 2)
    return _svg("plot-scores", "Score distributions per entry", draw, (width, 4.2))


def plot_agreement(board: Standings) -> str:
    """The share of talks that ended in agreement, per scenario."""

    scenarios = board.scenarios

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        if not scenarios:
            ax.text(0.5, 0.5, "no talks", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return
        xs = list(range(len(scenarios)))
        rates = [s.agreement_rate or 0.0 for s in scenarios]
        bars = ax.bar(xs, rates, color="#2e86c1", width=0.6)
        ax.bar_label(bars, labels=[f"{100 * r:.0f}%" for r in rates], fontsize=8)
        ax.set_xticks(
            xs, labels=[_label(f"{s.scenario_id} ({s.talks})") for s in scenarios], rotation=20
        )
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("talks ending in agreement")
        if board.agreement_rate is not None:
            ax.axhline(board.agreement_rate, color="#c0392b", linewidth=0.8, linestyle="--")

    width = max(5.0, 1.1 * len(scenarios) + 2)
    return _svg("plot-agreement", "Agreement rate per scenario", draw, (width, 3.6))


def _vectors(scenario: Scenario, results: Sequence[TalkResult]) -> Counter[tuple[float, ...]]:
    """Utility vectors (seat order) of the agreed packages, with how often each was agreed."""

    functions = utility_functions(scenario)
    out: Counter[tuple[float, ...]] = Counter()
    for result in results:
        if result.package is not None:
            out[tuple(functions[seat](result.package) for seat in scenario.seats)] += 1
    return out


def plot_pareto(
    index: int,
    scenario_id: str,
    results: Sequence[TalkResult],
    scenario: Scenario | None,
    bounds: ScenarioBounds | None,
) -> tuple[str, str]:
    """One scenario's agreements against the Pareto frontier; the SVG and its caption."""

    plot_id = f"plot-pareto-{index}"
    agreed = [r for r in results if r.outcome == "agreement"]
    seats = len(scenario.seats) if scenario is not None else len(results[0].seats)
    scatter = scenario is not None and bounds is not None and seats <= SCATTER_SEATS
    title = f"Agreements against the Pareto frontier: {scenario_id}"
    if scatter:
        assert scenario is not None and bounds is not None
        agreements = _vectors(scenario, agreed)
        pairs = list(combinations(range(seats), 2))
        frontier = sorted(bounds.frontier)

        def draw(fig: Figure) -> None:
            axes = fig.subplots(1, len(pairs), squeeze=False)[0]
            for ax, (i, j) in zip(axes, pairs, strict=True):
                if seats == 2:
                    ax.plot(
                        [v[i] for v in frontier],
                        [v[j] for v in frontier],
                        "-o",
                        color="#7f8c8d",
                        markersize=3,
                        linewidth=1,
                        zorder=3,  # over the agreements that sit on it
                        label="Pareto frontier",
                    )
                else:
                    ax.scatter(
                        [v[i] for v in frontier],
                        [v[j] for v in frontier],
                        s=12,
                        marker="x",
                        color="#566573",
                        zorder=3,
                        label="Pareto-optimal (projected)",
                    )
                if agreements:
                    ax.scatter(
                        [v[i] for v in agreements],
                        [v[j] for v in agreements],
                        s=[14 * math.sqrt(n) for n in agreements.values()],
                        color="#2e86c1",
                        alpha=0.7,
                        label="agreements",
                    )
                if bounds.nash is not None:
                    ax.scatter(
                        [bounds.nash[i]],
                        [bounds.nash[j]],
                        marker="*",
                        s=90,
                        color="#c0392b",
                        label="Nash point",
                    )
                ax.axvline(bounds.seats[i].low, color="#888888", linewidth=0.6, linestyle="--")
                ax.axhline(bounds.seats[j].low, color="#888888", linewidth=0.6, linestyle="--")
                ax.set_xlabel(_label(f"utility of {scenario.seats[i]}"))
                ax.set_ylabel(_label(f"utility of {scenario.seats[j]}"))
            axes[0].legend(loc="best", fontsize=7)

        caption = (
            f"{len(agreed)} agreement(s) of {len(results)} talk(s); "
            + (
                "the frontier is the line of Pareto-optimal packages"
                if seats == 2
                else "each panel a pair of seats, Pareto-optimal packages projected"
            )
            + "; dashed lines are the reservations; a marker's area grows with how often"
            " that package was agreed."
        )
        size = (4.2 * len(pairs) + 0.5, 3.8)
    else:
        pareto = [r.pareto_distance for r in agreed if r.pareto_distance is not None]
        nash = [r.nash_distance for r in agreed if r.nash_distance is not None]

        def draw(fig: Figure) -> None:
            ax = fig.add_subplot()
            if not pareto and not nash:
                ax.text(0.5, 0.5, "no agreements", ha="center", va="center", transform=ax.transAxes)
                ax.set_axis_off()
                return
            top = max(pareto + nash)
            bins = [top * k / 20 for k in range(21)] if top > 0 else 10
            if pareto:
                ax.hist(
                    pareto,
                    bins=bins,
                    histtype="stepfilled",
                    alpha=0.55,
                    color="#2e86c1",
                    label="from the Pareto frontier",
                )
            if nash:
                ax.hist(
                    nash,
                    bins=bins,
                    histtype="step",
                    linewidth=1.4,
                    color="#c0392b",
                    label="from the Nash point",
                )
            ax.set_xlabel("distance of the agreement (in utilities)")
            ax.set_ylabel("agreements")
            ax.legend(loc="best", fontsize=8)

        caption = (
            f"{len(agreed)} agreement(s) of {len(results)} talk(s) on {seats} seats: the"
            " Euclidean distance of each agreement's utility vector from the nearest"
            " Pareto-optimal package and from the Nash bargaining point (0 on the frontier)."
        )
        size = (6.0, 3.4)
    return _svg(plot_id, title, draw, size), caption


def plot_ratings(rated: Ratings) -> str:
    """Each entry's rating after each talk it sat in."""

    lines: dict[str, tuple[list[int], list[float]]] = {}
    for point in rated.history:
        xs, ys = lines.setdefault(point.entry, ([0], [0.0]))
        xs.append(point.step)
        ys.append(point.rating)
    order = [e.entry for e in rated.entries if e.entry in lines]
    named = set(order if len(order) <= LEGEND_ENTRIES else order[:10])

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        if not lines:
            ax.text(0.5, 0.5, "no talks", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return
        for name in order:
            xs, ys = lines[name]
            if name in named:
                ax.step(xs, ys, where="post", linewidth=1.2, label=_label(name))
            else:
                ax.step(xs, ys, where="post", linewidth=0.6, color="#bdc3c7")
        ax.set_xlabel("talks played (plan order)")
        ax.set_ylabel("rating (μ − 3σ)")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)

    return _svg("plot-ratings", "Rating over time", draw, (8.0, 4.0))


def plot_head_to_head(board: Standings) -> str:
    """Heatmap of the head-to-head mean score differences (row minus column)."""

    names = [e.entry for e in board.entries if e.talks]
    where = {name: n for n, name in enumerate(names)}
    matrix = [[math.nan] * len(names) for _ in names]
    for cell in board.head_to_head:
        if cell.entry in where and cell.opponent in where:
            matrix[where[cell.entry]][where[cell.opponent]] = cell.mean_difference
    finite = [abs(v) for row in matrix for v in row if not math.isnan(v)]
    limit = max(finite, default=1.0) or 1.0

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        if not finite:
            ax.text(0.5, 0.5, "no entries met", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return
        if len(names) <= VECTOR_HEATMAP:
            # one vector square per cell: sharp at any zoom
            edges = [n - 0.5 for n in range(len(names) + 1)]
            masked = np.ma.masked_invalid(np.asarray(matrix, dtype=float))
            image = ax.pcolormesh(edges, edges, masked, cmap="RdBu", vmin=-limit, vmax=limit)
            ax.set_xlim(edges[0], edges[-1])
            ax.set_ylim(edges[-1], edges[0])  # first entry on top, as in the table
            ax.set_aspect("equal")
        else:
            image = ax.imshow(matrix, cmap="RdBu", vmin=-limit, vmax=limit, interpolation="none")
        ticks = list(range(len(names)))
        labels = [_label(n) for n in names]
        ax.set_xticks(ticks, labels=labels, rotation=40, ha="right")
        ax.set_yticks(ticks, labels=labels)
        ax.set_xlabel("opponent")
        ax.set_ylabel("entry")
        if len(names) <= 12:
            for r, row in enumerate(matrix):
                for c, value in enumerate(row):
                    if not math.isnan(value):
                        dark = abs(value) > 0.6 * limit
                        ax.text(
                            c,
                            r,
                            f"{value:.2f}",
                            ha="center",
                            va="center",
                            fontsize=7,
                            color="white" if dark else "black",
                        )
        bar = fig.colorbar(image, ax=ax, label="mean score difference (entry − opponent)")
        if bar.solids is not None:
            bar.solids.set_rasterized(False)  # vector, so the page holds no image

    side = max(4.5, 0.5 * len(names) + 2.5)
    return _svg("plot-head-to-head", "Head-to-head matrix", draw, (side + 1.2, side))


# --- tables -----------------------------------------------------------------------------

_COLUMNS = (
    ("#", None),
    ("entry", "name"),
    ("talks", None),
    ("mean score [95% CI]", None),
    ("mean raw", None),
    ("mean normalised", None),
    ("agreement rate", None),
    ("rounds to agreement", None),
    ("Pareto distance", None),
    ("Nash distance", None),
    ("vetoes", None),
    ("defections (detected)", None),
    ("challenges (hit rate)", None),
    ("failures", None),
    ("timeouts", None),
    ("rating (μ, σ)", None),
)


def standings_table(rows: Sequence[EntryStanding], table_id: str) -> str:
    """An HTML table of standings rows."""

    head = "".join(
        f'<th class="{cls}">{_esc(label)}</th>' if cls else f"<th>{_esc(label)}</th>"
        for label, cls in _COLUMNS
    )
    body = []
    for place, r in enumerate(rows, start=1):
        ci = (
            f"{_num(r.mean_score)} [{_num(r.ci_low)}, {_num(r.ci_high)}]"
            if r.mean_score is not None
            else "–"
        )
        rating = (
            f"{_num(r.rating, 2)} ({_num(r.mu, 1)}, {_num(r.sigma, 1)})"
            if r.rating is not None
            else "–"
        )
        cells = [
            str(place),
            f'<td class="name">{_esc(r.entry)}</td>',
            str(r.talks),
            ci,
            _num(r.mean_raw),
            _num(r.mean_normalised),
            _pct(r.agreement_rate),
            _num(r.mean_rounds_to_agreement, 1),
            _num(r.mean_pareto_distance),
            _num(r.mean_nash_distance),
            str(r.vetoes),
            f"{r.defections} ({r.detected})",
            f"{r.challenges} ({_pct(r.hit_rate)})",
            str(r.failures),
            str(r.timeouts),
            rating,
        ]
        body.append(
            "<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in cells) + "</tr>"
        )
    return (
        f'<div class="scroll"><table id="{_esc(table_id)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def head_to_head_table(board: Standings) -> str:
    """The head-to-head matrix as a table: mean difference and talks per cell."""

    names = [e.entry for e in board.entries if e.talks]
    cells = {(h.entry, h.opponent): h for h in board.head_to_head}
    head = '<th class="name">entry \\ opponent</th>' + "".join(f"<th>{_esc(n)}</th>" for n in names)
    body = []
    for a in names:
        row = [f'<td class="name">{_esc(a)}</td>']
        for b in names:
            h = cells.get((a, b))
            if h is None:
                row.append("<td>–</td>")
            else:
                row.append(
                    f'<td title="{h.wins} won, {h.losses} lost, {h.ties} tied">'
                    f"{h.mean_difference:+.3f} ({h.talks})</td>"
                )
        body.append("<tr>" + "".join(row) + "</tr>")
    return (
        f'<div class="scroll"><table id="head-to-head"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


# --- the page ---------------------------------------------------------------------------


def _scenarios_for(
    tournament: Tournament | None,
    scenarios: Sequence[Scenario] | None,
    results: Sequence[TalkResult],
) -> Sequence[Scenario] | None:
    """The tournament's scenarios, loaded only when a scatter needs them."""

    if scenarios is not None:
        return scenarios
    if tournament is None or not any(len(r.seats) <= SCATTER_SEATS for r in results):
        return None
    try:
        return load_scenarios(tournament)
    except AccordError:
        return None  # moved or changed files: fall back to histograms


def _summary(tournament: Tournament | None, board: Standings, results: Sequence[TalkResult]) -> str:
    items: list[tuple[str, str]] = []
    spec = tournament.spec if tournament is not None else None
    if spec is not None:
        entries = ", ".join(f"{e.name} ({e.kind})" for e in spec.entries)
        items.append(("Entries", f"{len(spec.entries)}: {entries}"))
        labels = ", ".join(s.label for s in spec.scenarios)
        items.append(("Scenarios", f"{len(spec.scenarios)}: {labels}"))
        fmt = spec.format
        if spec.format == "sample":
            fmt += f" ({spec.sample} seatings per scenario)"
        elif spec.format == "rounds":
            fmt += f" ({spec.rounds} rounds, {spec.pairing} pairing)"
        items.append(("Format", fmt))
        items.append(
            ("Repetitions, series", f"{spec.repetitions} × series of {spec.series} talk(s)")
        )
        items.append(("Reputation", "on" if spec.reputation else "off"))
    else:
        names = sorted({s.entry for r in results for s in r.seats})
        items.append(("Entries", f"{len(names)}: {', '.join(names)}"))
        ids = sorted({(r.scenario, r.scenario_id) for r in results})
        items.append(("Scenarios", f"{len(ids)}: {', '.join(i for _, i in ids)}"))
    items.append(("Seed", str(board.seed)))
    items.append(
        ("Talks", f"{board.talks} played, {board.agreements} agreed ({_pct(board.agreement_rate)})")
    )
    problems = sum(1 for r in results if r.problems)
    if problems:
        items.append(("Talks with problems", str(problems)))
    return (
        '<dl class="summary">'
        + "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items)
        + "</dl>"
    )


def _spread_note(board: Standings) -> str:
    s = board.spread
    if s.score is None:
        return '<p class="note">No talks yet.</p>'
    return (
        '<p class="note" id="spread">'
        f"Spread of the entries' mean scores (best − worst): <strong>{s.score:.3f}</strong>"
        f" (raw {_num(s.raw)}, the talks' own normalised score {_num(s.normalised)}). "
        f"{s.separated} of {s.pairs} pairs of entries have 95% intervals that do not overlap; "
        f"the best entry ({_esc(s.best)}) "
        + ("lies wholly above" if s.best_above_worst else "overlaps")
        + f" the worst ({_esc(s.worst)}). Intervals: percentile bootstrap over talks,"
        f" {board.resamples} resamples."
        "</p>"
    )


def _problems(results: Sequence[TalkResult]) -> str:
    troubled = [r for r in in_plan_order(results) if r.problems]
    if not troubled:
        return ""
    items = "".join(
        f"<li><code>{_esc(r.talk)}</code>: {_esc('; '.join(r.problems))}</li>"
        for r in troubled[:MAX_PROBLEMS]
    )
    more = (
        f'<p class="note">… and {len(troubled) - MAX_PROBLEMS} more.</p>'
        if len(troubled) > MAX_PROBLEMS
        else ""
    )
    return (
        '<section id="problems"><h2>Problems</h2>'
        '<p class="note">What the runner reported besides the talks\' events: entries'
        " stopped by their limits, hooks that failed.</p>"
        f"<ul>{items}</ul>{more}</section>"
    )


def render(
    results: Sequence[TalkResult],
    tournament: Tournament | None = None,
    *,
    scenarios: Sequence[Scenario] | None = None,
    board: Standings | None = None,
    rated: Ratings | None = None,
) -> str:
    """The report page as HTML text (the same text for the same results).

    ``scenarios`` (the tournament's, in file order) are needed only for the
    scatter plots of scenarios with few seats; without them they are loaded
    from the tournament, and where that fails the page shows histograms.
    """

    ordered = in_plan_order(results)
    if rated is None:
        rated = rate(ordered, entries=tournament.entry_names if tournament else ())
    if board is None:
        board = standings(ordered, tournament, ratings=rated)
    loaded = _scenarios_for(tournament, scenarios, ordered)
    name = tournament.name if tournament is not None else (board.tournament or "tournament")

    pareto_parts = []
    for table in board.scenarios:
        talks = [r for r in ordered if r.scenario == table.scenario]
        scenario = None
        if loaded is not None and table.scenario < len(loaded):
            candidate = loaded[table.scenario]
            if candidate.id == table.scenario_id:
                scenario = candidate
        bounds = (
            scenario_bounds(scenario)
            if scenario is not None and len(scenario.seats) <= SCATTER_SEATS
            else None
        )
        svg, caption = plot_pareto(table.scenario, table.scenario_id, talks, scenario, bounds)
        pareto_parts.append(f"<h3>{_esc(table.scenario_id)}</h3>" + _figure(svg, _esc(caption)))

    scenario_tables = "".join(
        f"<h3>{_esc(t.scenario_id)}</h3>"
        f'<p class="note">{t.talks} talk(s), {_pct(t.agreement_rate)} agreed; spread of means '
        f"{_num(t.spread.score)}.</p>" + standings_table(t.entries, f"standings-s{t.scenario}")
        for t in board.scenarios
    )

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(name)} – tournament report</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Tournament {_esc(name)}</h1>",
        '<section id="summary"><h2>Summary</h2>',
        _summary(tournament, board, ordered),
        "</section>",
        '<section id="standings-section"><h2>Standings</h2>',
        '<p class="note">Score: 0 is the seat\'s reservation (no deal), 1 its best compliant'
        " package among those every seat prefers to no deal; free riding can go above 1,"
        " sanctions and harm below 0. An entry's score in a talk is the mean over its seats."
        " Rating: openskill Plackett–Luce over each talk's ranking, μ − 3σ.</p>",
        _spread_note(board),
        standings_table(board.entries, "standings"),
        "</section>",
        '<section id="scores"><h2>Score distributions</h2>',
        _figure(
            plot_scores(board.entries, ordered),
            "Each entry's score per talk (box: quartiles, whiskers 1.5 IQR); red: the mean"
            " and its 95% bootstrap interval. Dotted lines at 0 and 1.",
        ),
        "</section>",
        '<section id="agreement"><h2>Agreement rate per scenario</h2>',
        _figure(
            plot_agreement(board),
            "Share of each scenario's talks (their number in brackets) that ended in an"
            " agreement; the dashed line is the whole tournament's.",
        ),
        "</section>",
        '<section id="pareto"><h2>Agreements against the Pareto frontier</h2>',
        "".join(pareto_parts) or '<p class="note">No talks yet.</p>',
        "</section>",
        '<section id="ratings"><h2>Rating over time</h2>',
        _figure(
            plot_ratings(rated),
            "Each entry's openskill rating (μ − 3σ) after each talk it sat in, talks in"
            " plan order.",
        ),
        "</section>",
        '<section id="head-to-head-section"><h2>Head to head</h2>',
        _figure(
            plot_head_to_head(board),
            "Row entry's mean score minus the column entry's, over the talks where both sat"
            " (blue: the row entry did better).",
        ),
        '<p class="note">Each cell: mean score difference (talks together); hover for'
        " wins, losses and ties.</p>",
        head_to_head_table(board),
        "</section>",
        '<section id="scenario-standings"><h2>Standings per scenario</h2>',
        scenario_tables or '<p class="note">No talks yet.</p>',
        "</section>",
        _problems(ordered),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def write_report(
    results: Sequence[TalkResult],
    path: str | Path,
    tournament: Tournament | None = None,
    *,
    scenarios: Sequence[Scenario] | None = None,
) -> Path:
    """Write the report page to ``path``; returns it."""

    path = Path(path)
    if path.parent != Path():
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(results, tournament, scenarios=scenarios), encoding="utf-8")
    return path


__all__ = [
    "head_to_head_table",
    "plot_agreement",
    "plot_head_to_head",
    "plot_pareto",
    "plot_ratings",
    "plot_scores",
    "render",
    "standings_table",
    "write_report",
]
