"""Which fields of which events hold personal data, and whose data it is.

The domain only declares; the store encrypts (``infra/personal_data.py``).
What must hold:

- ``personal`` of an event class names its fields that hold personal data:
  a field name (``"notes"``), or ``"field.key"`` for a key of a dict-valued
  field (``"new.given_name"`` of a detail change carrying old and new values).
- The data of a record belongs to one *subject* (the person whose key
  encrypts it), fixed when the record is created: the id in its creation
  event's ``subject`` field (an activity's ``contact_id``), or the record
  itself when that is empty or the aggregate names no such field.
- ``joins`` of an event class names a field holding the id of another
  subject that the record's data now also belongs to (a lead's ``Converted``
  names the contact it became): forgetting that one forgets this one too.
- ``forgets`` of an event class (``Contact.Forgotten``, ``Lead.Forgotten``)
  names the fields listing the other subjects forgotten with its record
  (whose own key is destroyed too); the store drops their cached keys on
  reading it.
- ``state`` of ``declare`` names the aggregate's attributes holding personal
  data, for snapshots (a snapshot's ``state`` dict holds them).
- A value is personal content only when present: ``None``, ``""``, ``[]`` and
  ``{}`` are not encrypted and never erased. Erased, a text reads ``ERASED``
  and a list reads ``[]``; the event names its erased paths in ``erased``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eventsourcing.domain import Aggregate

ERASED = "[erased]"
"""What an erased text reads as, wherever it is shown."""

ERASED_FIELD = "erased"
"""The attribute (and JSON key) listing an event's erased paths, sorted."""


def declare(
    aggregate: type[Aggregate],
    *,
    subject: str | None = None,
    joins: dict[str, str] | None = None,
    state: tuple[str, ...] = (),
    **personal: tuple[str, ...],
) -> None:
    """Declares the personal fields of ``aggregate``'s events, by event class
    name, the field of its creation event naming whose data it is
    (``subject``), which events join another subject (``joins``: event class
    name -> field), and the personal attributes of the aggregate itself
    (``state``: what a snapshot of it must not hold in plain text)."""
    aggregate.personal_state = state  # type: ignore[attr-defined]
    aggregate.subject = subject  # type: ignore[attr-defined]
    for event_class in _events_of(aggregate):
        name = event_class.__name__
        event_class.personal = tuple(personal.get(name, ()))
        event_class.subject = subject
        event_class.joins = (joins or {}).get(name)
    unknown = set(personal) | set(joins or {})
    unknown -= {c.__name__ for c in _events_of(aggregate)}
    assert not unknown, f"{aggregate.__name__} has no events {unknown}"


def _events_of(aggregate: type[Aggregate]) -> list[type[Any]]:
    return [
        value
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, Aggregate.Event)
    ]


def personal_paths(event_class: type[Any]) -> tuple[str, ...]:
    return tuple(getattr(event_class, "personal", ()))


def present(value: Any) -> bool:
    """Whether ``value`` is personal content (see the module's rules)."""
    return value not in (None, "", [], (), {})


def erased_value(value: Any) -> Any:
    return [] if isinstance(value, list | tuple) else ERASED


def get_path(state: dict[str, Any], path: str) -> Any:
    field, _, key = path.partition(".")
    value = state.get(field)
    if key:
        return value.get(key) if isinstance(value, dict) else None
    return value


def set_path(state: dict[str, Any], path: str, value: Any) -> None:
    """Sets ``path`` in ``state``; a dict field is copied, not changed."""
    field, _, key = path.partition(".")
    if key:
        state[field] = {**state[field], key: value}
    else:
        state[field] = value


def erase(state: dict[str, Any], paths: Iterable[str]) -> list[str]:
    """Replaces the present values of ``paths`` in ``state`` by their erased
    form; the paths erased, sorted. ``state`` that names its erased paths
    already is left as it is (erasing twice changes nothing)."""
    if ERASED_FIELD in state:
        return list(state[ERASED_FIELD])
    done = sorted(p for p in paths if present(get_path(state, p)))
    for path in done:
        set_path(state, path, erased_value(get_path(state, path)))
    if done:
        state[ERASED_FIELD] = done
    return done
