"""Known-answer vectors for the canonical form and the hash chain (docs/chain-vectors.json).

A client in any language checks itself against them: each canonical-form
vector gives a JSON value and its RFC 8785 text; each digest vector a salt, a
value and the digest; each transcript a copy of one scripted talk, as the
organizer, a seat and the public read it, all with the same head hash. A test
fails when the checked-in file differs from what this module produces, so any
change to the chain's construction shows.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from accord.protocol.commands import Act, CastVote, Challenge, Pass, Propose, Say
from accord.protocol.engine.room import Room
from accord.protocol.engine.seals import digest
from accord.protocol.engine.transcript import lines_for
from accord.protocol.engine.visibility import ORGANIZER, SPECTATOR, Viewer
from accord.protocol.jcs import canonical_json
from accord.protocol.scenario.load import scenario_from_dict

_CANONICAL: list[Any] = [
    {"b": 1, "a": 2, "": 3},
    {"z": {"y": [3, 2, 1]}, "a": None, "m": True, "n": False},
    [1.0, -0.0, 0.5, 100.0, 1e21, 1e20, 1e-7, 1e-6, 123.456, 0.1 + 0.2, 1733059583.123456],
    [9007199254740991, -9007199254740991, 5e-324, 1.7976931348623157e308, 2.0**53, 4.35],
    ["ascii", "é ü ß", "\u2028\u2029", "\x00\x01\x1f\x7f", 'quote " backslash \\ slash /'],
    ["\b\f\n\r\t", "\U0001f600 beyond the BMP", "\ufb33 in the BMP"],
    {"\U0001f600": "astral key", "\ufb33": "BMP key", "a": "ascii key"},
]


def _scenario() -> Any:
    issues = [
        {"id": "cut", "title": "Emission cut", "options": ["low", "high"]},
        {
            "id": "checks",
            "title": "Verification",
            "kind": "verification",
            "options": ["none", "full"],
        },
    ]
    brief = {
        "weights": {"cut": 0.5, "checks": 0.5},
        "values": {"cut": [0.25, 1.0], "checks": [0.0, 1.0]},
        "reservation": 0.25,
    }
    return scenario_from_dict(
        {
            "id": "vectors",
            "title": "A three-seat talk for known-answer vectors",
            "issues": issues,
            "delegations": [
                {"id": "north", "weight": 2.0, "veto": True, "brief": brief},
                {"id": "south", "brief": {**brief, "reservation": 0.5}},
                {"id": "east", "brief": brief},
            ],
            "rules": {"decision": "consensus", "max_rounds": 2, "ballot": "secret"},
            "implementation": {
                "periods": 1,
                "inspection_cost": 0.25,
                "detection": {"checks": [0.0, 1.0]},
                "parties": {
                    "north": {"comply_cost": 0.125, "defect_gain": 0.25, "harm": 0.125},
                    "south": {"comply_cost": 0.125, "defect_gain": 0.25, "harm": 0.125},
                    "east": {"comply_cost": 0.125, "defect_gain": 0.25, "harm": 0.125},
                },
            },
        },
        file="vectors",
    )


def scripted_talk() -> Room:
    """One small talk through every kind of sealed content, driven by fixed inputs."""

    room = Room(
        _scenario(), room_id="room-vectors", seed=7, now=1700000000.5, sealing_key=bytes(range(32))
    )
    t = 1700000000.5
    for seat in ("north", "south", "east"):
        t += 1.25
        room.join(seat, now=t)
    package = {"cut": "high", "checks": "full"}
    script: list[tuple[str, Any]] = [
        ("south", Say(text="We can live with a high cut if it is checked.", to=["north"])),
        ("north", Say(text="Agreed, in public too.")),
        ("north", Propose(package=package)),
        ("south", Pass()),
        ("east", Pass()),
        ("north", CastVote(package_id="R1-north-1", vote="yes")),
        ("south", CastVote(package_id="R1-north-1", vote="yes")),
        ("east", CastVote(package_id="R1-north-1", vote="abstain")),
        ("north", Act(choice="comply")),
        ("south", Act(choice="defect")),
        ("east", Act(choice="comply")),
        ("north", Challenge(target="south")),
        ("south", Pass()),
        ("east", Pass()),
    ]
    for seat, command in script:
        t += 0.75
        room.handle(seat, command, now=t)
    assert room.finished
    return room


def vectors() -> dict[str, Any]:
    """The whole vectors document."""

    room = scripted_talk()
    hashes = room.chain.hashes
    copies = [
        ("organizer", ORGANIZER),
        ("seat south", Viewer.of_seat("south")),
        ("public", SPECTATOR),
    ]
    salt = bytes.fromhex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
    return {
        "description": (
            "Known-answer vectors of the accord chain (docs/protocol.md, 'Hash chain and "
            "transcripts'): canonical forms (RFC 8785), salted digests, and one talk's "
            "transcript as three audiences read it, all ending at the same head."
        ),
        "canonical": [
            {"value": value, "canonical": canonical_json(value).decode("utf-8")}
            for value in _CANONICAL
        ],
        "digests": [
            {"salt": salt.hex(), "value": value, "digest": digest(salt, value)}
            for value in ("yes", {"north": "yes", "south": "no"}, [0.5, 1.0, None])
        ],
        "transcripts": [
            {
                "reader": name,
                "head": hashes[-1],
                "lines": [
                    msgspec.to_builtins(line) for line in lines_for(room.log, hashes, viewer)
                ],
            }
            for name, viewer in copies
        ],
    }


def vectors_text() -> str:
    """The vectors as stable, indented JSON text (what is checked in)."""

    return json.dumps(vectors(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
