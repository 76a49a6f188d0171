"""The published contract (schema, docs) matches the types, and protocol/ stays pure."""

from __future__ import annotations

import ast
import inspect
import json
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.protocol.codec import CLIENT_TAGS, SERVER_TAGS, decode_client, decode_server
from accord.protocol.commands import Hello
from accord.protocol.contract import (
    json_schema,
    markdown,
    normalise_description,
    normalise_schema,
    schema_text,
)
from accord.protocol.errors import ProtocolError
from accord.server.openapi import openapi_document
from tests.helpers import ROOT
from tests.netutil import RunningServer, api

DOCS = ROOT / "docs"


def test_checked_in_schema_is_current() -> None:
    assert (DOCS / "protocol.schema.json").read_text(encoding="utf-8") == schema_text(), (
        "docs/protocol.schema.json is stale: run `accord protocol schema -o docs/protocol.schema.json`"
    )


def test_checked_in_chain_vectors_are_current() -> None:
    """Any change to the canonical form or the chain (say, leaving ``at`` out of
    the hash) changes these known answers and fails here."""

    from accord.protocol.vectors import vectors_text

    assert (DOCS / "chain-vectors.json").read_text(encoding="utf-8") == vectors_text(), (
        "docs/chain-vectors.json is stale: run `accord protocol vectors -o docs/chain-vectors.json`"
    )


def test_the_checked_in_vectors_hold_in_python() -> None:
    """Each committed copy verifies against its committed head, and each canonical and
    digest vector is reproduced, by the verifier every client uses."""

    import msgspec

    from accord.protocol.engine.seals import digest
    from accord.protocol.engine.transcript import read, verify
    from accord.protocol.jcs import canonical_json

    vectors = json.loads((DOCS / "chain-vectors.json").read_text(encoding="utf-8"))
    for vector in vectors["canonical"]:
        assert canonical_json(vector["value"]).decode("utf-8") == vector["canonical"]
    for vector in vectors["digests"]:
        assert digest(bytes.fromhex(vector["salt"]), vector["value"]) == vector["digest"]
    readers = set()
    for copy in vectors["transcripts"]:
        result = verify(read(msgspec.json.encode(line) for line in copy["lines"]))
        assert result.ok and result.head == copy["head"], result.problems
        readers.add((copy["reader"], result.complete, result.withheld > 0))
    assert readers == {
        ("organizer", True, False),
        ("seat south", False, True),
        ("public", False, True),
    }


def test_checked_in_protocol_docs_are_current() -> None:
    assert (DOCS / "protocol.md").read_text(encoding="utf-8") == markdown(), (
        "docs/protocol.md is stale: run `accord protocol docs -o docs/protocol.md`"
    )


def test_description_is_the_same_with_or_without_indented_continuation_lines() -> None:
    doc = Hello.__doc__
    assert doc is not None
    dedented = inspect.cleandoc(doc)
    first, rest = dedented.split("\n", 1)
    assert "\n\n" in dedented, "want a multi-paragraph docstring"
    indented = first + "\n" + textwrap.indent(rest, "    ")
    assert indented != dedented
    assert normalise_description(indented) == normalise_description(dedented)
    paragraphs = normalise_description(dedented).split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0] == "First frame of every connection: protocol version and credential."
    assert all("\n" not in p and "  " not in p for p in paragraphs)


def test_normalise_schema_reaches_fields_and_leaves_data_alone() -> None:
    schema = {
        "anyOf": [{"type": "null"}, {"$ref": "#/$defs/Brief"}],
        "properties": {
            "default": {"type": "string", "description": "a field\n    named default"},
        },
        "default": {"description": "a value\n    kept as written"},
    }
    assert normalise_schema(schema) == {
        "anyOf": [{"$ref": "#/$defs/Brief"}, {"type": "null"}],
        "properties": {"default": {"type": "string", "description": "a field named default"}},
        "default": {"description": "a value\n    kept as written"},
    }


def _descriptions(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                yield value
            else:
                yield from _descriptions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _descriptions(item)


@pytest.mark.parametrize("document", [json_schema, openapi_document], ids=["schema", "openapi"])
def test_descriptions_are_normalised(document: Any) -> None:
    descriptions = list(_descriptions(document()))
    assert any("\n\n" in d for d in descriptions)  # multi-paragraph docstrings are in it
    for text in descriptions:
        assert not [line for line in text.split("\n") if line[:1].isspace()], text
        assert text == normalise_description(text)


async def test_served_schema_is_the_checked_in_file(tmp_path: Path) -> None:
    checked_in = json.loads((DOCS / "protocol.schema.json").read_text(encoding="utf-8"))
    async with RunningServer(tmp_path / "a.db") as server:
        status, served = await api(server.url, "GET", "/api/schema", token=None)
    assert status == 200
    assert served == checked_in


def test_schema_names_every_message_type() -> None:
    schema = json_schema()
    tags = set()
    for definition in schema["$defs"].values():
        props = definition.get("properties", {})
        if "type" in props and "enum" in props["type"]:
            tags.update(props["type"]["enum"])
    assert tags >= CLIENT_TAGS
    assert tags >= SERVER_TAGS
    json.dumps(schema)  # plain JSON


def _documented_examples() -> list[tuple[str, str]]:
    text = (DOCS / "protocol.md").read_text(encoding="utf-8")
    found = []
    for section in re.split(r"^### ", text, flags=re.M)[1:]:
        heading = section.splitlines()[0].strip("` ")
        for block in re.findall(r"```json\n(.*?)```", section, flags=re.S):
            found.append((heading, block))
    return found


def test_every_message_is_documented_with_an_example() -> None:
    documented = {heading for heading, _ in _documented_examples()}
    assert documented >= CLIENT_TAGS | SERVER_TAGS


@pytest.mark.parametrize(("tag", "example"), _documented_examples())
def test_documented_example_decodes(tag: str, example: str) -> None:
    decoded = decode_client(example) if tag in CLIENT_TAGS else decode_server(example)
    assert not isinstance(decoded, ProtocolError), decoded
    assert decoded.__struct_config__.tag == tag  # type: ignore[union-attr]


def test_every_error_code_is_documented() -> None:
    from accord.protocol.errors import all_codes

    text = (DOCS / "protocol.md").read_text(encoding="utf-8")
    for code in all_codes():
        assert f"| `{code}` |" in text


ALLOWED = {"msgspec"}


def _imports(path: Path) -> set[str]:
    """Full names of the modules a file imports."""

    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _allowed(name: str) -> bool:
    top = name.split(".")[0]
    if top == "accord":  # of accord's own modules, only the protocol itself
        return name == "accord.protocol" or name.startswith("accord.protocol.")
    return top in sys.stdlib_module_names or top in ALLOWED


def test_protocol_imports_only_stdlib_and_msgspec() -> None:
    files = sorted((ROOT / "protocol").rglob("*.py"))
    assert files
    offenders = {}
    for path in files:
        bad = {name for name in _imports(path) if not _allowed(name)}
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert not offenders, (
        f"protocol/ must import only the standard library and msgspec: {offenders}"
    )
