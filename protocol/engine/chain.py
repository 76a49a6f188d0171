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

from accord.protocol.engine.seals import SEALED, WHOLE, chained_form, digest, pointer_get, salt
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

    :meth:`add` takes the event's bytes (or, when it has secret content, a
    copy of its JSON object) at once, so the chain covers each event as it was
    emitted, but hashes only when the head or the hashes are read: a talk
    whose transcript is never read does not pay for hashing, and what is read
    is the same as if every event had been hashed on arrival.

    Most events are flat (strings, counters, a few floats): when their floats
    print alike (:func:`~accord.protocol.jcs.plain_float`), msgspec's sorted encoding
    is their canonical form without a walk over their values. ``bmp_keys``
    says that no seat or issue id (the keys of packages) leaves the BMP, where
    UTF-16 order and code-point order agree.
    """

    __slots__ = ("_bmp_keys", "_hashes", "_head", "_key", "_salter", "_waiting")

    def __init__(self, key: bytes, *, bmp_keys: bool = False) -> None:
        self._key = key
        self._salter = blake2s(key=key)
        self._bmp_keys = bmp_keys
        self._head = GENESIS
        self._hashes: list[str] = []
        # canonical bytes, or (JSON object, seq, secret paths), of events not hashed yet
        self._waiting: list[bytes | tuple[Any, int, tuple[str, ...]]] = []

    def _flat(self, event: Event) -> bool:
        plan = _FLAT.get(type(event))
        if plan is None:
            return False
        floats, maps = plan
        if maps and not self._bmp_keys:
            return False
        for name in floats:
            value = getattr(event, name)
            if value is not None and not plain_float(value):
                return False
        return True

    def add_vote(self, event: VoteCast, *, sealed: bool) -> None:
        """:meth:`add` for a vote (most events): in a secret ballot its ``vote`` is a
        secret; written out for speed, the same bytes (tests/protocol/test_chain_equivalence.py)."""

        if not plain_float(event.at):
            self.add(event, ("/vote",) if sealed else ())
            return
        if sealed:
            keyed = self._salter.copy()  # seals.salt, the key set up once
            keyed.update(b"%d:/vote" % event.seq)
            salt = keyed.digest()
            value = _VOTE_JSON.get(event.vote)  # type: ignore[arg-type]
            if value is None or not self._bmp_keys:
                self.add(event, ("/vote",))
                return
            sealed_vote = {SEALED: sha256(salt + value).hexdigest()}
            self._waiting.append(encode_sorted(msgspec.structs.replace(event, vote=sealed_vote)))  # type: ignore[arg-type]
        else:
            self._waiting.append(encode_sorted(event))

    def add(self, event: Event, paths: tuple[str, ...] = ()) -> None:
        """Append ``event`` whose secret content sits at ``paths``; hashed when first needed."""

        flat = self._flat(event)
        if not paths:
            self._waiting.append(encode_sorted(event) if flat else canonical_json(event))
        elif flat:
            # a flat event's secrets are top-level fields (a vote) or the whole of
            # it (a private statement): sealed right here, as seals.chained_form does
            document = msgspec.to_builtins(event)
            key, seq = self._key, event.seq
            for path in paths:
                s = blake2s(f"{seq}:{path}".encode(), key=key).digest()  # seals.salt
                if path == WHOLE:
                    document = {SEALED: sha256(s + encode_sorted(document)).hexdigest()}
                    break
                name = path[1:]
                value = document[name]
                data = (
                    encode_basestring(value).encode()
                    if type(value) is str
                    else canonical_json(value)
                )
                document[name] = {SEALED: sha256(s + data).hexdigest()}
            self._waiting.append(encode_sorted(document))
        elif type(event) is BallotResult and self._bmp_keys:
            self._waiting.append(self._ballot(event, paths))
        else:
            self._waiting.append((msgspec.to_builtins(event), event.seq, paths))

    def _ballot(
        self, event: BallotResult, paths: tuple[str, ...]
    ) -> bytes | tuple[Any, int, tuple[str, ...]]:
        """A ballot result's chained form: each result's votes sealed when the ballot
        is secret, tallies' whole floats as integers (as RFC 8785 prints them)."""

        document = msgspec.to_builtins(event)
        if not plain_float(document["at"]):
            return (document, event.seq, paths)
        key, seq = self._key, event.seq
        sealed = bool(paths)
        for n, result in enumerate(document["results"]):
            tally = result["tally"]
            for name in _TALLY_WEIGHTS:
                x = tally[name]
                if not plain_float(x):
                    if x.is_integer() and -MAX_SAFE_INTEGER <= x <= MAX_SAFE_INTEGER:
                        tally[name] = int(x)
                    else:
                        return (msgspec.to_builtins(event), seq, paths)  # the exact path
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
        head, hashes, key = self._head, self._hashes, self._key
        prefix = head.encode("ascii")
        for item in self._waiting:
            if type(item) is bytes:
                data = item
            else:
                document, seq, paths = item  # type: ignore[misc]
                digests = {
                    path: digest(salt(key, seq, path), pointer_get(document, path))
                    for path in paths
                }
                form = chained_form(document, digests, copy=False)  # the chain's own copy
                data = canonical_json(form)
            link = sha256(prefix)
            link.update(data)
            head = link.hexdigest()
            prefix = head.encode("ascii")
            hashes.append(head)
        self._waiting.clear()
        self._head = head
