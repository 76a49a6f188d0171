"""The hash chain over a room's events.

Each event's hash is ``sha256(previous hash as hex ‖ JCS(chained form))``,
where JCS is RFC 8785 (:mod:`accord.protocol.jcs`) and the chained form is the
event's JSON object with its secret content replaced by salted digests
(:mod:`accord.protocol.engine.seals`). The first event's previous hash is
:data:`GENESIS`. Every audience's copy of a transcript verifies against the
same head hash.
"""

from __future__ import annotations

from hashlib import blake2s, sha256
from json.encoder import encode_basestring
from typing import Any

import msgspec
import msgspec.inspect as mi

from accord.protocol.engine.seals import (
    SEALED,
    WHOLE,
    Secrets,
    chained_form,
    digest,
    pointer_get,
    salt,
)
from accord.protocol.events import EVENTS, BallotResult, Event, VoteCast
from accord.protocol.jcs import MAX_SAFE_INTEGER, canonical_json, encode_sorted, plain_float

GENESIS = "0" * 64

_TALLY_WEIGHTS = ("yes_weight", "no_weight", "abstain_weight", "timeout_weight")
_VOTE_JSON = {vote: f'"{vote}"'.encode() for vote in ("yes", "no", "abstain")}


class Sealed(msgspec.Struct, frozen=True):
    """One secret of an event: its path, its salt (hex) and its digest."""

    path: str
    salt: str
    digest: str


def seal(document: Any, seq: int, paths: tuple[str, ...], key: bytes) -> list[Sealed]:
    """Salt and digest of each secret path of the event ``document`` (its JSON object)."""

    out = []
    for path in paths:
        s = salt(key, seq, path)
        out.append(Sealed(path, s.hex(), digest(s, pointer_get(document, path))))
    return out


def _whole(x: float) -> int | None:
    """``x`` as the integer RFC 8785 prints for it (``1.0`` → ``1``, ``-0.0`` → ``0``),
    or None when it is not a whole number within ±(2⁵³ − 1) (an exponent, not finite)."""

    if type(x) is int:  # a caller's whole number where a float is declared
        return x if -MAX_SAFE_INTEGER <= x <= MAX_SAFE_INTEGER else None
    if x.is_integer() and -MAX_SAFE_INTEGER <= x <= MAX_SAFE_INTEGER:
        return int(x)
    return None


def _flat_fields(cls: type) -> tuple[tuple[str, ...], bool] | None:
    """(float fields, has string-keyed maps) of an event class made only of
    scalars, lists of strings and maps of strings; None for any other."""

    floats: list[str] = []
    maps = False

    def scalar(t: mi.Type) -> bool:
        return isinstance(t, (mi.StrType, mi.IntType, mi.BoolType, mi.NoneType, mi.LiteralType))

    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    for field in info.fields:
        t = field.type
        members = t.types if isinstance(t, mi.UnionType) else (t,)
        for member in members:
            if isinstance(member, mi.FloatType):
                floats.append(field.name)
            elif isinstance(member, (mi.ListType, mi.VarTupleType)) and scalar(member.item_type):
                continue
            elif isinstance(member, mi.DictType) and isinstance(member.key_type, mi.StrType):
                if not scalar(member.value_type):
                    return None
                maps = True
            elif not scalar(member):
                return None
    return tuple(floats), maps


_FLAT: dict[type, tuple[tuple[str, ...], bool]] = {
    cls: plan for cls in EVENTS if (plan := _flat_fields(cls)) is not None
}
"""Event classes whose msgspec encoding is canonical when their floats are plain."""


class Chain:
    """Running hash chain: feed events in order, read the head.

    :meth:`add` keeps the (immutable) event; the chain encodes and hashes
    only when the head or the hashes are read: a talk whose transcript is
    never read does not pay for hashing, and what is read is the same as if
    every event had been hashed on arrival.

    The general path is the documented construction (:mod:`~accord.protocol.engine.seals`,
    :func:`~accord.protocol.jcs.canonical_json`). Three routes give the same
    bytes faster, and tests/protocol/test_chain_equivalence.py checks them
    against a literal reference over random talks: flat events (strings,
    counters, a few floats whose msgspec encoding, whole floats written as
    integers, is their canonical form), votes (the most frequent event,
    sealed with a pre-keyed salt) and ballot results. ``bmp_keys`` says that
    no seat or issue id (the keys of packages) leaves the BMP, where UTF-16
    order and code-point order agree.
    """

    __slots__ = (
        "_bmp_keys",
        "_hashes",
        "_head",
        "_key",
        "_salter",
        "_secret_votes",
        "_secrets",
        "_waiting",
    )

    def __init__(self, key: bytes, *, bmp_keys: bool = False) -> None:
        self._key = key
        self._salter = blake2s(key=key)
        self._bmp_keys = bmp_keys
        self._head = GENESIS
        self._hashes: list[str] = []
        self._secrets: Secrets | None = None
        self._secret_votes = False
        self._waiting: list[Event] = []  # not hashed yet

    def _flat(self, event: Event) -> Event | None:
        """``event`` ready for msgspec's sorted encoding to be its canonical form
        (whole floats as integers, as RFC 8785 prints them), or None when it
        needs the general path."""

        plan = _FLAT.get(type(event))
        if plan is None:
            return None
        floats, maps = plan
        if maps and not self._bmp_keys:
            return None
        whole: dict[str, int] | None = None
        for name in floats:
            value = getattr(event, name)
            if value is None or plain_float(value):
                continue
            n = _whole(value)
            if n is not None:
                if whole is None:
                    whole = {}
                whole[name] = n
            else:
                return None  # an exponent, an unsafe integer, not finite
        # the copy is only encoded, never kept: an int where a float is declared is fine
        return event if whole is None else msgspec.structs.replace(event, **whole)

    def add(self, event: Event) -> None:
        """Append ``event`` (the first one opens the talks); hashed when first needed.

        Events are immutable, so keeping the event itself covers it as it was
        emitted. Which of its content is secret follows from the opening event
        (:class:`~accord.protocol.engine.seals.Secrets`).
        """

        self._waiting.append(event)

    def _form(self, event: Event, paths: tuple[str, ...]) -> bytes:
        """The RFC 8785 bytes of ``event``'s chained form."""

        flat = self._flat(event)
        if not paths:
            return canonical_json(event) if flat is None else encode_sorted(flat)
        if flat is not None:
            # a flat event's secrets are top-level fields (a vote) or the whole of
            # it (a private statement): sealed right here, as seals.chained_form does
            document = msgspec.to_builtins(flat)
            key, seq = self._key, event.seq
            for path in paths:
                s = blake2s(f"{seq}:{path}".encode(), key=key).digest()  # seals.salt
                if path == WHOLE:
                    return encode_sorted({SEALED: sha256(s + encode_sorted(document)).hexdigest()})
                name = path[1:]
                value = document[name]
                data = (
                    encode_basestring(value).encode()
                    if type(value) is str
                    else canonical_json(value)
                )
                document[name] = {SEALED: sha256(s + data).hexdigest()}
            return encode_sorted(document)
        if type(event) is BallotResult and self._bmp_keys:
            data = self._ballot(event, paths)
            if data is not None:
                return data
        document = msgspec.to_builtins(event)
        digests = {
            path: digest(salt(self._key, event.seq, path), pointer_get(document, path))
            for path in paths
        }
        return canonical_json(chained_form(document, digests, copy=False))

    def _vote(self, event: VoteCast) -> bytes | None:
        """A vote's chained form (most events are votes; in a secret ballot the
        ``vote`` is its one secret), or None for the general path."""

        at = event.at
        if not plain_float(at):
            at = _whole(at)
            if at is None:
                return None
        if self._secret_votes:
            if not self._bmp_keys:
                return None
            value = _VOTE_JSON.get(event.vote)  # type: ignore[arg-type]
            if value is None:
                return None
            keyed = self._salter.copy()  # seals.salt, the key set up once
            keyed.update(b"%d:/vote" % event.seq)
            sealed_vote = {SEALED: sha256(keyed.digest() + value).hexdigest()}
            form = msgspec.structs.replace(event, at=at, vote=sealed_vote)  # type: ignore[arg-type]
            return encode_sorted(form)
        if at is event.at:
            return encode_sorted(event)
        return encode_sorted(msgspec.structs.replace(event, at=at))

    def _ballot(self, event: BallotResult, paths: tuple[str, ...]) -> bytes | None:
        """A ballot result's chained form: each result's votes sealed when the ballot
        is secret, tallies' whole floats as integers (as RFC 8785 prints them);
        None for the general path."""

        document = msgspec.to_builtins(event)
        at = document["at"]
        if not plain_float(at):
            at = _whole(at)
            if at is None:
                return None
            document["at"] = at
        key, seq = self._key, event.seq
        sealed = bool(paths)
        for n, result in enumerate(document["results"]):
            tally = result["tally"]
            for name in _TALLY_WEIGHTS:
                x = tally[name]
                if not plain_float(x):
                    whole = _whole(x)
                    if whole is None:
                        return None  # the exact path
                    tally[name] = whole
            if sealed:
                s = blake2s(f"{seq}:/results/{n}/votes".encode(), key=key).digest()
                # str → str, keys in the BMP: msgspec's sorted form is canonical
                votes = encode_sorted(result["votes"])
                result["votes"] = {SEALED: sha256(s + votes).hexdigest()}
        return encode_sorted(document)

    @property
    def head(self) -> str:
        self._hash_waiting()
        return self._head

    @property
    def hashes(self) -> list[str]:
        """The hash ending at each event, in order."""

        self._hash_waiting()
        return self._hashes

    def _hash_waiting(self) -> None:
        if not self._waiting:
            return
        head, hashes, secrets = self._head, self._hashes, self._secrets
        prefix = head.encode("ascii")
        for event in self._waiting:
            if secrets is None:  # the opening event: it says what is secret
                secrets = self._secrets = Secrets(event)  # type: ignore[arg-type]
                self._secret_votes = secrets.secret_ballot
            data = self._vote(event) if type(event) is VoteCast else None
            if data is None:
                data = self._form(event, secrets.paths(event))
            link = sha256(prefix)
            link.update(data)
            head = link.hexdigest()
            prefix = head.encode("ascii")
            hashes.append(head)
        self._waiting.clear()
        self._head = head
