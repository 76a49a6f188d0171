"""Genius XML (Genius 10.x, ANAC 2010-2019): a domain file and one profile per party.

Utilities follow Genius's ``AdditiveUtilitySpace``: each issue's evaluations are
divided by that issue's largest evaluation (an issue whose largest evaluation
is below 1e-5 contributes 0), and weighted by the profile's weights.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET

from accord.formats.common import WEIGHT_TOLERANCE, FormatError, Imported, slug

EPSILON = 1e-5
"""Genius's EvaluatorDiscrete treats an issue whose largest evaluation is below this as worth 0."""

_BARE_AMP = re.compile(r"&(?!(?:[A-Za-z_][A-Za-z0-9._-]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
_JAVA_SUFFIX = re.compile(r"^([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)[fFdD]$")


# --- reading XML the way Genius does ----------------------------------------------------


def read_xml(path: Path, repairs: list[str]) -> ET.Element:
    """Parse ``path`` with entity expansion refused, repairing what Genius tolerates."""

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(path, f"cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Genius reads with the JVM's default charset, Windows-1252 on the machines
        # the ANAC files were written on
        try:
            text = data.decode("cp1252")
            charset = "Windows-1252"
        except UnicodeDecodeError:
            text, charset = data.decode("latin-1"), "Latin-1"
        repairs.append(
            f"{path.name}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start});"
            f" read as {charset}"
        )
    # the text is decoded already: an encoding declaration would contradict it
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    count = len(_BARE_AMP.findall(text))
    if count:
        text = _BARE_AMP.sub("&amp;", text)
        repairs.append(f"{path.name}: {count} bare '&' read as a literal '&'")
    try:
        return SafeET.fromstring(text)
    except defusedxml.DefusedXmlException as exc:
        raise FormatError(
            path, f"refused: the file declares entities or a DTD ({type(exc).__name__})"
        ) from None
    except ET.ParseError as exc:
        raise FormatError(path, f"not well-formed XML: {exc}") from None


def number(raw: str | None, path: Path, where: str, repairs: list[str]) -> float | None:
    """A number as Java's ``Double.parseDouble`` reads it (None if absent)."""

    if raw is None:
        return None
    text = raw.strip()
    if text != raw:
        repairs.append(f"{path.name}: {where}: spaces around {raw!r} ignored")
    match = _JAVA_SUFFIX.match(text)
    if match:
        repairs.append(f"{path.name}: {where}: Java type suffix in {text!r} ignored")
        text = match.group(1)
    try:
        value = float(text)
    except ValueError:
        raise FormatError(path, f"{where}: {raw!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise FormatError(path, f"{where}: {raw!r} is not a finite number")
    return value


def _name(element: ET.Element, attr: str, path: Path, where: str, repairs: list[str]) -> str:
    raw = element.get(attr)
    if raw is None:
        raise FormatError(path, f"{where} has no '{attr}'")
    text = raw.strip()
    if text != raw:
        repairs.append(f"{path.name}: {where}: spaces around {raw!r} ignored")
    if not text:
        raise FormatError(path, f"{where} has an empty '{attr}'")
    return text


# --- the domain and the profiles -------------------------------------------------------


def _issues(root: ET.Element, path: Path, repairs: list[str]) -> list[dict[str, Any]]:
    """Per issue: index, name, items (each with its evaluation element)."""

    issues = []
    for n, element in enumerate(root.iter("issue")):
        name = _name(element, "name", path, f"issue #{n + 1}", repairs)
        where = f"issue {name!r}"
        kind = (element.get("type") or element.get("etype") or "discrete").strip()
        if kind != "discrete":
            raise FormatError(path, f"{where}: {kind!r} issues are not supported (only discrete)")
        items = []
        for k, item in enumerate(element.iter("item")):
            value = _name(item, "value", path, f"{where}: item #{k + 1}", repairs)
            items.append((value, item))
        if len(items) < 2:
            raise FormatError(path, f"{where}: has {len(items)} item(s), at least 2 are needed")
        seen = set()
        for value, _ in items:
            if value in seen:
                raise FormatError(path, f"{where}: item {value!r} appears twice")
            seen.add(value)
        issues.append({"index": (element.get("index") or "").strip(), "name": name, "items": items})
    if not issues:
        raise FormatError(path, "no <issue> found")
    return issues


def _profile(
    path: Path, domain: list[dict[str, Any]], domain_path: Path, repairs: list[str]
) -> dict[str, Any]:
    root = read_xml(path, repairs)
    issues = _issues(root, path, repairs)
    by_name = {i["name"]: i for i in issues}
    weights_by_index: dict[str, float] = {}
    for w in root.iter("weight"):
        index = (w.get("index") or "").strip()
        value = number(w.get("value"), path, f"weight index {index!r}", repairs)
        if value is None:
            raise FormatError(path, f"weight index {index!r} has no value")
        weights_by_index[index] = value
    names, weights, values = [], [], []
    for issue in domain:
        name = issue["name"]
        mine = by_name.get(name)
        if mine is None:
            raise FormatError(path, f"issue {name!r} (of {domain_path.name}) is missing")
        evaluations: dict[str, float] = {}
        for value, item in mine["items"]:
            where = f"issue {name!r}: item {value!r}"
            e = number(item.get("evaluation"), path, where, repairs)
            if e is None:
                raise FormatError(path, f"{where} has no evaluation")
            if e < 0:
                raise FormatError(path, f"{where}: evaluation {e} is negative")
            evaluations[value] = e
        row = []
        for value, _ in issue["items"]:
            if value not in evaluations:
                raise FormatError(path, f"issue {name!r}: item {value!r} has no evaluation")
            row.append(evaluations[value])
        extra = sorted(set(evaluations) - {v for v, _ in issue["items"]})
        if extra:
            raise FormatError(
                path, f"issue {name!r}: item {extra[0]!r} is not in {domain_path.name}"
            )
        top = max(row)
        values.append([e / top if top >= EPSILON else 0.0 for e in row])
        # weights are matched to issues by index, as Genius does
        index = mine["index"]
        if index not in weights_by_index:
            raise FormatError(path, f"issue {name!r}: no <weight> with index {index!r}")
        w = weights_by_index[index]
        if w < 0:
            raise FormatError(path, f"issue {name!r}: weight {w} is negative")
        names.append(name)
        weights.append(w)
    reservation_el = root.find(".//reservation")
    reservation = 0.0
    if reservation_el is not None:
        r = number(reservation_el.get("value"), path, "reservation", repairs)
        reservation = 0.0 if r is None else r
    if not 0 <= reservation <= 1:
        raise FormatError(path, f"reservation: {reservation} is outside [0, 1]")
    discount_el = root.find(".//discount_factor")
    discount = 1.0
    if discount_el is not None:
        d = number(discount_el.get("value"), path, "discount_factor", repairs)
        discount = 1.0 if d is None or d <= 0 or d > 1 else d  # Genius's own replacement
    return {
        "weights": weights,
        "values": values,
        "reservation": reservation,
        "discount": discount,
    }


def _domain_name(root: ET.Element, path: Path) -> str:
    objective = root.find(".//objective")
    name = objective.get("name") if objective is not None else None
    return (name or path.stem).strip() or path.stem


def split_folder(paths: list[Path]) -> list[Path]:
    """The domain file, then the profiles: a folder is split by the root element."""

    if len(paths) != 1 or not paths[0].is_dir():
        return paths
    domain, profiles = [], []
    for file in sorted(paths[0].glob("*.xml")):
        head = file.read_bytes()[:512].lstrip()
        (domain if head.startswith(b"<negotiation_template") else profiles).append(file)
    if len(domain) != 1:
        raise FormatError(
            paths[0], f"expected one domain file (<negotiation_template>), found {len(domain)}"
        )
    return domain + profiles


def import_genius(paths: list[str | Path]) -> Imported:
    """A Genius domain file followed by its profiles (or one folder holding them)."""

    files = split_folder([Path(p) for p in paths])
    if len(files) < 3:
        raise FormatError(
            files[0] if files else "", "give the domain file and at least two profiles"
        )
    repairs: list[str] = []
    domain_path, profile_paths = files[0], files[1:]
    root = read_xml(domain_path, repairs)
    domain = _issues(root, domain_path, repairs)
    taken: set[str] = set()
    issues = []
    for n, issue in enumerate(domain):
        issues.append(
            {
                "id": slug(issue["name"], taken, f"issue-{n + 1}"),
                "title": issue["name"],
                "options": [v for v, _ in issue["items"]],
            }
        )
    seats: set[str] = set()
    delegations = []
    notes_all = []
    for n, path in enumerate(profile_paths):
        p = _profile(path, domain, domain_path, repairs)
        total = sum(p["weights"])
        weights, reservation = p["weights"], p["reservation"]
        notes = [f"Imported from the Genius profile {path.name}."]
        if total <= 0:
            raise FormatError(path, "the weights sum to 0")
        if abs(total - 1) > WEIGHT_TOLERANCE:
            weights = [w / total for w in weights]
            # dividing the reservation too keeps every accept/reject decision as in Genius
            reservation = min(1.0, reservation / total)
            repairs.append(
                f"{path.name}: weights sum to {total:.10g}, not 1: divided by the sum"
                f" (utilities and reservation scaled by {1 / total:.6g})"
            )
            notes.append(f"Genius weights summed to {total:.10g}; scaled to 1.")
        if p["discount"] != 1:
            notes.append(
                f"Genius discount factor {p['discount']:g} (accord does not discount utilities)."
            )
            notes_all.append(f"{path.name}: discount factor {p['discount']:g}")
        seat = slug(path.stem, seats, f"party-{n + 1}")
        delegations.append(
            {
                "id": seat,
                "name": path.stem,
                "brief": {
                    "reservation": reservation,
                    "weights": {i["id"]: w for i, w in zip(issues, weights, strict=True)},
                    "values": {i["id"]: row for i, row in zip(issues, p["values"], strict=True)},
                    "notes": " ".join(notes),
                },
            }
        )
    name = _domain_name(root, domain_path)
    description = f"Imported from the Genius domain {domain_path.name}."
    if notes_all:
        description += " Discount factors, not applied by accord: " + "; ".join(notes_all) + "."
    scenario = {
        "id": slug(name, set(), "genius"),
        "title": name,
        "description": description,
        "issues": issues,
        "delegations": delegations,
    }
    return Imported(scenario, repairs)


# --- export ----------------------------------------------------------------------------


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def export_genius(scenario: Any, folder: Path) -> tuple[list[Path], list[str]]:
    """Write ``scenario`` as a Genius domain and one profile per delegation.

    An issue whose best value is m < 1 is written with evaluations divided by m
    and weight multiplied by m, so that Genius's per-issue normalisation yields
    the same utilities.
    """

    notes: list[str] = []
    names = _issue_names(scenario)
    head = f'<objective index="0" name="{_attr(scenario.title)}" type="objective">'
    lines = [
        "<negotiation_template>",
        f'<utility_space number_of_issues="{len(scenario.issues)}">',
        head,
    ]
    for n, issue in enumerate(scenario.issues):
        lines.append(
            f'<issue index="{n + 1}" name="{_attr(names[n])}" type="discrete"'
            ' etype="discrete" vtype="discrete">'
        )
        for k, option in enumerate(issue.options):
            lines.append(f'<item index="{k + 1}" value="{_attr(option)}"></item>')
        lines.append("</issue>")
    lines += ["</objective>", "</utility_space>", "</negotiation_template>"]
    folder.mkdir(parents=True, exist_ok=True)
    domain = folder / f"{_domain_stem(scenario)}.xml"
    domain.write_text("\n".join(lines) + "\n", encoding="utf-8")
    written = [domain]
    for d in scenario.delegations:
        brief = d.brief
        lines = ["<utility_space>", head]
        weights = []
        for n, issue in enumerate(scenario.issues):
            row = brief.values[issue.id]
            top = max(row)
            lines.append(
                f'<issue index="{n + 1}" name="{_attr(names[n])}" type="discrete"'
                ' etype="discrete" vtype="discrete">'
            )
            for k, (option, v) in enumerate(zip(issue.options, row, strict=True)):
                e = v / top if top > 0 else 0.0
                lines.append(
                    f'<item index="{k + 1}" value="{_attr(option)}" evaluation="{e!r}"></item>'
                )
            lines.append("</issue>")
            # an all-zero issue contributes 0 in Genius whatever its weight: keep the weight
            weights.append(brief.weights[issue.id] * top if top > 0 else brief.weights[issue.id])
            if 0 < top < 1:
                notes.append(
                    f"{d.id}: issue {issue.id!r} peaks at {top:g}: weight scaled by it"
                    " (Genius normalises each issue to a maximum of 1)"
                )
        for n, w in enumerate(weights):
            lines.append(f'<weight index="{n + 1}" value="{w!r}"></weight>')
        lines += [
            "</objective>",
            '<discount_factor value="1.0"></discount_factor>',
            f'<reservation value="{brief.reservation!r}"></reservation>',
            "</utility_space>",
        ]
        profile = folder / f"{d.id}.xml"
        profile.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(profile)
    return written, notes


def _issue_names(scenario: Any) -> list[str]:
    titles = [i.title for i in scenario.issues]
    # titles are the names an imported scenario came with; ids are unique for certain
    return titles if len(set(titles)) == len(titles) else [i.id for i in scenario.issues]


def _domain_stem(scenario: Any) -> str:
    # profiles are named after the seats: the domain file must not take one's name
    seats = set(scenario.seats)
    return scenario.id if scenario.id not in seats else f"{scenario.id}-domain"
