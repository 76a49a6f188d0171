"""docs/operations.md lists every server setting `--set` can change, with its default."""

from __future__ import annotations

import dataclasses
import re

from accord.server.settings import Settings
from tests.helpers import ROOT

DOC = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")

OWN_OPTIONS = {"host", "port", "db", "organizer_token", "allowed_origins", "json_logs"}
"""Set with options of their own (--host, --port, --db, --json-logs) or a variable."""


def documented() -> dict[str, str]:
    """Setting name → the default the table shows (a cell may name two settings)."""

    table = DOC[DOC.index("| setting | default | setting | default |") :]
    table = table[: table.index("\n\n")]
    out: dict[str, str] = {}
    for row in table.splitlines()[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        for names, default in zip(cells[0::2], cells[1::2], strict=True):
            found = re.findall(r"`([a-z_]+)`", names)
            values = [v.strip() for v in default.split(",")]
            if len(values) == 1:
                values *= len(found)
            out.update(zip(found, values, strict=True))
    return out


def shown(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def test_every_setting_is_in_the_table_with_its_default() -> None:
    table = documented()
    fields = {f.name: f.default for f in dataclasses.fields(Settings)}
    assert set(table) == set(fields) - OWN_OPTIONS
    for name, default in table.items():
        value = fields[name]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert float(default) == value, (name, default, value)
        else:
            assert default == shown(value), (name, default, value)
