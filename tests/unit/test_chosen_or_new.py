"""``chosen_or_new``: a create's id, looked up only when the client chose it."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from commands.base import chosen_or_new
from commands.contacts import RegisterContact, register_contact
from tests.unit.helpers import memory_app, run


def test_a_fresh_id_is_not_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    app = memory_app()

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("looked up")

    monkeypatch.setattr(app.repository, "get", refuse)
    new_id, found = chosen_or_new(app, None)
    assert found is None
    assert new_id != chosen_or_new(app, None)[0]


def test_a_chosen_id_names_what_it_names() -> None:
    app = memory_app()
    chosen = uuid4()
    assert chosen_or_new(app, chosen) == (chosen, None)
    body = RegisterContact(id=chosen, given_name="Ada", family_name="Lovelace")
    run(app, register_contact, body)
    assert chosen_or_new(app, chosen)[1] is not None
