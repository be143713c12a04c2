"""The library's JSON transcoder, with ``orjson`` doing the JSON.

Reading events (loading records for commands, views catching up) spends most
of its time decoding JSON, and saving them a good part of its time encoding
it; ``orjson`` does both several times faster than the standard library.
What must hold:

- The stored format does not change: encoding gives exactly the library's
  bytes. ``orjson`` would write UUIDs and datetimes as plain strings, so
  values of registered types are first turned into the tagged
  ``{"_type_": ..., "_data_": ...}`` objects the library writes; anything
  whose text ``orjson`` might write otherwise (a float, an integer beyond 64
  bits, a subclass, a key that is not a string, an unregistered type) sends
  the whole object to the library's encoder.
- Decoding gives exactly what the library's decoder gives: tagged objects are
  turned back innermost first, as its ``object_hook`` does. A document
  ``orjson`` refuses (``NaN``) goes to the library's decoder, and so does one
  where ``orjson`` read a float of 2**63 or more: it reads an integer beyond
  64 bits as a float, which the library would not (a real float that large
  only costs its event the slower decoder).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any
from uuid import UUID, SafeUUID

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoding,
    UUIDAsHex,
)

BIG = float(2**63)  # orjson reads integers from here on (or below -BIG) as floats


class _Doubtful(Exception):
    """``orjson`` may have read a large integer as a float."""


class _Unusual(Exception):
    """A value ``orjson`` might write otherwise than the library's encoder."""


_PLAIN = frozenset({str, int, bool, type(None)})  # written alike by both
_KEYS = frozenset({str})
_UNKNOWN = SafeUUID.unknown  # an enum member read from its class costs a call


_NEW = object.__new__
_SET_INT = UUID.__dict__["int"].__set__  # UUID's slots, set as its __init__ does
_SET_SAFE = UUID.__dict__["is_safe"].__set__


def _uuid(data: str) -> UUID:
    """``UUID(data)`` for the 32 hex digits ``UUIDAsHex`` writes, built as
    ``UUID.__init__`` builds it, without its parsing of other spellings."""
    if len(data) != 32:
        return UUID(data)
    uuid = _NEW(UUID)
    _SET_INT(uuid, int(data, 16))
    _SET_SAFE(uuid, _UNKNOWN)
    return uuid


# The library's own transcodings, decoded without their method call.
_DIRECT: dict[type[Transcoding], Callable[[str], Any]] = {
    UUIDAsHex: _uuid,
    DatetimeAsISO: datetime.fromisoformat,
    DecimalAsStr: Decimal,
}

# ... and encoded without it (the same text: ``obj.hex``, ``obj.isoformat()``,
# ``str(obj)``).
_DIRECT_ENCODE: dict[type[Transcoding], Callable[[Any], Any]] = {
    UUIDAsHex: attrgetter("hex"),
    DatetimeAsISO: datetime.isoformat,
    DecimalAsStr: str,
}


class FastJSONTranscoder(JSONTranscoder):
    def __init__(self) -> None:
        super().__init__()
        self.decoders: dict[str, Callable[[str], Any]] = {}
        self.encoders: dict[type, tuple[str, Callable[[Any], Any]]] = {}

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        direct = _DIRECT.get(type(transcoding), transcoding.decode)
        self.decoders[transcoding.name] = direct
        encode = _DIRECT_ENCODE.get(type(transcoding), transcoding.encode)
        self.encoders[transcoding.type] = (transcoding.name, encode)

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self._tagged(obj))
        except (_Unusual, orjson.JSONEncodeError):
            return super().encode(obj)

    def _tagged(self, obj: Any) -> Any:
        """``obj`` with values of registered types as the library tags them.
        A dict or list of plain values only is returned as it is (``orjson``
        writes it as the library does)."""
        kind = type(obj)
        if kind in _PLAIN:
            return obj
        if kind is dict:
            if not _KEYS.issuperset(map(type, obj)):
                raise _Unusual
            if _PLAIN.issuperset(map(type, obj.values())):
                return obj
            return {
                key: value if type(value) in _PLAIN else self._tagged(value)
                for key, value in obj.items()
            }
        if kind is list or kind is tuple:
            if _PLAIN.issuperset(map(type, obj)):
                return obj
            return [v if type(v) in _PLAIN else self._tagged(v) for v in obj]
        encoder = self.encoders.get(kind)
        if encoder is None:  # a float, a subclass, an unregistered type
            raise _Unusual
        name, encode = encoder
        data = encode(obj)
        if type(data) not in _PLAIN:
            data = self._tagged(data)
        return {"_type_": name, "_data_": data}

    def decode(self, data: bytes) -> Any:
        try:
            decoded = orjson.loads(data)
            kind = type(decoded)
            if kind is dict:
                return self._revive(decoded)
            if kind is list:
                self._revive_items(decoded)
            elif kind is float and not -BIG < decoded < BIG:
                raise _Doubtful
        except (orjson.JSONDecodeError, _Doubtful):
            return super().decode(data)
        return decoded

    def _revive(self, obj: dict[str, Any]) -> Any:
        """``obj`` with its tagged objects decoded, innermost first."""
        decoders = self.decoders
        for key, value in obj.items():
            kind = type(value)
            if kind in _PLAIN:
                continue
            if kind is dict:
                # the common case at once: a tagged object holding a string
                if len(value) == 2 and type(data := value.get("_data_")) is str:
                    decode = decoders.get(value.get("_type_"))
                    if decode is not None:
                        obj[key] = decode(data)
                        continue
                obj[key] = self._revive(value)
            elif kind is list:
                self._revive_items(value)
            elif kind is float and not -BIG < value < BIG:
                raise _Doubtful
        if len(obj) == 2 and "_type_" in obj:
            return self._decode_obj(obj)
        return obj

    def _revive_items(self, items: list[Any]) -> None:
        if _PLAIN.issuperset(map(type, items)):
            return
        for index, value in enumerate(items):
            kind = type(value)
            if kind is dict:
                items[index] = self._revive(value)
            elif kind is list:
                self._revive_items(value)
            elif kind is float and not -BIG < value < BIG:
                raise _Doubtful
