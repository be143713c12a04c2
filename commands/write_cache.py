"""The records this process saved (or its commands checked) last, lent to the
next command that changes (or checks) them, so that such a command need not
read them back from the store.

What must hold:
- Only a command about to change a record borrows it (``load_for_write``,
  the opportunity a stage change moves, the outreach ledger). ``GET`` and
  ``load`` read the store.
- Where the store can check the versions of records a write relies on
  without changing them (``checks_expected_versions`` of the recorder), the
  records a command only checks (``exists``, ``load_many``: owner, account,
  pipeline, ...) are lent too (``consult``; those it read from the store
  are kept, ``keep``), and its save names each with the version it saw: the
  store records nothing unless all are still at those versions. Elsewhere
  they are read from the store.
- A lent record is a copy (``lend``): a cached record is never changed,
  so an answer made from a saved record cannot change under it.
- A cached record may be stale (another process wrote it since). A command
  is therefore only accepted on what it borrowed if it writes every record it
  borrowed, so the store's version check proves the copy was current
  (``Loan.check``), and on what it consulted only if its save writes
  something, so the store checks those versions; a command that would not
  is decided again from the store, before anything is written, and so is one
  that answers without saving. A command that borrowed and is refused
  for any reason (a stale version, a broken rule, a lost race) is decided
  once more, everything read from the store, and what it borrowed is dropped
  (``execute`` in ``commands.base``). A stale copy costs a retry, never a
  different answer.
"""

from __future__ import annotations

import contextvars
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

MAXSIZE = 10_000  # records kept, least recently saved dropped first


_CONTAINERS = (list, dict, set)


def lend(record: Any) -> Any:
    """A copy of ``record`` that its command may change. Records change by
    replacing attributes, or an item of a list, dict or set they hold (never
    deeper: events carry immutable values), so those are copied one level;
    ``copy.deepcopy`` costs more than reading a short history back."""
    twin = object.__new__(type(record))
    twin.__dict__.update(
        {
            name: type(value)(value) if type(value) in _CONTAINERS else value
            for name, value in record.__dict__.items()
        }
    )
    return twin


class Reread(Exception):
    """A command borrowed a record it does not write: decide again."""


class WriteCache:
    def __init__(self, maxsize: int = MAXSIZE) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._saved: OrderedDict[UUID, Any] = OrderedDict()

    def copy_of(self, record_id: UUID) -> Any | None:
        with self._lock:
            found = self._saved.get(record_id)
        return None if found is None else lend(found)

    def put(self, records: Iterable[Any]) -> None:
        """Records just saved (the caller no longer changes them)."""
        with self._lock:
            for record in records:
                known = self._saved.get(record.id)
                if known is None or known.version < record.version:
                    self._saved[record.id] = record
                    self._saved.move_to_end(record.id)
            while len(self._saved) > self.maxsize:
                self._saved.popitem(last=False)

    def drop(self, record_ids: Iterable[UUID]) -> None:
        with self._lock:
            for record_id in record_ids:
                self._saved.pop(record_id, None)


class Loan:
    """What one run of a command borrowed from the cache; ``checked``: whether
    the store checks the versions of records a save relies on (``consult``)."""

    def __init__(self, cache: WriteCache | None, *, checked: bool = False) -> None:
        self.cache = cache
        self.checked = checked
        self.borrowed: set[UUID] = set()  # what the save must write
        self.consulted: dict[UUID, int] = {}  # what it relies on, at its version
        self.used = False  # whether anything was lent at all
        self.wrote = False  # whether a save of this run recorded anything
        self.closed = False  # after the first save, nothing more is lent

    def borrow(self, record_id: UUID) -> Any | None:
        found = self._lend(record_id)
        if found is not None:
            self.borrowed.add(record_id)
        return found

    def consult(self, record_id: UUID) -> Any | None:
        """A copy of a record the command checks, if the store will check
        at the save that it is still at the copy's version."""
        found = self._lend(record_id) if self.checked else None
        if found is not None:
            self.consulted.setdefault(record_id, found.version)
        return found

    def keep(self, record: Any) -> None:
        """A record the command read from the store to check: a copy is
        kept, for later commands to consult as they consult saved ones."""
        if self.checked and self.cache is not None and not self.closed:
            self.cache.put([lend(record)])

    def _lend(self, record_id: UUID) -> Any | None:
        if self.cache is None or self.closed:
            return None
        found = self.cache.copy_of(record_id)
        self.used = self.used or found is not None
        return found

    def check(self, written: Iterable[Any]) -> dict[UUID, int]:
        """Before a save: ``Reread`` unless it writes every borrowed record,
        and, the first, something if it consulted any; for the first, the
        versions of the consulted records it does not write, for the store to
        check (a later save follows its commit)."""
        first, self.closed = not self.closed, True
        changed = {record.id for record in written if record.pending_events}
        if not self.borrowed <= changed or (first and self.consulted and not changed):
            raise Reread
        if not first:
            return {}
        return {i: v for i, v in self.consulted.items() if i not in changed}

    def forget(self) -> None:
        """Drops what was lent from the cache (it may be stale); after a
        save that wrote nothing, the command's own retries read the store."""
        if self.cache is not None:
            self.cache.drop([*self.borrowed, *self.consulted])
        self.borrowed.clear()
        self.consulted.clear()


current_loan: contextvars.ContextVar[Loan | None] = contextvars.ContextVar(
    "sfa_write_loan", default=None
)


def borrow(record_id: UUID) -> Any | None:
    """A copy of the record as this process saved it last, if the running
    command may borrow it; else ``None`` (read it from the store)."""
    loan = current_loan.get()
    return None if loan is None else loan.borrow(record_id)


def consult(record_id: UUID) -> Any | None:
    """As ``borrow``, for a record the running command only checks."""
    loan = current_loan.get()
    return None if loan is None else loan.consult(record_id)


def keep(record: Any) -> None:
    """``Loan.keep`` of the running command, if any."""
    loan = current_loan.get()
    if loan is not None:
        loan.keep(record)
