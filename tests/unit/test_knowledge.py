"""Knowledge entry commands: write, revise, archive, and who may."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from commands import knowledge as cmd
from commands.base import Forbidden
from domain.base import RuleBroken, public_type
from domain.knowledge import KnowledgeEntry
from tests.unit.helpers import event_names, events_of, memory_app, rep, run
from tests.unit.test_product import introduce

ANN = rep()


def write(app: Any, product_id: UUID, **fields: Any) -> UUID:
    values = {"kind": "objection_handling", "title": "Too dear", "body": "TCO"}
    command = cmd.WriteEntry.model_validate(
        {"product_id": product_id, **values, **fields}
    )
    return UUID(str(run(app, cmd.write_entry, command, ANN).aggregate.id))


class TestWriteEntry:
    def test_the_entry_is_the_writers(self) -> None:
        app = memory_app()
        entry_id = write(app, introduce(app))
        (event,) = events_of(app, entry_id)
        assert public_type(type(event)) == "sfa.knowledge_entry.written.v1"
        assert (event.owner_id, event.actor, event.kind) == (
            ANN.rep_id,
            "ann",
            "objection_handling",
        )

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"product_id": uuid4()}, "unknown_product"),
            ({"kind": "competitor"}, "competitor_required"),
        ],
    )
    def test_refused(self, fields: dict[str, Any], expected: str) -> None:
        app = memory_app()
        product_id = introduce(app)
        with pytest.raises(RuleBroken) as error:
            write(app, fields.pop("product_id", product_id), **fields)
        assert error.value.rule == expected
        assert app.recorder.max_notification_id() == 1

    @pytest.mark.parametrize(
        "fields", [{"kind": "gossip"}, {"title": " "}, {"body": ""}, {"x": 1}]
    )
    def test_bad_values(self, fields: dict[str, Any]) -> None:
        values = {"product_id": uuid4(), "kind": "note", "title": "t", "body": "b"}
        with pytest.raises(ValidationError):
            cmd.WriteEntry.model_validate(values | fields)


class TestReviseAndArchive:
    def test_revise_then_archive(self) -> None:
        app = memory_app()
        entry_id = write(app, introduce(app))
        revise = cmd.ReviseEntry.model_validate(
            {"entry_id": entry_id, "kind": "competitor", "competitor": "Ford"}
        )
        run(app, cmd.revise_entry, revise, ANN)
        run(app, cmd.revise_entry, revise, ANN)  # changes nothing
        clear = cmd.ReviseEntry.model_validate(
            {"entry_id": entry_id, "competitor": None}
        )
        with pytest.raises(RuleBroken) as error:
            run(app, cmd.revise_entry, clear, ANN)
        assert error.value.rule == "competitor_required"
        archive = cmd.ArchiveEntry(entry_id=entry_id)
        run(app, cmd.archive_entry, archive, ANN)
        with pytest.raises(RuleBroken):
            run(app, cmd.archive_entry, archive, ANN)
        assert event_names(app, entry_id) == ["Written", "Revised", "Archived"]
        revised = events_of(app, entry_id)[1]
        assert (revised.old, revised.new) == (
            {"kind": "objection_handling", "competitor": None},
            {"kind": "competitor", "competitor": "Ford"},
        )
        found: KnowledgeEntry = app.repository.get(entry_id)
        assert found.status == "archived"

    def test_another_rep_may_not_change_it(self) -> None:
        app = memory_app()
        entry_id = write(app, introduce(app))
        revise = cmd.ReviseEntry(entry_id=entry_id, title="Mine now")
        with pytest.raises(Forbidden):
            run(app, cmd.revise_entry, revise, rep())
        assert run(app, cmd.revise_entry, revise).aggregate.title == "Mine now"


VALUES = {
    "kind": st.sampled_from(["feature", "objection_handling", "competitor", "note"]),
    "title": st.sampled_from(["A", "B", " "]),
    "body": st.sampled_from(["x", "y"]),
    "competitor": st.sampled_from([None, "Ford", "VW"]),
}


@settings(max_examples=60, deadline=None)
@given(
    revisions=st.lists(
        st.fixed_dictionaries({}, optional=VALUES) | st.just({"archive": True}),
        max_size=8,
    )
)
def test_random_revisions_agree_with_a_model(revisions: list[dict[str, Any]]) -> None:
    """Given random revisions and archivings: an entry's fields are those of
    the revisions it accepted; a refused one (a blank title, a comparison
    without a competitor, an archived entry) records nothing; a revision
    that changes nothing records nothing; each event changes something."""
    app = memory_app()
    entry_id = write(app, introduce(app))
    model = {
        "kind": "objection_handling",
        "title": "Too dear",
        "body": "TCO",
        "competitor": None,
        "status": "current",
    }
    for change in revisions:
        head = app.recorder.max_notification_id()
        if "archive" in change:
            handler: Any = cmd.archive_entry
            command: Any = cmd.ArchiveEntry(entry_id=entry_id)
        else:
            handler = cmd.revise_entry
            command = cmd.ReviseEntry.model_construct(
                entry_id=entry_id, _fields_set={"entry_id", *change}, **change
            )
        new = {**model, **{k: v for k, v in change.items() if k != "archive"}}
        fine = (
            model["status"] == "current"
            and new["title"].strip()
            and (new["kind"] != "competitor" or new["competitor"])
        )
        try:
            run(app, handler, command, ANN)
        except RuleBroken:
            assert not fine and app.recorder.max_notification_id() == head
            continue
        assert fine
        changed = "archive" in change or new != model
        assert app.recorder.max_notification_id() == (head or 0) + int(changed)
        model = {**new, "status": "archived" if "archive" in change else "current"}
    found: KnowledgeEntry = app.repository.get(entry_id)
    assert {k: getattr(found, k) for k in model} == model
