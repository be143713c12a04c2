"""The orjson-decoding transcoder reads back exactly what the library's does."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    UUIDAsHex,
)
from hypothesis import given
from hypothesis import strategies as st

from commands.application import DateAsISO, SalesApplication
from commands.transcoder import FastJSONTranscoder

TRANSCODINGS = (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO())


def transcoder(cls: type[JSONTranscoder]) -> JSONTranscoder:
    built = cls()
    for transcoding in TRANSCODINGS:
        built.register(transcoding)
    return built


LIBRARY, FAST = transcoder(JSONTranscoder), transcoder(FastJSONTranscoder)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),  # beyond what orjson reads
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.uuids(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.datetimes(),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to itself (the library reads NaN back as NaN)."""
    return repr(a) == repr(b) and type(a) is type(b)


class TestFastJSONTranscoder:
    @given(st.dictionaries(st.text(max_size=8), values, max_size=6))
    def test_decodes_what_the_library_decodes(self, state: dict[str, Any]) -> None:
        data = LIBRARY.encode(state)
        assert same(FAST.decode(data), LIBRARY.decode(data))

    @given(values)
    def test_decodes_any_document_alike(self, value: Any) -> None:
        data = LIBRARY.encode(value)
        assert same(FAST.decode(data), LIBRARY.decode(data))

    def test_the_application_uses_it(self) -> None:
        app = SalesApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        assert isinstance(app.mapper.transcoder, FastJSONTranscoder)

    @given(st.uuids())
    def test_uuids_read_back_are_ordinary_uuids(self, uuid: UUID) -> None:
        found = FAST.decode(LIBRARY.encode({"id": uuid}))["id"]
        assert (found, hash(found), str(found)) == (uuid, hash(uuid), str(uuid))
        assert {found: 1}[uuid] == 1 and found.version == uuid.version
        assert (found.int, found.is_safe) == (uuid.int, uuid.is_safe)


class TestIds:
    def test_an_id_not_in_the_written_spelling_is_read_as_the_library_reads_it(
        self,
    ) -> None:
        uuid = UUID(int=12345)
        data = b'{"id": {"_type_": "uuid_hex", "_data_": "%s"}}' % str(uuid).encode()
        assert same(FAST.decode(data), LIBRARY.decode(data))
        bad = b'{"id": {"_type_": "uuid_hex", "_data_": "nothex"}}'
        with pytest.raises(ValueError):
            FAST.decode(bad)
