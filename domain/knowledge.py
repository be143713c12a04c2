"""Knowledge entry: what a rep looks up about a product: its features, how
to answer an objection, how it compares with a competitor's.

What must hold:
- An entry is about one product, is of one of ``KINDS``, and has a title
  and a body; a competitor comparison names the competitor.
- Only a current entry changes; an archived one stays readable in its
  history but is no longer offered.
- A revision carries the old and the new value of what it changes; a
  revision that changes nothing records nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import SalesAggregate, check

FEATURE, OBJECTION, COMPETITOR = "feature", "objection_handling", "competitor"
KINDS = (FEATURE, OBJECTION, COMPETITOR, "note")
CURRENT, ARCHIVED = "current", "archived"
FIELDS = ("kind", "title", "body", "competitor")


def check_entry(kind: str, title: str, body: str, competitor: str | None) -> None:
    check(kind in KINDS, "knowledge_kind", f"kind {kind!r} is not one of {KINDS}")
    check(bool(title.strip()), "title_required", "an entry needs a title")
    check(bool(body.strip()), "body_required", "an entry needs a body")
    named = competitor is not None and bool(competitor.strip())
    check(
        kind != COMPETITOR or named,
        "competitor_required",
        "a competitor comparison names the competitor",
    )


class KnowledgeEntry(SalesAggregate):
    @classmethod
    def write(cls, id: UUID, **fields: Any) -> KnowledgeEntry:
        """``fields``: the remaining parameters of ``__init__``."""
        check_entry(*(fields.get(k) for k in FIELDS))  # type: ignore[arg-type]
        return cls(id=id, **fields)

    @event("Written")
    def __init__(
        self,
        id: UUID,
        product_id: UUID,
        kind: str,
        title: str,
        body: str,
        competitor: str | None = None,
        owner_id: UUID | None = None,
    ) -> None:
        self.product_id = product_id
        self.kind = kind
        self.title = title
        self.body = body
        self.competitor = competitor
        self.owner_id = owner_id
        self.status = CURRENT

    def revise(self, **changes: Any) -> None:
        """``changes``: any of ``FIELDS``."""
        check(self.status == CURRENT, "entry_archived", "the entry is archived")
        new = {k: changes.get(k, getattr(self, k)) for k in FIELDS}
        check_entry(*new.values())
        changed = [k for k in FIELDS if new[k] != getattr(self, k)]
        if changed:
            self._revised(
                old={k: getattr(self, k) for k in changed},
                new={k: new[k] for k in changed},
            )

    @event("Revised")
    def _revised(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        for name, value in new.items():
            setattr(self, name, value)

    def archive(self) -> None:
        check(self.status == CURRENT, "entry_archived", "the entry is archived")
        self._archived()

    @event("Archived")
    def _archived(self) -> None:
        self.status = ARCHIVED
