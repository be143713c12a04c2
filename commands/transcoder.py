"""The library's JSON transcoder, decoding with ``orjson``.

Reading events (loading records for commands, views catching up) spends most
of its time decoding JSON; ``orjson`` parses several times faster than the
standard library. What must hold:

- The stored format does not change: encoding stays the library's (``orjson``
  would write UUIDs and datetimes as plain strings, not as the tagged
  ``{"_type_": ..., "_data_": ...}`` objects the decoder turns back).
- Decoding gives exactly what the library's decoder gives: tagged objects are
  turned back innermost first, as its ``object_hook`` does. A document
  ``orjson`` refuses (``NaN``) goes to the library's decoder, and so does one
  where ``orjson`` read a float of 2**63 or more: it reads an integer beyond
  64 bits as a float, which the library would not (a real float that large
  only costs its event the slower decoder).
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder

BIG = float(2**63)  # orjson reads integers from here on (or below -BIG) as floats


class _Doubtful(Exception):
    """``orjson`` may have read a large integer as a float."""


class FastJSONTranscoder(JSONTranscoder):
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
        for key, value in obj.items():
            kind = type(value)
            if kind is dict:
                obj[key] = self._revive_tagged(value)
            elif kind is list:
                self._revive_items(value)
            elif kind is float and not -BIG < value < BIG:
                raise _Doubtful
        if len(obj) == 2 and "_type_" in obj:
            return self._decode_obj(obj)
        return obj

    def _revive_tagged(self, obj: dict[str, Any]) -> Any:
        """The common case at once: a tagged object holding a string (UUIDs,
        datetimes, decimals, dates)."""
        if len(obj) == 2 and type(obj.get("_data_")) is str:
            transcoding = self.names.get(obj.get("_type_"))  # type: ignore[arg-type]
            if transcoding is not None:
                return transcoding.decode(obj["_data_"])
        return self._revive(obj)

    def _revive_items(self, items: list[Any]) -> None:
        for index, value in enumerate(items):
            kind = type(value)
            if kind is dict:
                items[index] = self._revive_tagged(value)
            elif kind is list:
                self._revive_items(value)
            elif kind is float and not -BIG < value < BIG:
                raise _Doubtful
