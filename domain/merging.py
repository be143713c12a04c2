"""Merging duplicate records, and undoing it, for contacts and accounts.

What must hold:
- A merge is recorded on both records (``Merged``, the same facts on each):
  the survivor takes the changes chosen for it (each field ``[old, new]``);
  the duplicate becomes an alias of the survivor (``merged_into``) and
  refuses every other change until it is unmerged (it is forgotten only
  with its survivor, ``commands.personal_data``).
- Merging a pair that is already merged records nothing (idempotent).
- ``Unmerged`` reverses a merge from its own event: the duplicate is a record
  of its own again, and each field the merge changed on the survivor gets
  its old value back, unless it was changed again since (a later change wins
  and is kept).
- "Not a duplicate" is recorded on both records; marking it again records
  nothing.
- A forgotten record (a contact, ``domain.personal``) is neither merged,
  unmerged nor marked any more.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.base import check

Changes = dict[str, list[Any]]  # field -> [old, new]
MERGE_EVENTS = frozenset({"Merged", "Unmerged", "NotDuplicateMarked"})
ALIAS_MAY = frozenset({"Merged", "Unmerged", "Forgotten"})  # what an alias records


def plain(value: Any) -> Any:
    """A field value as stored in an event and compared: lists as tuples."""
    if isinstance(value, list | tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def check_pair(survivor: Any, duplicate: Any) -> None:
    check(
        survivor.id != duplicate.id,
        "merge_with_itself",
        "a record is not its own duplicate",
    )
    check(
        survivor.merged_into is None,
        "survivor_is_merged",
        f"{survivor.id} is merged into {survivor.merged_into}: merge into that one",
    )
    check(
        duplicate.merged_into in (None, survivor.id),
        "already_merged",
        f"{duplicate.id} is already merged into {duplicate.merged_into}",
    )


def check_alias_may(record: Any, event_class: type[Any]) -> None:
    """An alias (a merged duplicate) records nothing but its unmerge."""
    check(
        record.merged_into is None or event_class.__name__ in ALIAS_MAY,
        "record_is_merged",
        f"{record.id} is merged into {record.merged_into}: change that one",
    )


def pairs(changes: Changes) -> list[tuple[str, Any, Any]]:
    """``(field, first, second)`` of each change still known: a change whose
    values were erased (a forgotten person's, ``domain.personal``) reads
    ``[]`` and changes nothing."""
    return [(name, *pair) for name, pair in changes.items() if len(pair) == 2]


def restorable(record: Any, changes: Changes) -> Changes:
    """The fields a merge changed that still hold the merged value, each as
    ``[now, old]``: what an unmerge gives back."""
    return {
        name: [new, old]
        for name, old, new in pairs(changes)
        if plain(getattr(record, name)) == plain(new)
    }


def apply_merged(
    record: Any, survivor_id: UUID, duplicate_id: UUID, changes: Changes
) -> None:
    if record.id == survivor_id:
        for name, _old, new in pairs(changes):
            setattr(record, name, plain(new))
        record.merges = {**record.merges, str(duplicate_id): changes}
    else:
        record.merged_into = survivor_id


def apply_unmerged(
    record: Any, survivor_id: UUID, duplicate_id: UUID, restored: Changes
) -> None:
    if record.id == survivor_id:
        for name, _now, old in pairs(restored):
            setattr(record, name, plain(old))
        record.merges = {
            k: v for k, v in record.merges.items() if k != str(duplicate_id)
        }
    else:
        record.merged_into = None


class Mergeable:
    """The merge commands of a record; the aggregate declares the events
    (``_merged``, ``_unmerged``, ``_not_duplicate_marked``) so that their
    public names are its own (``sfa.contact.merged.v1``)."""

    id: UUID
    merged_into: UUID | None
    merges: dict[str, Changes]
    not_duplicates: tuple[UUID, ...]

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        check_alias_may(self, event_class)
        if event_class.__name__ in MERGE_EVENTS:  # a forgotten record: none
            getattr(self, "_require_remembered", lambda: None)()
        super().trigger_event(event_class, **kwargs)  # type: ignore[misc]

    def absorb(self, duplicate_id: UUID, changes: Changes) -> None:
        """The survivor's side of a merge; again for the same pair: nothing."""
        if str(duplicate_id) not in self.merges:
            self._merged(
                survivor_id=self.id, duplicate_id=duplicate_id, changes=changes
            )

    def become_alias_of(self, survivor_id: UUID) -> None:
        """The duplicate's side of a merge; again for the same pair: nothing."""
        if self.merged_into != survivor_id:
            self._merged(survivor_id=survivor_id, duplicate_id=self.id, changes={})

    def release(self, duplicate_id: UUID) -> None:
        """The survivor's side of an unmerge."""
        changes = self.merges.get(str(duplicate_id))
        check(
            changes is not None,
            "not_merged",
            f"{duplicate_id} is not merged into {self.id}",
        )
        restored = restorable(self, changes or {})
        self._unmerged(
            survivor_id=self.id, duplicate_id=duplicate_id, restored=restored
        )

    def split_from(self, survivor_id: UUID) -> None:
        """The duplicate's side of an unmerge."""
        merged = self.merged_into == survivor_id
        check(merged, "not_merged", f"{self.id} is not merged into {survivor_id}")
        self._unmerged(survivor_id=survivor_id, duplicate_id=self.id, restored={})

    def mark_not_duplicate(self, other_id: UUID, reason: str | None) -> None:
        check(
            other_id != self.id,
            "merge_with_itself",
            "a record is not its own duplicate",
        )
        if other_id not in self.not_duplicates:
            self._not_duplicate_marked(other_id=other_id, reason=reason)

    def _merged(self, survivor_id: UUID, duplicate_id: UUID, changes: Changes) -> None:
        raise NotImplementedError

    def _unmerged(
        self, survivor_id: UUID, duplicate_id: UUID, restored: Changes
    ) -> None:
        raise NotImplementedError

    def _not_duplicate_marked(self, other_id: UUID, reason: str | None) -> None:
        raise NotImplementedError
