"""The transcoder writes exactly the bytes the library's encoder writes."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.test_transcoder import FAST, LIBRARY, values


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 3


encodable = st.recursive(
    values,
    lambda inner: (
        st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        | st.lists(inner, max_size=3)
    ),
    max_leaves=30,
)


@given(encodable)
def test_any_value_is_encoded_as_the_library_encodes_it(value: Any) -> None:
    assert FAST.encode(value) == LIBRARY.encode(value)


@pytest.mark.parametrize(
    "value",
    [
        {"key": Colour.RED, "size": Size.BIG},  # subclasses of str and int
        {1: "a", None: "b", 2.5: [uuid4()]},  # keys that are not strings
        {"big": 2**64, "small": -(2**63) - 1, "floats": [1e16, 1e-7, -0.0]},
        {"text": '\x00\x1f\u2028\ud7ff\U0010ffff "quoted" \\ /'},
    ],
)
def test_values_orjson_would_write_otherwise_are_encoded_alike(value: Any) -> None:
    assert FAST.encode(value) == LIBRARY.encode(value)


@pytest.mark.parametrize("value", [{"set": {1}}, {"lone": "\ud800"}])
def test_what_the_library_refuses_is_refused(value: Any) -> None:
    with pytest.raises((TypeError, ValueError)) as library:
        LIBRARY.encode(value)
    with pytest.raises(type(library.value)):
        FAST.encode(value)
