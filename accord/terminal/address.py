"""Where to join: the server's websocket URL and the seat token from what was typed.

``accord join`` takes the server's address in any of the forms a person is
given: ``http(s)://HOST:PORT``, ``ws(s)://HOST:PORT/ws``, or the room link the
web page and ``accord demo --human`` print
(``http://HOST:PORT/#/rooms/ID?token=T``), whose token serves when ``--token``
is not given.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit, urlunsplit


def websocket_url(url: str) -> str:
    """``http(s)://host:port[/]`` or ``ws(s)://host:port[/ws]`` → the server's ``/ws`` URL
    (a room link's fragment is dropped); ``ValueError`` for anything else."""

    parts = urlsplit(url.strip())
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise ValueError(
            f"{url!r} is not a server address: write http://HOST:PORT, ws://HOST:PORT/ws"
            " or a room link http://HOST:PORT/#/rooms/ID?token=..."
        )
    path = parts.path.rstrip("/")
    if not path.endswith("/ws"):  # a server behind a path prefix keeps it
        path += "/ws"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def link_token(url: str) -> str | None:
    """The ``token`` a room link carries (in its fragment or its query), if any."""

    parts = urlsplit(url.strip())
    for query in (urlsplit(parts.fragment).query, parts.query):
        tokens = parse_qs(query).get("token")
        if tokens and tokens[0]:
            return tokens[0]
    return None


def seat_address(url: str, token: str | None) -> tuple[str, str]:
    """(websocket URL, seat token) for ``accord join URL [--token T]``.

    ``--token`` wins over a token in the link; with neither, ``ValueError`` says
    where a token comes from."""

    token = token or link_token(url)
    if not token:
        raise ValueError(
            "no seat token: give --token T, or the room link with ?token=... that the"
            " organizer sent you"
        )
    return websocket_url(url), token
