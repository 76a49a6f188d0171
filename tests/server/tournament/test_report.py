"""The HTML report: one self-contained page that parses, with every plot and table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import msgspec

from accord.server.tournament.report import render, write_report
from tests.server.tournament.played import BUILT_INS, play_tournament, six_entries

SVG = "{http://www.w3.org/2000/svg}"

PLOTS = ("plot-scores", "plot-agreement", "plot-ratings", "plot-head-to-head")


class Page(HTMLParser):
    """Collects the tags of a page: ids, svg titles, table cells, sources."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []
        self.stack: list[tuple[str, str | None]] = []
        self.cells: dict[str, list[str]] = {}
        self.titles: dict[str, str] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.append(attributes["id"] or "")
        self.stack.append((tag, attributes.get("id")))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if not self.stack:
            return
        tag = self.stack[-1][0]
        if tag == "title" and len(self.stack) >= 2 and self.stack[-2][0] == "svg":
            self.titles[self.stack[-2][1] or ""] = data
        if tag == "td":
            table = next((i for t, i in reversed(self.stack) if t == "table"), None)
            if table is not None:
                self.cells.setdefault(table, []).append(data)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def test_the_report_parses_and_holds_every_plot_and_the_table(tmp_path: Path) -> None:
    played = play_tournament(six_entries())
    path = write_report(played.results, tmp_path / "out" / "report.html", played.tournament)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    parsed = parse(page)

    svgs = [a.get("id") for t, a in parsed.tags if t == "svg"]
    expected = [*PLOTS, "plot-pareto-0", "plot-pareto-1"]
    assert sorted(svgs) == sorted(expected)
    for plot in expected:
        assert parsed.titles.get(plot), f"{plot} has no title"
    assert parsed.titles["plot-scores"] == "Score distributions per entry"

    # the standings table names every entry, in the order of the standings
    names = [c for c in parsed.cells["standings"] if c in BUILT_INS]
    assert sorted(names) == sorted(BUILT_INS)
    for table in ("head-to-head", "standings-s0", "standings-s1"):
        assert set(BUILT_INS) <= set(parsed.cells[table])
    # the 95% interval is in the table
    assert any(
        re.fullmatch(r"-?\d+\.\d{3} \[-?\d+\.\d{3}, -?\d+\.\d{3}\]", c)
        for c in parsed.cells["standings"]
    )

    # summary: entries, scenarios, talks, format, seed
    text = " ".join(parsed.text)
    for fact in (
        "climate-accord",
        "nonproliferation-deal",
        "sample",
        str(played.tournament.spec.seed),
        f"{len(played.results)} played",
    ):
        assert fact in text

    # self-contained: no script, no external stylesheet or image, ids unique
    tags = {t for t, _ in parsed.tags}
    assert not tags & {"script", "link", "img", "iframe", "object"}
    for _, attributes in parsed.tags:
        for name in ("src", "href", "xlink:href"):
            value = attributes.get(name)
            assert value is None or value.startswith("#"), value
    assert len(parsed.ids) == len(set(parsed.ids))


def test_every_svg_is_well_formed_xml() -> None:
    played = play_tournament(six_entries())
    page = render(played.results, played.tournament)
    parts = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(parts) == 6
    for part in parts:
        root = ET.fromstring(part)
        assert root.tag == f"{SVG}svg"
        assert root.find(f"{SVG}title") is not None
        # the text of the plots stays text (svg.fonttype = none)
        assert root.iter(f"{SVG}text") is not None
    scores = ET.fromstring(next(p for p in parts if 'id="plot-scores"' in p))
    labels = {"".join(t.itertext()).strip() for t in scores.iter(f"{SVG}text")}
    assert set(BUILT_INS) <= labels


def test_few_seats_get_a_scatter_over_the_frontier_many_seats_histograms() -> None:
    spec = {
        "name": "small",
        "seed": 3,
        "entries": [{"name": n, "strategy": n} for n in BUILT_INS[:4]],
        "scenarios": [
            {"generate": {"seed": 1, "seats": 2, "issues": 3, "options": 4}},
            {"generate": {"seed": 2, "seats": 3, "issues": 3, "options": 3}},
            {"name": "climate-accord"},
        ],
        "format": "sample",
        "sample": 4,
    }
    played = play_tournament(spec)
    page = render(played.results, played.tournament)
    parts = {
        m.group(1): m.group(0)
        for m in re.finditer(r'<svg\b[^>]*\bid="(plot-pareto-\d)".*?</svg>', page, flags=re.S)
    }
    assert sorted(parts) == ["plot-pareto-0", "plot-pareto-1", "plot-pareto-2"]
    assert "Pareto frontier" in parts["plot-pareto-0"]
    assert "Pareto-optimal (projected)" in parts["plot-pareto-1"]
    assert "utility of s3" in parts["plot-pareto-1"]
    assert "from the Pareto frontier" in parts["plot-pareto-2"]
    # without the scenarios (files gone, say), every scenario gets histograms
    page = render(played.results, None)
    assert "Pareto-optimal (projected)" not in page
    assert page.count("from the Pareto frontier") >= 3


def test_text_from_the_tournament_is_escaped() -> None:
    played = play_tournament(six_entries())
    evil = "<script>alert('x')</script> & $x$"
    results = [
        msgspec.structs.replace(r, scenario_id=evil, problems=(f"stopped: {evil}",))
        for r in played.results
    ]
    page = render(results, played.tournament)
    parsed = parse(page)
    assert "script" not in {t for t, _ in parsed.tags}
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp;" in page
    text = " ".join(parsed.text)
    assert f"stopped: {evil}" in text
    for part in re.findall(r"<svg\b.*?</svg>", page, flags=re.S):
        ET.fromstring(part)


def test_the_same_results_give_the_same_page() -> None:
    played = play_tournament(six_entries())
    assert render(played.results, played.tournament) == render(
        list(reversed(played.results)), played.tournament
    )


def test_an_empty_tournament_still_renders() -> None:
    played = play_tournament(six_entries())
    parsed = parse(render([], played.tournament))
    assert {"plot-scores", "plot-agreement", "plot-ratings", "plot-head-to-head"} <= set(parsed.ids)
    names = [c for c in parsed.cells["standings"] if c in BUILT_INS]
    assert sorted(names) == sorted(BUILT_INS)
