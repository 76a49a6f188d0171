"""The reference talks end at their recorded chain heads (bench/reference_talks.py).

A head covers every event of a talk, so a change that alters any strategy's
decision, any event or the chain's construction changes some head and fails
here; a change meant to alter talks records the new heads with
``python bench/reference_talks.py --write``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_reference_talk_ends_at_its_recorded_head() -> None:
    spec = importlib.util.spec_from_file_location(
        "reference_talks", ROOT / "bench" / "reference_talks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = json.loads((ROOT / "tests" / "data" / "reference-talks.json").read_text())
    current = module.heads()
    assert len(current) == len(expected) >= 180
    changed = sorted(t for t in current if expected.get(t) != current[t])
    assert changed == [], f"{len(changed)} reference talks changed: {changed[:5]}"
