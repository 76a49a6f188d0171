"""The published contract, generated from the message types.

:func:`json_schema` gives the JSON Schema of both unions; :func:`markdown`
renders docs/protocol.md (every message, its fields, an example). Tests fail
when the checked-in copies differ from what these produce.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from functools import cache
from importlib import resources
from typing import Any

import msgspec
import msgspec.inspect as mi

from accord.protocol import PROTOCOL_VERSION, closes
from accord.protocol.codec import MAX_FRAME_BYTES, MAX_SERVER_FRAME_BYTES, ServerMessage, encode
from accord.protocol.commands import CLIENT_MESSAGES, MAX_ID, MAX_REF, MAX_TOKEN, ClientMessage
from accord.protocol.errors import all_codes
from accord.protocol.events import EVENTS
from accord.protocol.examples import CLIENT_EXAMPLES, SERVER_EXAMPLES
from accord.protocol.replies import REPLIES

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")

# Keywords whose values are instances rather than schemas: a "description" key
# inside them is data and stays as it is.
_INSTANCE_KEYWORDS = frozenset({"const", "default", "enum", "example", "examples"})
# Keywords whose values map names to schemas: a field may be called "default".
_SCHEMA_MAPS = frozenset({"$defs", "properties", "patternProperties", "dependentSchemas"})


def normalise_description(text: str) -> str:
    """A docstring as one canonical text: paragraphs of single-spaced words.

    ``inspect.cleandoc``, then split on blank lines, collapse each paragraph's
    whitespace to single spaces and join paragraphs with a blank line. msgspec
    releases differ in how they indent the continuation lines of a class
    docstring; this text is the same whichever one produced it.
    """

    paragraphs = _PARAGRAPH_BREAK.split(inspect.cleandoc(text))
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def normalise_schema(schema: Any) -> Any:
    """A copy of a JSON Schema in a layout that no msgspec release decides.

    Every ``description`` goes through :func:`normalise_description`, and in
    every ``anyOf`` a ``{"type": "null"}`` member comes last (msgspec before
    0.22 put it first).
    """

    if isinstance(schema, list):
        return [normalise_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "description" and isinstance(value, str):
            out[key] = normalise_description(value)
        elif key in _INSTANCE_KEYWORDS:
            out[key] = value
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: normalise_schema(sub) for name, sub in value.items()}
        elif key == "anyOf" and isinstance(value, list):
            # A stable sort: the other members keep their order.
            members = normalise_schema(value)
            out[key] = sorted(members, key=lambda m: m == {"type": "null"})
        else:
            out[key] = normalise_schema(value)
    return out


def schema_definitions(ref_template: str = "#/$defs/{name}") -> dict[str, Any]:
    """Every named schema, normalised: the structs by name, then the two unions.

    Shared by the JSON Schema and the AsyncAPI document, so both describe the
    same types; ``ref_template`` places the references where each keeps them.
    """

    (client, server), components = msgspec.json.schema_components(
        [ClientMessage, ServerMessage], ref_template=ref_template
    )
    defs = {name: normalise_schema(sub) for name, sub in sorted(components.items())}
    defs["ClientMessage"] = normalise_schema(client)
    defs["ServerMessage"] = normalise_schema(server)
    return defs


def json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) with ``ClientMessage`` and ``ServerMessage`` in ``$defs``."""

    defs = schema_definitions()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://accord.invalid/protocol/v{PROTOCOL_VERSION}.schema.json",
        "title": f"accord protocol v{PROTOCOL_VERSION}",
        "description": "Messages over the accord websocket, one JSON object per frame.",
        "anyOf": [{"$ref": "#/$defs/ClientMessage"}, {"$ref": "#/$defs/ServerMessage"}],
        "$defs": defs,
    }


def schema_text() -> str:
    """The schema as stable, indented JSON text (what is checked in)."""

    raw = msgspec.json.encode(json_schema(), order="sorted")
    return msgspec.json.format(raw, indent=2).decode() + "\n"


# --- markdown -------------------------------------------------------------------


@cache
def _field_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings (a string right after a field) of ``cls`` and its bases."""

    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, msgspec.Struct)):
            continue
        if klass.__module__ == "msgspec":
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for node, after in zip(body, body[1:], strict=False):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def _module_docs(module: object) -> dict[str, str]:
    """Docstrings of a module's constants (a string right after the assignment)."""

    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    docs: dict[str, str] = {}
    for node, after in zip(tree.body, tree.body[1:], strict=False):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.targets[0].id] = " ".join(after.value.value.split())
    return docs


def _type_name(t: mi.Type) -> str:
    match t:
        case mi.StrType():
            return "string"
        case mi.IntType():
            return "integer"
        case mi.FloatType():
            return "number"
        case mi.BoolType():
            return "boolean"
        case mi.NoneType():
            return "null"
        case mi.LiteralType(values=values):
            return " \\| ".join(f'`"{v}"`' if isinstance(v, str) else f"`{v}`" for v in values)
        case mi.ListType(item_type=item) | mi.VarTupleType(item_type=item):
            return f"list of {_type_name(item)}"
        case mi.DictType(key_type=key, value_type=value):
            return f"map {_type_name(key)} → {_type_name(value)}"
        case mi.UnionType(types=types):
            return " or ".join(_type_name(x) for x in types)
        case mi.StructType(cls=cls):
            return f"[{cls.__name__}](#{cls.__name__.lower()})"
        case _:
            return type(t).__name__


def _default(field: mi.Field) -> str:
    if field.required:
        return "required"
    if field.default is not msgspec.NODEFAULT:
        return f"`{encode(field.default).decode()}`"
    return "`[]`" if field.default_factory is list else "`{}`"


def _doc(cls: type) -> str:
    return inspect.cleandoc(cls.__doc__ or "").replace("\n", " ")


def _fields_table(cls: type) -> list[str]:
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    docs = _field_docs(cls)
    lines = ["| field | type | default | meaning |", "|---|---|---|---|"]
    if info.tag_field is not None:
        lines.append(f'| `{info.tag_field}` | `"{info.tag}"` | required | message type |')
    for field in info.fields:
        lines.append(
            f"| `{field.encode_name}` | {_type_name(field.type)} | {_default(field)} "
            f"| {docs.get(field.name, '')} |"
        )
    return lines


def _nested_structs(types: tuple[type, ...]) -> list[type]:
    found: dict[str, type] = {}

    def walk(t: mi.Type) -> None:
        match t:
            case mi.StructType(cls=cls, fields=fields):
                if cls not in types and cls.__name__ not in found:
                    found[cls.__name__] = cls
                for f in fields:
                    walk(f.type)
            case mi.ListType(item_type=item) | mi.VarTupleType(item_type=item):
                walk(item)
            case mi.DictType(value_type=value):
                walk(value)
            case mi.UnionType(types=members):
                for m in members:
                    walk(m)
            case _:
                pass

    for cls in types:
        walk(mi.type_info(cls))
    return [found[name] for name in sorted(found)]


def _section(cls: type, examples: dict[str, object]) -> list[str]:
    tag = cls.__struct_config__.tag
    example = msgspec.json.format(encode(examples[tag]), indent=2).decode()
    return [
        f"### `{tag}`",
        "",
        f'<a id="{cls.__name__.lower()}"></a>{_doc(cls)}',
        "",
        *_fields_table(cls),
        "",
        "```json",
        example,
        "```",
        "",
    ]


def _intro() -> str:
    """The hand-written part of docs/protocol.md, with the limits filled in."""

    text = resources.files("accord.protocol").joinpath("intro.md").read_text(encoding="utf-8")
    return text.format(
        version=PROTOCOL_VERSION,
        frame=MAX_FRAME_BYTES,
        server_frame=MAX_SERVER_FRAME_BYTES,
        max_ref=MAX_REF,
        max_id=MAX_ID,
        max_token=MAX_TOKEN,
    )


def markdown() -> str:
    """The full text of docs/protocol.md."""

    lines = [_intro()]
    lines += ["## Client → server", ""]
    for cls in CLIENT_MESSAGES:
        lines += _section(cls, CLIENT_EXAMPLES)
    lines += ["## Server → client: room events", ""]
    for cls in EVENTS:
        lines += _section(cls, SERVER_EXAMPLES)
    lines += ["## Server → client: replies", ""]
    for cls in REPLIES:
        lines += _section(cls, SERVER_EXAMPLES)
    lines += ["## Shared types", ""]
    for cls in _nested_structs(CLIENT_MESSAGES + EVENTS + REPLIES):
        lines += [f"### {cls.__name__}", "", f'<a id="{cls.__name__.lower()}"></a>{_doc(cls)}', ""]
        lines += [*_fields_table(cls), ""]
    lines += ["## Error codes", "", "| code | meaning |", "|---|---|"]
    for code, cls in all_codes().items():
        lines.append(f"| `{code}` | {_doc(cls) or cls.__name__} |")
    lines += ["", "## Close codes", "", "| code | name | when |", "|---|---|---|"]
    docs = _module_docs(closes)
    for code, name in closes.CLOSE_CODES.items():
        constant = next(k for k, v in vars(closes).items() if k.isupper() and v == code)
        lines.append(f"| {code} | {name} | {docs.get(constant, '')} |")
    return "\n".join(lines).rstrip() + "\n"
