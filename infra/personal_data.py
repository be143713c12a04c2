"""Crypto-shredding: personal fields are stored encrypted with their
subject's key, and erased for good by destroying that key.

What must hold:

- The stored state of an event holds, in plain text, everything but the
  present values of its personal fields (``domain.personal``): those read
  ``[erased]`` (texts) or ``[]`` (lists) there, and their real values travel
  in one AES-GCM box under ``_personal``::

      "_personal": {"subject": "<hex id>", "fields": ["emails", ...],
                    "sealed": "<base64 nonce + ciphertext>"}

  The sealed plain text is a JSON object of path -> value (made by the
  ``json`` module; by the application's transcoder, and ``"codec":
  "transcoder"`` in the box, for a value that module cannot write).

  The box is bound to the event (originator id and version are its
  associated data), so it cannot be moved to another event.
- One key per subject (a contact, a lead, or a record about nobody we could
  forget), in the key table beside the events. A key is made when its
  subject's first personal value is written (before the event: a key of an
  event never recorded is harmless). Where the store can record new keys
  with the events (``Keys.staging``, set by the PostgreSQL factory), a
  record's own key made for its creation event is instead recorded in the
  same transaction as that event, or neither is (a key row already there
  refuses the write: ``IntegrityError``). A destroyed key leaves its row
  with a null key, so nothing written later about that subject is readable
  either.
- Decoding with the key gives the event as it was written; without it (or
  for a ``sealed``-less box) the fields keep their erased form and the event
  gets ``erased``: the sorted list of its erased fields. Events stored
  before this module (no box) decode as they always did, and as erased once
  their subject's key is destroyed (their bytes keep the values: the log is
  insert-only). Forgetting never changes a stored byte.
- Keys are cached in the process (``CACHE_SIZE`` subjects); a key made for
  a write is cached only once the write is recorded. Decoding a
  ``Forgotten`` event drops its subjects' keys from the cache, so a process
  following the log stops reading them from that event on.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any, NamedTuple, Protocol
from uuid import UUID

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    IntegrityError,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic, resolve_topic

from domain.personal import (
    ERASED_FIELD,
    erase,
    erased_value,
    get_path,
    present,
    set_path,
)

logger = logging.getLogger(__name__)

BOX = "_personal"
CACHE_SIZE = 100_000
KEY_BYTES = 32
_NONCE = 12


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


class KeysTaken(IntegrityError):
    """A write brought new keys for subjects that had key rows already (made
    since, or before an earlier attempt): nothing was recorded; the stored keys
    are now cached, so the same events mapped again are sealed under them."""

    seal_again = True


class KeyTable(Protocol):
    """The key table's statements, per store."""

    def fetch_key(self, subject: UUID, *, create: bool) -> tuple[bool, bytes | None]:
        """Whether the subject has a row, and its key (made now if it has no
        row and ``create``): ``None`` if destroyed or never made."""

    def fetch_keys(
        self, subjects: Sequence[UUID]
    ) -> dict[UUID, tuple[bool, bytes | None]]:
        """``fetch_key`` of each subject that has a row (none made), in one
        query."""

    def destroy(self, subjects: Sequence[UUID]) -> None:
        """Nulls the keys of ``subjects`` (tombstone rows if they had none)."""

    def link(self, subject: UUID, joined: UUID) -> None:
        """``subject``'s data also belongs to ``joined``."""

    def joined_to(self, subject: UUID) -> list[UUID]:
        """The subjects linked to ``subject`` with ``link``."""

    def first_state(self, record_id: UUID) -> bytes | None:
        """The stored state of the record's first event, if recorded."""


_BOX_SUBJECT = re.compile(rb'"_personal":\s*\{"subject":\s*"([0-9a-f]{32})"')


class _State(Enum):
    DESTROYED = "destroyed"
    NONE = "none"  # no key made yet


Entry = AESGCM | _State


class Keys:
    """The key table behind a bounded in-process cache of ciphers.

    ``staging``: new keys of records being created are made here and handed
    to the store with their events (``take_staged``), which records both in
    one transaction and then calls ``settle`` (or, refused, ``preload``)."""

    def __init__(self, table: KeyTable, cache_size: int = CACHE_SIZE) -> None:
        self.table = table
        self._cache: OrderedDict[str, Entry] = OrderedDict()  # by id hex
        self._size = cache_size
        self._lock = threading.Lock()
        self.staging = False
        self._local = threading.local()  # keys made for this thread's write

    def cipher(
        self, subject: UUID | str, *, create: bool, new: bool = False
    ) -> AESGCM | None:
        """The cipher of a subject (its id, or the id's hex); ``None`` if its
        key is destroyed (or was never made and ``create`` is false). ``new``:
        the subject's own record is being created, so with ``staging`` a key
        not cached is made here, for the write to record."""
        name = subject if isinstance(subject, str) else subject.hex
        staged: dict[str, bytes] = self._staged()
        if name in staged:
            return AESGCM(staged[name])
        if new and self.staging:
            with self._lock:
                cached = name in self._cache
            if not cached:
                staged[name] = new_key()
                return AESGCM(staged[name])
        entry = self._entry(subject, create=create)
        return entry if isinstance(entry, AESGCM) else None

    def opener(self, name: str) -> AESGCM | None:
        """``cipher(name, create=False)``: the cipher of the subject whose
        id's hex is ``name``, as a reader opening a box asks for it."""
        staged = getattr(self._local, "staged", None)
        if staged and name in staged:
            return AESGCM(staged[name])
        with self._lock:
            entry = self._cache.get(name)
            if entry is not None:
                self._cache.move_to_end(name)
        if entry is None:
            entry = self._entry(name, create=False)
        return entry if type(entry) is AESGCM else None

    def _staged(self) -> dict[str, bytes]:
        staged: dict[str, bytes] | None = getattr(self._local, "staged", None)
        if staged is None:
            staged = self._local.staged = {}
        return staged

    def take_staged(self) -> dict[UUID, bytes]:
        """The keys made for the write this thread is about to record (its
        events are sealed under them), no longer staged."""
        staged, self._local.staged = self._staged(), {}
        return {UUID(hex=name): key for name, key in staged.items()}

    def settle(self, recorded: dict[UUID, bytes]) -> None:
        """Caches keys recorded with their write."""
        for subject, key in recorded.items():
            self._remember(subject, AESGCM(key))

    def stored_any(self, subjects: Iterable[UUID]) -> bool:
        """Whether any of ``subjects`` has a key row (cached after this)."""
        subjects = list(subjects)
        self.preload(subjects)
        with self._lock:
            return any(s.hex in self._cache for s in subjects)

    def destroyed(self, subject: UUID) -> bool:
        return self._entry(subject, create=False) is _State.DESTROYED

    def _entry(self, subject: UUID | str, *, create: bool) -> Entry:
        name = subject if isinstance(subject, str) else subject.hex
        with self._lock:
            entry = self._cache.get(name)
            if entry is not None:
                self._cache.move_to_end(name)
        if entry is None or (create and entry is _State.NONE):
            subject = UUID(hex=name)
            exists, key = self.table.fetch_key(subject, create=create)
            entry = AESGCM(key) if key is not None else None
            if entry is None:
                entry = _State.DESTROYED if exists else _State.NONE
            if create and entry is _State.NONE:  # never store values unsealed
                raise RuntimeError(f"no key could be made for {subject}")
            self._remember(subject, entry)
        return entry

    def _remember(self, subject: UUID, entry: Entry) -> None:
        with self._lock:
            self._cache[subject.hex] = entry
            self._cache.move_to_end(subject.hex)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)

    def preload(self, subjects: Iterable[UUID | str]) -> None:
        """Caches the keys of those of ``subjects`` (ids, or the ids' hex) not
        cached, in one query (a page of events read in a fresh process: one
        query, not one each)."""
        with self._lock:
            cache = self._cache
            names = (s if isinstance(s, str) else s.hex for s in subjects)
            wanted = sorted(UUID(hex=name) for name in names if name not in cache)
        if not wanted:
            return
        for subject, (exists, key) in self.table.fetch_keys(wanted).items():
            if key is not None:
                self._remember(subject, AESGCM(key))
            elif exists:
                self._remember(subject, _State.DESTROYED)

    def evict(self, subjects: Iterable[UUID]) -> None:
        with self._lock:
            for subject in subjects:
                self._cache.pop(subject.hex, None)

    def destroy(self, subjects: Sequence[UUID]) -> None:
        self.table.destroy(subjects)
        for subject in subjects:
            self._remember(subject, _State.DESTROYED)


class PersonalDataMapper(Mapper[UUID]):
    """The library's mapper, with personal fields sealed (module doc)."""

    def __init__(
        self,
        transcoder: Transcoder,
        keys: Keys,
        subjects_cache: int = CACHE_SIZE,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        """``compressor`` and ``cipher`` (the library's whole-state ones)
        apply, as in the library's mapper, to the state after sealing."""
        super().__init__(transcoder, compressor=compressor, cipher=cipher)
        self.keys = keys
        self._subjects: OrderedDict[UUID, UUID] = OrderedDict()
        self._subjects_size = subjects_cache
        self._lock = threading.Lock()
        self._classes: dict[type[Any], _Reading] = {}
        self.opens = True  # False: a reader that leaves the boxes shut

    def sealed(self) -> PersonalDataMapper:
        """This mapper for a reader of no personal value (a view that reads
        none): boxes stay shut, so no key is fetched and nothing decrypted;
        the personal fields read as the placeholders stored in their place
        (``erased_value``). Caches and keys are shared with this mapper."""
        reader = copy.copy(self)
        reader.opens = False
        return reader

    # -- writing ---------------------------------------------------------

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        cls = type(domain_event)
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        version = state.pop("originator_version")
        class_version = getattr(cls, "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        paths, rule = _declared(cls, state)
        if rule is not None:
            self._learn_subject(cls, originator_id, version, state, rule)
        joins = getattr(cls, "joins", None)
        if joins and state.get(joins) is not None:
            self.keys.table.link(originator_id, state[joins])
        values = {}
        for path in paths:
            value = get_path(state, path)
            if present(value):
                values[path] = value
        if values:
            subject = self._subject(originator_id, rule)
            creation = version == 1 and not issubclass(cls, Snapshot)
            new = creation and subject == originator_id  # the subject's own record
            box = self._seal(state, values, subject, originator_id, version, new)
            state[BOX] = box
        stored_state = self.transcoder.encode(state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=version,
            topic=get_topic(cls),
            state=stored_state,
        )

    def _seal(
        self,
        state: dict[str, Any],
        values: dict[str, Any],
        subject: UUID,
        originator_id: UUID,
        version: int,
        new: bool,
    ) -> dict[str, Any]:
        for path, value in values.items():
            set_path(state, path, erased_value(value))
        box: dict[str, Any] = {"subject": subject.hex, "fields": sorted(values)}
        cipher = self.keys.cipher(subject, create=True, new=new)
        if cipher is not None:  # a forgotten subject's new data is erased at once
            try:  # texts and lists of texts: the json module is enough
                plain = json.dumps(values, ensure_ascii=False).encode()
            except TypeError:
                plain, box["codec"] = self.transcoder.encode(values), "transcoder"
            sealed = seal(cipher, plain, _bound(originator_id, version))
            box["sealed"] = base64.b64encode(sealed).decode()
        return box

    # -- reading ---------------------------------------------------------

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        """As the library's, with the box opened before any upcasting."""
        cls = resolve_topic(stored_event.topic)
        try:
            state = self._decoded(stored_event.state)
        except Exception as e:
            msg = f"cannot decode the stored event {stored_event.originator_id}"
            msg += f" v{stored_event.originator_version}: {e}"
            raise MapperDeserialisationError(msg) from e
        record = stored_event.originator_id
        if not isinstance(record, UUID):
            record = UUID(str(record))
        version = stored_event.originator_version
        reading = self._personal(cls, record, version, state)
        state["originator_id"] = record
        state["originator_version"] = version
        from_version = state.pop("class_version", 1)
        while from_version < reading.class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _decoded(self, stored_state: bytes) -> dict[str, Any]:
        if self.cipher:
            stored_state = self.cipher.decrypt(stored_state)
        if self.compressor:
            stored_state = self.compressor.decompress(stored_state)
        state: dict[str, Any] = self.transcoder.decode(stored_state)
        return state

    def open_state(
        self, cls: type[Any], record: UUID, version: int, state: dict[str, Any]
    ) -> None:
        """What decoding does to the decoded ``state`` of event ``version``
        of ``record`` (an event of ``cls``), for a state that did not come
        from this store's bytes: a published event's ``data`` (ids already
        ``UUID``s), so views fed from Kafka read what views fed from the log
        read (``infra.kafka.decode``)."""
        self._personal(cls, record, version, state)

    def _personal(
        self, cls: type[Any], record: UUID, version: int, state: dict[str, Any]
    ) -> _Reading:
        """Opens the box, or erases an unsealed event (stored before sealing)
        of a forgotten subject; learns whose a record's data is; a
        ``Forgotten`` drops its subjects' keys from the cache. Returns what
        was read of ``cls``."""
        reading = self._classes.get(cls)
        if reading is None:
            reading = self._classes[cls] = _Reading.of(cls)
        if reading.snapshot:
            paths, rule = _declared(cls, state)
        else:
            paths, rule = reading.personal, reading.subject
        if rule is not None and (version == 1 or reading.snapshot):
            self._learn_subject(cls, record, version, state, rule)
        box = state.pop(BOX, None)
        if not self.opens:
            pass  # sealed (``sealed``): nothing personal is read
        elif box is not None:
            self._open(state, box, record, version)
        elif any(present(get_path(state, p)) for p in paths) and self.keys.destroyed(
            self._subject(record, rule)
        ):
            erase(state, paths)
        if reading.forgets is not None:
            others = [s for field in reading.forgets for s in state.get(field, ())]
            self.keys.evict([record, *others])
        return reading

    # -- forgetting (used by the command layer, duck-typed) ----------------

    def preload_keys(self, stored_events: Iterable[Any]) -> None:
        """Caches the keys the boxes of ``stored_events`` are sealed under,
        in one query (a reader about to open a page of events calls it)."""
        if not self.opens:
            return
        # one search of the page: no match spans two states, as the pattern
        # matches no NUL
        states = b"\0".join(event.state for event in stored_events)
        self.keys.preload(set(map(bytes.decode, _BOX_SUBJECT.findall(states))))

    def joined_to(self, subject: UUID) -> list[UUID]:
        return self.keys.table.joined_to(subject)

    def forget_subjects(self, subjects: Sequence[UUID]) -> None:
        self.keys.destroy(subjects)
        logger.info("destroyed the personal-data keys of %d subject(s)", len(subjects))

    def _open(
        self, state: dict[str, Any], box: dict[str, Any], record: UUID, version: int
    ) -> None:
        cipher = None
        if "sealed" in box:
            cipher = self.keys.opener(box["subject"])
        if cipher is None:
            state[ERASED_FIELD] = list(box["fields"])
            return
        sealed = binascii.a2b_base64(box["sealed"])
        plain = unseal(cipher, sealed, _bound(record, version))
        decode = self.transcoder.decode if "codec" in box else _json_loads
        for path, value in decode(plain).items():
            if "." in path:
                set_path(state, path, value)
            else:  # what set_path does for a field
                state[path] = value

    # -- whose data ------------------------------------------------------

    def _learn_subject(
        self,
        cls: type[Any],
        record: UUID,
        version: int,
        state: dict[str, Any],
        rule: str,
    ) -> None:
        """A creation event (or a snapshot) says whose the record's data is."""
        if issubclass(cls, Snapshot):
            found = get_path(state, f"state.{rule}")
        elif version == 1:
            found = state.get(rule)
        else:
            return
        self._remember_subject(record, found if isinstance(found, UUID) else record)

    def _remember_subject(self, record: UUID, subject: UUID) -> None:
        with self._lock:
            self._subjects[record] = subject
            self._subjects.move_to_end(record)
            while len(self._subjects) > self._subjects_size:
                self._subjects.popitem(last=False)

    def _subject(self, record: UUID, rule: str | None) -> UUID:
        if rule is None:
            return record
        with self._lock:
            found = self._subjects.get(record)
        if found is None:
            found = self._recorded_subject(record, rule)
            self._remember_subject(record, found)
        return found

    def _recorded_subject(self, record: UUID, rule: str) -> UUID:
        """From the record's stored first event (not cached: e.g. evicted)."""
        raw = self.keys.table.first_state(record)
        if raw is None:
            return record
        found = self._decoded(raw).get(rule)
        return found if isinstance(found, UUID) else record


class _Reading(NamedTuple):
    """What decoding reads of an event class (the declarations of
    ``domain.personal``, made when the class is): read once per class, as a
    missing class attribute costs ``getattr`` an exception each time."""

    snapshot: bool
    personal: Sequence[str]
    subject: str | None
    forgets: Sequence[str] | None
    class_version: int

    @classmethod
    def of(cls, event_class: type[Any]) -> _Reading:
        return cls(
            issubclass(event_class, Snapshot),
            getattr(event_class, "personal", ()),
            getattr(event_class, "subject", None),
            getattr(event_class, "forgets", None),
            getattr(event_class, "class_version", 1),
        )


def _json_loads(plain: bytes) -> Any:
    """``json.loads``, by ``orjson`` (the same values for what ``json.dumps``
    wrote of texts; anything ``orjson`` refuses goes to ``json``)."""
    try:
        return orjson.loads(plain)
    except orjson.JSONDecodeError:
        return json.loads(plain)


def seal(cipher: AESGCM, plain: bytes, associated: bytes) -> bytes:
    """AES-GCM: a fresh 96-bit nonce, then the ciphertext with its tag."""
    nonce = os.urandom(_NONCE)
    return nonce + cipher.encrypt(nonce, plain, associated)


def unseal(cipher: AESGCM, sealed: bytes, associated: bytes) -> bytes:
    """The plain text; ``InvalidTag`` if the box or its binding was altered."""
    return cipher.decrypt(sealed[:_NONCE], sealed[_NONCE:], associated)


def _bound(record: UUID, version: int) -> bytes:
    # record.bytes, without its property's call
    return record.int.to_bytes(16, "big") + version.to_bytes(8, "big", signed=True)


def _declared(cls: type[Any], state: dict[str, Any]) -> tuple[Sequence[str], Any]:
    """The personal paths of an event of ``cls`` and its aggregate's subject
    field (``None``: its data is its own); for a snapshot, those of the
    aggregate it is a snapshot of."""
    if issubclass(cls, Snapshot):
        try:
            aggregate = resolve_topic(state["topic"])
        except Exception:  # an aggregate class that no longer exists
            return (), None
        paths = [f"state.{name}" for name in getattr(aggregate, "personal_state", ())]
        return paths, getattr(aggregate, "subject", None)
    return getattr(cls, "personal", ()), getattr(cls, "subject", None)
