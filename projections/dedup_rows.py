"""The rows of the dedup view's ``records`` table, as its events make them:
which events set which columns, a row from an event, and what a stored row
gives the rules (blocking keys, the candidate columns read back)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from domain.account import Account
from domain.contact import Contact
from projections.dedup_query import RECORD_COLUMNS, features
from projections.dedup_rules import (
    Organisation,
    Person,
    organisation_keys,
    person_keys,
)
from projections.events import event_class

# columns each change event sets: column <- event attribute
CHANGES: dict[type, dict[str, str]] = {
    event_class(Contact, "Renamed"): {
        "given_name": "given_name",
        "family_name": "family_name",
    },
    event_class(Contact, "EmailsChanged"): {"emails": "new"},
    event_class(Contact, "PhonesChanged"): {"phones": "new"},
    event_class(Contact, "AccountChanged"): {"account_id": "new"},
    event_class(Contact, "AddressChanged"): {"address": "new"},
    event_class(Account, "Renamed"): {"name": "new"},
    event_class(Account, "WebDomainChanged"): {"web_domain": "new"},
}
MERGES = (
    event_class(Contact, "Merged"),
    event_class(Contact, "Unmerged"),
    event_class(Account, "Merged"),
    event_class(Account, "Unmerged"),
)
REGISTERED = event_class(Contact, "Registered")
OPENED = event_class(Account, "Opened")
DISMISSALS = (
    event_class(Contact, "NotDuplicateMarked"),
    event_class(Account, "NotDuplicateMarked"),
)


def stored(column: str, value: Any) -> Any:
    """An event's value as the ``records`` column keeps it."""
    if column in ("emails", "phones"):
        return "\n".join(value or ()) or None
    if column == "address":
        return json.dumps(value, sort_keys=True) if value else None
    return value


def keys_of(row: dict[str, Any]) -> list[str]:
    return keys_for(features(row))


def keys_for(record: Person | Organisation) -> list[str]:
    if isinstance(record, Organisation):
        return organisation_keys(record)
    return person_keys(record)


def registered(event: Any) -> dict[str, Any]:
    """The row of a contact just registered."""
    return {
        "record_id": event.originator_id,
        "record_type": "contact",
        "given_name": event.given_name,
        "family_name": event.family_name,
        "name": None,
        "emails": stored("emails", event.emails),
        "phones": stored("phones", event.phones),
        "address": None,
        "web_domain": None,
        "account_id": event.account_id,
        "merged_into": None,
    }


def opened(event: Any) -> dict[str, Any]:
    """The row of an account just opened."""
    return dict.fromkeys(c.strip() for c in RECORD_COLUMNS.split(",")) | {
        "record_id": event.originator_id,
        "record_type": "account",
        "name": event.name,
        "web_domain": event.web_domain,
    }


def with_change(old: dict[str, Any], event: Any) -> dict[str, Any]:
    """``old`` with what a ``CHANGES`` event sets."""
    sets = CHANGES[type(event)].items()
    return old | {c: stored(c, getattr(event, a)) for c, a in sets}


def candidate(row: dict[str, Any], compared: str) -> tuple[Any, ...]:
    """A stored row's ``CANDIDATE_COLUMNS``, as ``candidates_sql`` reads them
    (``compared``: ``dedup_bulk.compact`` of its features)."""
    account = row["account_id"]
    return (
        row["record_type"],
        compared,
        row["emails"],
        row["phones"],
        row["web_domain"],
        str(UUID(str(account))) if account else None,
    )
