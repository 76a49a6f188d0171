"""The hub and the websocket session do not know each other.

Both depend on the small protocol module :mod:`accord.server.subscriber`
instead; the session changes the hub and its rooms only through their
methods. Read from the source with :mod:`ast`, so that an import hidden under
``if TYPE_CHECKING:`` or inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import accord.server.hub
import accord.server.session

HUB = "accord.server.hub"
SESSION = "accord.server.session"
PROTOCOLS = "accord.server.subscriber"


def imported(module: object) -> set[str]:
    """Every module (and ``package.name`` imported from a package) the file imports."""

    path = Path(module.__file__)  # type: ignore[attr-defined]
    package = module.__name__.rpartition(".")[0]  # type: ignore[attr-defined]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            # ``from accord.server import session`` imports a module too
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_hub_and_session_do_not_import_each_other() -> None:
    hub, session = imported(accord.server.hub), imported(accord.server.session)
    assert SESSION not in hub, "server/hub.py imports server/session.py"
    assert HUB not in session, "server/session.py imports server/hub.py"
    # what they share is the protocol module
    assert PROTOCOLS in hub and PROTOCOLS in session


def test_the_protocol_module_imports_nothing_of_ours_at_run_time() -> None:
    path = Path(accord.server.session.__file__).with_name("subscriber.py")
    tree = ast.parse(path.read_text())
    runtime = [
        node
        for node in tree.body  # top level only: ``if TYPE_CHECKING:`` blocks are not run
        if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    modules = {
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in runtime
        for alias in node.names
    }
    assert modules <= {"__future__", "typing"}, modules


INTERNALS = {"subscribers", "holders", "sessions", "entry_sessions", "_entries", "_entry_of"}
"""Collections the hub and the live rooms keep to themselves."""


def test_session_code_leaves_other_objects_collections_alone() -> None:
    path = Path(accord.server.session.__file__)
    touched = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Attribute):
            continue
        own = isinstance(node.value, ast.Name) and node.value.id == "self"
        if node.attr in INTERNALS or (node.attr == "rooms" and not own):
            touched.append(f"line {node.lineno}: .{node.attr}")
    assert not touched, touched
