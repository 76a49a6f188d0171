"""GeniusWeb JSON (GeniusWeb 1.x, ANAC 2020-2021): a domain and LinearAdditiveUtilitySpace profiles.

Value utilities are used as written (GeniusWeb does not normalise them by the
issue maximum); the reservation is the utility of the profile's
``reservationBid``, or 0 without one.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from accord.formats.common import WEIGHT_TOLERANCE, FormatError, Imported, slug
from accord.formats.genius import _domain_stem

PROFILE = "LinearAdditiveUtilitySpace"
MAX_RESERVATION_SEARCH = 1_000_000
"""Packages searched, at most, for a reservation bid when exporting."""


def _load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise FormatError(path, f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise FormatError(path, f"not UTF-8 text ({exc.reason})") from None
    try:
        # Decimal, as GeniusWeb's reference reader: weights written 0.10 sum exactly
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise FormatError(path, f"not valid JSON: {exc}") from None


def _object(value: Any, path: Path, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(path, f"{where}: expected an object, found {type(value).__name__}")
    return value


def _domain(data: Any, path: Path) -> tuple[str, dict[str, list[str]]]:
    data = _object(data, path, "the domain")
    raw = _object(data.get("issuesValues"), path, "'issuesValues'")
    issues: dict[str, list[str]] = {}
    for name, spec in raw.items():
        spec = _object(spec, path, f"issue {name!r}")
        if "values" not in spec:
            kind = "a number range" if "range" in spec else "no 'values'"
            raise FormatError(path, f"issue {name!r}: {kind} (only discrete issues are supported)")
        values = spec["values"]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise FormatError(path, f"issue {name!r}: 'values' must be a list of strings")
        if len(values) < 2:
            raise FormatError(path, f"issue {name!r}: has {len(values)} value(s), at least 2")
        if len(set(values)) != len(values):
            raise FormatError(path, f"issue {name!r}: a value appears twice")
        issues[name] = values
    if not issues:
        raise FormatError(path, "the domain has no issues")
    return str(data.get("name") or path.stem), issues


def _utilities(spec: Any, path: Path, issue: str) -> dict[str, Any]:
    spec = _object(spec, path, f"issue {issue!r}")
    for key in ("DiscreteValueSetUtilities", "discreteutils"):  # the second: older files
        if key in spec:
            inner = _object(spec[key], path, f"issue {issue!r}: {key}")
            return _object(inner.get("valueUtilities"), path, f"issue {issue!r}: 'valueUtilities'")
    kinds = ", ".join(spec) or "nothing"
    raise FormatError(path, f"issue {issue!r}: unsupported value utilities ({kinds})")


def _profile(
    path: Path, issues: dict[str, list[str]], repairs: list[str]
) -> tuple[str, dict[str, Any]]:
    data = _object(_load(path), path, "the profile")
    if PROFILE not in data:
        kinds = ", ".join(data) or "nothing"
        raise FormatError(path, f"expected a {PROFILE}, found {kinds}")
    space = _object(data[PROFILE], path, PROFILE)
    embedded = space.get("domain")
    if embedded is not None:
        _, theirs = _domain(embedded, path)
        if {k: set(v) for k, v in theirs.items()} != {k: set(v) for k, v in issues.items()}:
            raise FormatError(path, "the embedded 'domain' differs from the domain file")
    raw_weights = _object(space.get("issueWeights"), path, "'issueWeights'")
    raw_utils = _object(space.get("issueUtilities"), path, "'issueUtilities'")
    weights: dict[str, Decimal] = {}
    values: dict[str, list[float]] = {}
    for issue, options in issues.items():
        if issue not in raw_weights:
            raise FormatError(path, f"issueWeights: issue {issue!r} has no weight")
        w = raw_weights[issue]
        if isinstance(w, bool) or not isinstance(w, (int, Decimal)) or not 0 <= w <= 1:
            raise FormatError(path, f"issueWeights: issue {issue!r}: {w} is not in [0, 1]")
        weights[issue] = Decimal(w)
        if issue not in raw_utils:
            raise FormatError(path, f"issueUtilities: issue {issue!r} is missing")
        table = _utilities(raw_utils[issue], path, issue)
        row = []
        for option in options:
            if option not in table:
                raise FormatError(path, f"issue {issue!r}: value {option!r} has no utility")
            u = table[option]
            if isinstance(u, bool) or not isinstance(u, (int, Decimal)) or not 0 <= u <= 1:
                raise FormatError(path, f"issue {issue!r}: value {option!r}: {u} is not in [0, 1]")
            row.append(float(u))
        extra = sorted(set(table) - set(options))
        if extra:
            raise FormatError(path, f"issue {issue!r}: value {extra[0]!r} is not in the domain")
        values[issue] = row
    for key in (raw_weights, raw_utils):
        extra = sorted(set(key) - set(issues))
        if extra:
            raise FormatError(path, f"issue {extra[0]!r} is not in the domain")
    total = sum(weights.values())
    if total <= 0:
        raise FormatError(path, "issueWeights sum to 0")
    scale = Decimal(1)
    if abs(total - 1) > Decimal(str(WEIGHT_TOLERANCE)):
        scale = 1 / total
        repairs.append(f"{path.name}: issueWeights sum to {total}, not 1: divided by the sum")
    float_weights = {k: float(w * scale) for k, w in weights.items()}
    reservation = 0.0
    bid = space.get("reservationBid")
    if bid is not None:
        chosen = _object(
            _object(bid, path, "reservationBid").get("issuevalues"),
            path,
            "reservationBid: 'issuevalues'",
        )
        for issue, option in chosen.items():
            if issue not in issues:
                raise FormatError(path, f"reservationBid: issue {issue!r} is not in the domain")
            if option not in issues[issue]:
                raise FormatError(
                    path, f"reservationBid: issue {issue!r}: {option!r} is not a value"
                )
            # an issue missing from the bid contributes 0, as in GeniusWeb
            reservation += float_weights[issue] * values[issue][issues[issue].index(option)]
        reservation = min(1.0, reservation)
    name = str(space.get("name") or path.stem)
    return name, {
        "weights": float_weights,
        "values": values,
        "reservation": reservation,
        "has_bid": bid is not None,
    }


def split_folder(paths: list[Path]) -> list[Path]:
    """The domain file, then the profiles: a folder is split by each file's content."""

    if len(paths) != 1 or not paths[0].is_dir():
        return paths
    domain, profiles = [], []
    for file in sorted(paths[0].glob("*.json")):
        data = _load(file)
        if isinstance(data, dict) and "issuesValues" in data:
            domain.append(file)
        elif isinstance(data, dict) and PROFILE in data:
            profiles.append(file)
    if len(domain) != 1:
        raise FormatError(
            paths[0], f"expected one domain file ('issuesValues'), found {len(domain)}"
        )
    return domain + profiles


def import_geniusweb(paths: list[str | Path]) -> Imported:
    """A GeniusWeb domain file followed by its profiles (or one folder holding them)."""

    files = split_folder([Path(p) for p in paths])
    if len(files) < 3:
        raise FormatError(
            files[0] if files else "", "give the domain file and at least two profiles"
        )
    repairs: list[str] = []
    domain_path = files[0]
    name, issues = _domain(_load(domain_path), domain_path)
    taken: set[str] = set()
    ids = {issue: slug(issue, taken, f"issue-{n + 1}") for n, issue in enumerate(issues)}
    seats: set[str] = set()
    delegations = []
    for n, path in enumerate(files[1:]):
        party, p = _profile(path, issues, repairs)
        how = "utility of its reservationBid" if p["has_bid"] else "no reservationBid: 0"
        delegations.append(
            {
                "id": slug(party, seats, f"party-{n + 1}"),
                "name": party,
                "brief": {
                    "reservation": p["reservation"],
                    "weights": {ids[i]: w for i, w in p["weights"].items()},
                    "values": {ids[i]: row for i, row in p["values"].items()},
                    "notes": f"Imported from the GeniusWeb profile {path.name} (reservation: {how}).",
                },
            }
        )
    scenario = {
        "id": slug(name, set(), "geniusweb"),
        "title": name,
        "description": f"Imported from the GeniusWeb domain {domain_path.name}.",
        "issues": [
            {"id": ids[issue], "title": issue, "options": options}
            for issue, options in issues.items()
        ],
        "delegations": delegations,
    }
    return Imported(scenario, repairs)


# --- export ----------------------------------------------------------------------------


def export_geniusweb(scenario: Any, folder: Path) -> tuple[list[Path], list[str]]:
    """Write ``scenario`` as a GeniusWeb domain and one profile per delegation."""

    notes: list[str] = []
    titles = [i.title for i in scenario.issues]
    names = titles if len(set(titles)) == len(titles) else [i.id for i in scenario.issues]
    domain = {
        "name": scenario.id,
        "issuesValues": {
            n: {"values": list(i.options)} for n, i in zip(names, scenario.issues, strict=True)
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    domain_path = folder / f"{_domain_stem(scenario)}.json"
    domain_path.write_text(
        json.dumps(domain, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    written = [domain_path]
    for d in scenario.delegations:
        brief = d.brief
        space: dict[str, Any] = {
            "name": d.id,
            "issueUtilities": {
                n: {
                    "DiscreteValueSetUtilities": {
                        "valueUtilities": dict(zip(i.options, brief.values[i.id], strict=True))
                    }
                }
                for n, i in zip(names, scenario.issues, strict=True)
            },
            "issueWeights": {
                n: brief.weights[i.id] for n, i in zip(names, scenario.issues, strict=True)
            },
            "domain": domain,
        }
        if brief.reservation > 0:
            bid = _reservation_search(scenario, brief, names)
            if bid is None:
                notes.append(
                    f"{d.id}: reservation {brief.reservation:g} not written (no bid found)"
                )
            else:
                space["reservationBid"] = {"issuevalues": bid[1]}
                if bid[0] != brief.reservation:
                    notes.append(
                        f"{d.id}: reservation {brief.reservation:g} written as the least bid at"
                        f" or above it (utility {bid[0]:.6g})"
                    )
        path = folder / f"{d.id}.json"
        path.write_text(
            json.dumps({"LinearAdditiveUtilitySpace": space}, indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        written.append(path)
    return written, notes


def _reservation_search(
    scenario: Any, brief: Any, names: list[str]
) -> tuple[float, dict[str, str]] | None:
    if scenario.outcome_count > MAX_RESERVATION_SEARCH:
        return None
    rows = [
        [(o, brief.weights[i.id] * v) for o, v in zip(i.options, brief.values[i.id], strict=True)]
        for i in scenario.issues
    ]
    best: tuple[float, tuple[str, ...]] | None = None
    for package in itertools.product(*rows):
        u = sum(t for _, t in package)
        if u >= brief.reservation - 1e-12 and (best is None or u < best[0]):
            best = (u, tuple(o for o, _ in package))
    if best is None:
        return None
    return best[0], dict(zip(names, best[1], strict=True))
