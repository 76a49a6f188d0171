"""docs/asyncapi.yaml: current, readable back, valid AsyncAPI 3.0.0, complete.

The AsyncAPI specification's JSON Schema and an independent YAML 1.2 parser come
from npm (tests/asyncapi/package.json, ``npm ci --prefix tests/asyncapi``); the
tests that need them skip without them, and fail instead under
``ACCORD_REQUIRE_ASYNCAPI=1`` (CI).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from accord.protocol.asyncapi import asyncapi_document, asyncapi_text, to_yaml
from accord.protocol.commands import CLIENT_MESSAGES
from accord.protocol.contract import json_schema
from accord.protocol.events import EVENTS
from accord.protocol.examples import CLIENT_EXAMPLES, SERVER_EXAMPLES
from accord.protocol.replies import REPLIES
from tests.helpers import ROOT

DOC = ROOT / "docs" / "asyncapi.yaml"
NPM = ROOT / "tests" / "asyncapi"
SPEC = NPM / "node_modules" / "@asyncapi" / "specs" / "schemas" / "3.0.0-without-$id.json"
YAML_JS = NPM / "node_modules" / "yaml"


def _require(path: Path, what: str) -> Path:
    if path.exists():
        return path
    reason = f"{what} is not installed: run `npm ci --prefix tests/asyncapi`"
    if os.environ.get("ACCORD_REQUIRE_ASYNCAPI") == "1":
        pytest.fail(reason + " (ACCORD_REQUIRE_ASYNCAPI=1)")
    pytest.skip(reason)


def _as_json(value: Any) -> Any:
    """``value`` as JSON reads it back (tuples become lists)."""

    return json.loads(json.dumps(value))


# --- a reader for the emitter's subset of YAML ---------------------------------------

_KEY = re.compile(r"([A-Za-z_$/][A-Za-z0-9_$./+-]*):(?= |$)")
_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]*([eE][-+]?[0-9]+)?")
_UNESCAPE = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}


def _quoted(text: str) -> tuple[str, str]:
    """The double-quoted string at the start of ``text``, and what follows it."""

    assert text[0] == '"'
    out, i = [], 1
    while text[i] != '"':
        if text[i] == "\\":
            code = text[i + 1]
            if code in _UNESCAPE:
                out.append(_UNESCAPE[code])
                i += 2
            else:
                width = {"u": 4, "U": 8}[code]
                out.append(chr(int(text[i + 2 : i + 2 + width], 16)))
                i += 2 + width
        else:
            out.append(text[i])
            i += 1
    return "".join(out), text[i + 1 :]


def _scalar(text: str) -> Any:
    if text.startswith('"'):
        value, rest = _quoted(text)
        assert rest == "", text
        return value
    fixed = {"null": None, "true": True, "false": False, "{}": {}, "[]": []}
    if text in fixed:
        return fixed[text]
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    assert re.fullmatch(r"[A-Za-z_$/][A-Za-z0-9_$./+-]*", text), f"not a bare string: {text!r}"
    return text


class _Reader:
    def __init__(self, text: str) -> None:
        assert text.endswith("\n")
        lines = text[:-1].split("\n")
        while lines and lines[0].startswith("#"):
            lines.pop(0)
        self.lines = lines
        self.i = 0

    def _at(self, indent: int) -> str | None:
        """The current line's content if it sits at ``indent``."""

        if self.i >= len(self.lines):
            return None
        line = self.lines[self.i]
        if line[:indent] == " " * indent and line[indent : indent + 1] not in ("", " "):
            return line[indent:]
        return None

    def _key(self, content: str) -> tuple[str, str] | None:
        if content.startswith('"'):
            key, rest = _quoted(content)
            return (key, rest[1:]) if rest.startswith(":") else None
        match = _KEY.match(content)
        return (match.group(1), content[match.end() :]) if match else None

    def block(self, indent: int) -> Any:
        content = self._at(indent)
        assert content is not None, f"line {self.i}: nothing at indent {indent}"
        if content.startswith("- ") or content == "-":
            return self._sequence(indent)
        return self._mapping(indent)

    def _mapping(self, indent: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while (content := self._at(indent)) is not None and not content.startswith("- "):
            parsed = self._key(content)
            assert parsed is not None, f"line {self.i}: not a key: {content!r}"
            key, rest = parsed
            assert key not in out, f"duplicate key {key!r}"
            self.i += 1
            out[key] = self._value(rest, indent)
        return out

    def _sequence(self, indent: int) -> list[Any]:
        out: list[Any] = []
        while (content := self._at(indent)) is not None and content.startswith("- "):
            item = content[2:]
            if item.startswith("- ") or self._key(item) is not None:
                # A container item: its first line shares the dash's line.
                self.lines[self.i] = " " * (indent + 2) + item
                out.append(self.block(indent + 2))
            else:
                self.i += 1
                out.append(self._value(" " + item, indent))
        return out

    def _value(self, rest: str, indent: int) -> Any:
        if rest == "":
            return self.block(indent + 2)
        assert rest.startswith(" "), rest
        if rest == " |-":
            pad = " " * (indent + 2)
            lines = []
            while self.i < len(self.lines) and (
                self.lines[self.i] == "" or self.lines[self.i].startswith(pad)
            ):
                lines.append(self.lines[self.i][len(pad) :])
                self.i += 1
            return "\n".join(lines)
        return _scalar(rest[1:])

    def document(self) -> Any:
        value = self.block(0)
        assert self.i == len(self.lines), f"line {self.i}: unread: {self.lines[self.i]!r}"
        return value


def read_yaml(text: str) -> Any:
    return _Reader(text).document()


def _node_yaml(text: str) -> Any:
    """``text`` parsed by the npm ``yaml`` package (YAML 1.2 core schema), as JSON."""

    _require(YAML_JS, "the npm package yaml")
    node = shutil.which("node")
    if node is None:
        _require(Path("/nonexistent/node"), "node")
    script = (
        "const fs = require('fs'); const YAML = require('yaml');"
        "const doc = YAML.parseDocument(fs.readFileSync(0, 'utf8'), {uniqueKeys: true});"
        "if (doc.errors.length) { console.error(String(doc.errors)); process.exit(1); }"
        "process.stdout.write(JSON.stringify(doc.toJS()));"
    )
    done = subprocess.run(
        [str(node), "-e", script],
        input=text.encode(),
        cwd=NPM,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


# --- the checked-in file ----------------------------------------------------------------


def test_checked_in_asyncapi_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == asyncapi_text(), (
        "docs/asyncapi.yaml is stale: run `accord protocol asyncapi -o docs/asyncapi.yaml`"
    )


def test_the_document_reads_back() -> None:
    assert read_yaml(DOC.read_text(encoding="utf-8")) == _as_json(asyncapi_document())


def test_an_independent_yaml_parser_reads_the_same_document() -> None:
    assert _node_yaml(DOC.read_text(encoding="utf-8")) == _as_json(asyncapi_document())


def test_the_document_is_valid_asyncapi_3() -> None:
    from jsonschema import validators

    spec = json.loads(_require(SPEC, "@asyncapi/specs").read_text(encoding="utf-8"))
    validator = validators.validator_for(spec)(spec)
    document = read_yaml(DOC.read_text(encoding="utf-8"))
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert not problems, "\n".join(problems[:20])
    # The specification's schema does reject what AsyncAPI 3 does not allow.
    document["operations"]["receive_hello"]["action"] = "publish"
    assert not validator.is_valid(document)


# --- what the document says -------------------------------------------------------------


def _resolve(document: Any, ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    if isinstance(node, dict) and set(node) == {"$ref"}:
        return _resolve(document, node["$ref"])
    return node


def test_every_message_type_is_in_the_document() -> None:
    document = asyncapi_document()
    messages = document["components"]["messages"]
    channel = document["channels"]["ws"]
    operations = document["operations"]
    sent = [(cls, "receive") for cls in CLIENT_MESSAGES]
    sent += [(cls, "send") for cls in EVENTS + REPLIES]
    assert len(messages) == len(sent)
    for cls, action in sent:
        tag = cls.__struct_config__.tag
        message = messages[tag]
        assert message["name"] == tag
        assert message["title"] == cls.__name__
        assert message["summary"] and message["summary"] in " ".join((cls.__doc__ or "").split())
        assert message["payload"] == {"$ref": f"#/components/schemas/{cls.__name__}"}
        assert channel["messages"][tag] == {"$ref": f"#/components/messages/{tag}"}
        operation = operations[f"{action}_{tag}"]
        assert operation["action"] == action
        assert operation["messages"] == [{"$ref": f"#/channels/ws/messages/{tag}"}]
        assert ("correlationId" in message) == ("ref" in cls.__struct_fields__), tag


def test_client_messages_are_answered_by_replies_that_echo_the_ref() -> None:
    document = asyncapi_document()
    messages = document["components"]["messages"]
    for cls in CLIENT_MESSAGES:
        tag = cls.__struct_config__.tag
        reply = document["operations"][f"receive_{tag}"]["reply"]
        answers = [_resolve(document, r["$ref"]) for r in reply["messages"]]
        assert messages["error"] in answers, tag
        for answer in answers:
            if answer["name"] == "welcome":  # it answers hello, which needs no ref
                continue
            assert answer["correlationId"] == messages[tag]["correlationId"], (tag, answer)
    assert document["components"]["correlationIds"]["ref"]["location"] == "$message.payload#/ref"


def test_every_reference_resolves() -> None:
    document = asyncapi_document()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    _resolve(document, value)
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(document)


def test_the_payloads_are_the_json_schema_of_the_message_types() -> None:
    """The same schemas as docs/protocol.schema.json, but for where references point and
    the union's OpenAPI-style discriminator, which AsyncAPI's Schema Object spells otherwise."""

    def comparable(node: Any, prefix: str) -> Any:
        if isinstance(node, dict):
            return {
                k: (v.removeprefix(prefix) if k == "$ref" else comparable(v, prefix))
                for k, v in node.items()
                if not (k == "discriminator" and isinstance(v, dict))
            }
        if isinstance(node, list):
            return [comparable(v, prefix) for v in node]
        return node

    ours = comparable(
        _as_json(asyncapi_document()["components"]["schemas"]), "#/components/schemas/"
    )
    theirs = comparable(_as_json(json_schema()["$defs"]), "#/$defs/")
    assert ours == theirs


def test_the_examples_match_their_payload_schema() -> None:
    from jsonschema import Draft7Validator

    document = _as_json(asyncapi_document())
    for message in document["components"]["messages"].values():
        schema = {**message["payload"], "components": document["components"]}
        for example in message["examples"]:
            Draft7Validator(schema).validate(example["payload"])
    assert set(document["components"]["messages"]) == set(CLIENT_EXAMPLES) | set(SERVER_EXAMPLES)


# --- the emitter --------------------------------------------------------------------------

AWKWARD = [
    "",
    " lead",
    "trail ",
    "a\nb",
    "a\n\nb",
    "\n",
    "x\n",
    "\nx",
    "a\n b",
    "tab\there",
    "#hash",
    "a #b",
    "a: b",
    "- dash",
    "-1",
    "yes",
    "No",
    "null",
    "NULL",
    "~",
    "y",
    "on",
    "1",
    "1.5",
    "0x10",
    "1e3",
    ".inf",
    ".nan",
    "é → ü",
    "\u2028",
    "\ufeff",
    "\x00\x07\x1b",
    "\U000e0001",
    '"quoted"',
    "back\\slash",
    "{}",
    "[]",
    "*alias",
    "&anchor",
    "!tag",
    "%dir",
    "@at",
    "`tick`",
    "|",
    ">",
    "?",
    ",",
    "'single'",
    "$ref",
    "/ws",
    "ok",
    "a-b.c/d+e",
]


def test_awkward_values_survive_the_emitter() -> None:
    value = {
        "strings": AWKWARD,
        "keys": {s: i for i, s in enumerate(AWKWARD)},
        "numbers": [0, -3, 10**20, 1.5, -0.25, 1e-05, 1e20, 2.0, 5e-324],
        "constants": [True, False, None],
        "empty": {"map": {}, "list": [], "string": ""},
        "nested": [[1, [2, []]], [{"a": [{}]}], {"b": {"c": ["d"]}}],
        "literal": {"a": "first\n\nsecond line\nthird", "b": ["x\ny", {"c": "p\nq"}]},
    }
    text = to_yaml(value)
    assert read_yaml(text) == value
    if YAML_JS.exists() or os.environ.get("ACCORD_REQUIRE_ASYNCAPI") == "1":
        assert _node_yaml(text) == value


def test_the_emitter_refuses_what_json_cannot_hold() -> None:
    for bad in ({"x": float("nan")}, {"x": float("inf")}, {1: "x"}, {"x": {1, 2}}):
        with pytest.raises((TypeError, ValueError)):
            to_yaml(bad)  # type: ignore[arg-type]
