"""The web page's scripts hold to the protocol: they know every event type there is."""

from __future__ import annotations

import re

import msgspec

from accord.protocol.events import EVENTS
from tests.helpers import ROOT


def test_the_room_view_takes_every_event_type_of_the_protocol() -> None:
    source = (ROOT / "server" / "static" / "room.js").read_text(encoding="utf-8")
    listed = re.search(r"const EVENT_TYPES = new Set\(\[(.*?)\]\);", source, re.S)
    assert listed is not None
    known = set(re.findall(r"'([a-z_]+)'", listed.group(1)))
    tags = {msgspec.inspect.type_info(cls).tag for cls in EVENTS}  # type: ignore[attr-defined]
    assert known == tags
