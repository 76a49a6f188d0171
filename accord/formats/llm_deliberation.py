"""LLM-Deliberation games (Abdelnabi et al.): a folder of prose, per-agent scores and a config.

An agent's score of a deal is the sum of its scores of the chosen options (at
most 100 in the published games); it accepts a deal scoring at least its
threshold. A deal passes with all parties but one, p1 and p2 among them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from accord.formats.common import FormatError, Imported, slug
from accord.protocol.scenario.limits import MAX_ID_LENGTH

MAX_TEXT = 20_000
"""accord's bound on a description or a brief's notes."""

MAX_LABEL = 200

_ISSUE = re.compile(r'^\s*Issue\s+([A-Z])\s*:\s*"?([^"\n]*?)"?\s*$', re.MULTILINE)
_OPTION = re.compile(r"^\s*([A-Z])(\d+)\s*:?\s*(.*?)\s*$", re.MULTILINE)
_ROLES = {"p1", "p2", "target", "player"}


def _text(path: Path, repairs: list[str]) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(path, f"cannot read: {exc.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        repairs.append(f"{path.name}: not UTF-8; read as Windows-1252")
        return data.decode("cp1252", errors="replace")


def _config(folder: Path, repairs: list[str]) -> list[dict[str, str]]:
    path = folder / "config.txt"
    agents = []
    for n, line in enumerate(_text(path, repairs).splitlines()):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 4:
            raise FormatError(
                path,
                f"line {n + 1}: expected 'name,file,role,incentive,model', found {line.strip()!r}",
            )
        name, file, role, incentive = fields[:4]
        if role not in _ROLES:
            raise FormatError(path, f"line {n + 1}: role {role!r} is not one of {sorted(_ROLES)}")
        if not name or not file:
            raise FormatError(path, f"line {n + 1}: empty agent name or file name")
        agents.append({"name": name, "file": file, "role": role, "incentive": incentive})
    if len(agents) < 2:
        raise FormatError(path, f"{len(agents)} agent(s); at least 2 are needed")
    for role in ("p1", "p2"):
        count = sum(a["role"] == role for a in agents)
        if count > 1:
            raise FormatError(path, f"{count} agents have the role {role!r}")
    return agents


def _scores(path: Path, repairs: list[str]) -> tuple[list[list[float]], float]:
    lines = [line for line in _text(path, repairs).splitlines() if line.strip()]
    if len(lines) < 2:
        raise FormatError(path, "expected one line of scores per issue and a threshold line")
    stripped = sum(line != line.rstrip() for line in lines)
    if stripped:
        repairs.append(f"{path.name}: trailing spaces on {stripped} line(s) ignored")
    rows = []
    for n, line in enumerate(lines[:-1]):
        row = []
        for k, cell in enumerate(line.split(",")):
            try:
                score = float(cell.strip())
            except ValueError:
                raise FormatError(
                    path, f"issue {chr(65 + n)}: option {k + 1}: {cell.strip()!r} is not a number"
                ) from None
            if not 0 <= score < float("inf"):
                raise FormatError(path, f"issue {chr(65 + n)}: option {k + 1}: {score} is negative")
            row.append(score)
        rows.append(row)
    try:
        threshold = float(lines[-1].strip())
    except ValueError:
        raise FormatError(
            path, f"threshold (last line): {lines[-1].strip()!r} is not a number"
        ) from None
    return rows, threshold


def _agenda(text: str, letters: list[str]) -> dict[str, dict[str, Any]]:
    """Issue titles and option labels found in the global instructions (may be partial)."""

    found: dict[str, dict[str, Any]] = {}
    for match in _ISSUE.finditer(text):
        found.setdefault(match.group(1), {"title": match.group(2).strip(), "labels": {}})
    for match in _OPTION.finditer(text):
        letter, k, rest = match.groups()
        if letter in found and letter in letters:
            quoted = re.match(r'^"([^"]+)"\s*:', rest)  # A1 "name": meaning
            label = quoted.group(1) if quoted else rest
            found[letter]["labels"].setdefault(int(k), label.strip()[:MAX_LABEL])
    return found


def _fill(prose: str, letters: list[str], rows: list[list[float]]) -> str:
    for letter, row in zip(letters, rows, strict=True):
        prose = prose.replace(f"#{letter}_MAX_NUM", f"{max(row):g}")
        for k, score in enumerate(row):
            prose = re.sub(rf"#{letter}{k + 1}_NUM\b", f"{score:g}", prose)
    return prose


def import_llm_deliberation(paths: list[str | Path]) -> Imported:
    """One game folder (the one holding config.txt)."""

    if len(paths) != 1:
        raise FormatError("", "give one game folder (the one holding config.txt)")
    folder = Path(paths[0])
    if not (folder / "config.txt").is_file():
        raise FormatError(folder, "no config.txt: not an LLM-Deliberation game folder")
    repairs: list[str] = []
    agents = _config(folder, repairs)
    scores = {}
    for agent in agents:
        path = folder / "scores_files" / f"{agent['file']}.txt"
        scores[agent["name"]] = (path, *_scores(path, repairs))
    first_path, first_rows, _ = scores[agents[0]["name"]]
    shape = [len(r) for r in first_rows]
    for path, rows, _ in scores.values():
        if [len(r) for r in rows] != shape:
            raise FormatError(
                path,
                f"options per issue {[len(r) for r in rows]} differ from {first_path.name}'s {shape}",
            )
    letters = [chr(65 + n) for n in range(len(shape))]
    if len(letters) > 26:
        raise FormatError(first_path, "more than 26 issues")
    global_path = folder / "global_instructions.txt"
    public = _text(global_path, repairs) if global_path.is_file() else ""
    agenda = _agenda(public, letters)
    taken: set[str] = set()
    issues = []
    for letter, size in zip(letters, shape, strict=True):
        info = agenda.get(letter, {"title": "", "labels": {}})
        title = f"Issue {letter}: {info['title']}" if info["title"] else f"Issue {letter}"
        issue: dict[str, Any] = {
            "id": slug(info["title"], taken, letter.lower())
            if info["title"]
            else slug(letter, taken, letter.lower()),
            "title": title[:MAX_LABEL],
            "options": [f"{letter}{k + 1}" for k in range(size)],
        }
        labels = info["labels"]
        if all(k + 1 in labels and labels[k + 1] for k in range(size)):
            issue["labels"] = [f"{letter}{k + 1}: {labels[k + 1]}"[:MAX_LABEL] for k in range(size)]
        issues.append(issue)
    seats: set[str] = set()
    delegations = []
    required = []
    for agent in agents:
        path, rows, threshold = scores[agent["name"]]
        tops = [max(row) for row in rows]
        total = sum(tops)
        if total <= 0:
            raise FormatError(path, "every score is 0")
        if not 0 <= threshold <= total:
            raise FormatError(path, f"threshold {threshold:g} is outside [0, {total:g}]")
        seat = slug(agent["name"], seats, f"agent-{len(delegations) + 1}")[:MAX_ID_LENGTH]
        if agent["role"] in ("p1", "p2"):
            required.append(seat)
        prose_path = (
            folder / "individual_instructions" / agent["incentive"] / f"{agent['file']}.txt"
        )
        notes = (
            f"Role {agent['role']}, incentive {agent['incentive']}. Scores: the maximum deal"
            f" scores {total:g}, the threshold is {threshold:g}."
        )
        if prose_path.is_file():
            notes += "\n\n" + _fill(_text(prose_path, repairs).strip(), letters, rows)
        if len(notes) > MAX_TEXT:
            repairs.append(f"{prose_path.name}: instructions cut to {MAX_TEXT} characters")
            notes = notes[:MAX_TEXT]
        delegations.append(
            {
                "id": seat,
                "name": agent["name"][:MAX_LABEL],
                "brief": {
                    "reservation": threshold / total,
                    "weights": {i["id"]: top / total for i, top in zip(issues, tops, strict=True)},
                    "values": {
                        i["id"]: [s / top if top > 0 else 0.0 for s in row]
                        for i, row, top in zip(issues, rows, tops, strict=True)
                    },
                    "notes": notes,
                },
            }
        )
    description = (
        f"Imported from the LLM-Deliberation game {folder.name}. A deal needs every party but"
        " one, p1 and p2 among them (their seats are required). In the original an agent accepts"
        " a deal scoring at or above its threshold (accord: above its reservation), and p1 scores"
        " +10 for a unanimous deal (not represented)."
    )
    if public:
        description += "\n\n" + public.strip()
    if len(description) > MAX_TEXT:
        repairs.append(f"{global_path.name}: description cut to {MAX_TEXT} characters")
        description = description[:MAX_TEXT]
    scenario = {
        "id": slug(folder.name, set(), "llm-deliberation"),
        "title": f"LLM-Deliberation: {folder.name}",
        "description": description,
        "issues": issues,
        "delegations": delegations,
        "rules": {"decision": "unanimity", "all_but": 1, "required": required},
    }
    return Imported(scenario, repairs)
