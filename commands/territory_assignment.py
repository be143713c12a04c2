"""Placing accounts in territories: on every account change that matters to
the rules, and in a realignment.

Where it runs, and why: in the account command's own save. Opening an
account, or changing its address, size or industry, reads the territory
map (cached, brought up to date in one round trip: ``current``) and records
``TerritoryChanged`` + ``TerritoryAssigned`` in the same transaction as the
change. So the answer to the write already names the territory, the change
and its placement are one fact in the log (never an account a reader sees
unplaced while a background process catches up), and there is no second
writer to track, retry or crash. What this cannot see is a change of the
rules themselves: that is a realignment (``realign``), previewed first and
then applied, because moving many accounts is a decision, not a side effect.

What must hold:
- ``place`` is deterministic (``domain.territory_rules.choose``): the same
  territories and account give the same territory.
- No territory claims the account: an account placed by a rule or manually
  is unassigned; a territory set as free text by a client is left as it is.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from commands.application import SalesApplication, project
from commands.base import Command, Context, Outcome, exists, load_many, save
from domain.account import Account
from domain.territory_map import TERRITORY_MAP_ID, TerritoryMap
from domain.territory_rules import Candidate, choose

CHUNK = 200  # accounts per transaction when a realignment is applied


_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[
    SalesApplication, tuple[TerritoryMap, tuple[Candidate, ...]]
] = weakref.WeakKeyDictionary()


def candidates(tmap: TerritoryMap | None) -> tuple[Candidate, ...]:
    """What ``choose`` needs of each territory on ``tmap``."""
    if tmap is None:
        return ()
    held: dict[UUID, set[UUID]] = {}
    for account_id, territory_id in tmap.manual.items():
        held.setdefault(territory_id, set()).add(account_id)
    return tuple(
        Candidate(
            tid,
            name,
            tmap.depth(tid),
            tuple(tmap.rules.get(tid, ())),
            frozenset(held.get(tid, ())),
        )
        for tid, name in tmap.names.items()
    )


def current(app: SalesApplication) -> tuple[Candidate, ...]:
    """The territories as stored. The map is cached per application and
    brought up to date by reading only the events recorded on it since
    (one query, usually answering none): placing an account costs one
    round trip however many territories there are."""
    with _lock:
        cached = _cache.get(app)
        if cached is None:
            found = exists(app, TERRITORY_MAP_ID)
            if not isinstance(found, TerritoryMap):
                return ()
            cached = _cache[app] = (found, candidates(found))
        tmap, made = cached
        news = list(app.events.get(TERRITORY_MAP_ID, gt=tmap.version))
        if news:
            tmap = project(tmap, news)
            made = candidates(tmap)
            _cache[app] = (tmap, made)
        return made


def profile(account: Account) -> dict[str, Any]:
    return {**account.address(), "industry": account.industry} | {
        "employees": account.employees
    }


Placement = tuple[UUID | None, str | None, str | None]
"""Territory id, name and rule; all ``None``: in no territory."""


def target(account: Account, found: Sequence[Candidate]) -> Placement | None:
    """Where the account belongs; ``None``: leave it as it is."""
    choice = choose(found, account.id, profile(account))
    if choice is not None:
        return (choice.territory_id, choice.territory, choice.rule)
    return (None, None, None) if account.territory_id is not None else None


def place(account: Account, found: Sequence[Candidate]) -> None:
    if (where := target(account, found)) is not None:
        account.assign_territory(*where)


def assign(app: SalesApplication, account: Account) -> None:
    """Place ``account`` by the territories as they are stored."""
    found = current(app)
    if found or account.territory_id is not None:
        place(account, found)


@dataclass(frozen=True)
class Move:
    account_id: UUID
    account: str
    from_territory_id: UUID | None
    from_territory: str | None
    to_territory_id: UUID | None
    to_territory: str | None
    rule: str | None


def plan(app: SalesApplication, account_ids: Sequence[UUID]) -> list[Move]:
    """The moves a realignment makes now, in account-id order."""
    found = current(app)
    moves = []
    for start in range(0, len(account_ids), CHUNK):
        loaded = load_many(app, account_ids[start : start + CHUNK])
        for account in loaded.values():
            if isinstance(account, Account) and (move := _move(account, found)):
                moves.append(move)
    return sorted(moves, key=lambda m: str(m.account_id))


def _move(account: Account, found: Sequence[Candidate]) -> Move | None:
    where = target(account, found)
    now = (account.territory_id, account.territory, account.territory_rule)
    if where is None or where == now:
        return None
    return Move(account.id, account.name, now[0], now[1], *where)


def plan_digest(moves: Sequence[Move]) -> str:
    """Names a plan: the same moves, the same digest (``If-Match`` of a
    realignment)."""
    text = json.dumps([list(m.__dict__.values()) for m in moves], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def apply(
    app: SalesApplication,
    ctx: Context,
    moves: Sequence[Move],
    progress: Callable[[int, int], object] | None = None,
) -> int:
    """Records the moves, ``CHUNK`` accounts per transaction (a crash keeps
    the chunks saved; applying again moves the rest); ``progress`` is told
    the moves done and their total. The last position."""
    position = app.recorder.max_notification_id() or 0
    for start in range(0, len(moves), CHUNK):
        if progress:
            progress(start, len(moves))
        chunk = moves[start : start + CHUNK]
        loaded = load_many(app, [m.account_id for m in chunk])
        accounts = []
        for move in chunk:
            account = loaded.get(move.account_id)
            if isinstance(account, Account):
                account.assign_territory(
                    move.to_territory_id, move.to_territory, move.rule
                )
                accounts.append(account)
        if accounts:
            position = save(app, ctx, *accounts).position
    if progress:
        progress(len(moves), len(moves))
    return position


class ApplyMoves(Command):
    """Moves planned by ``plan`` (a realignment the caller has seen)."""

    moves: list[Move]


def apply_moves(app: SalesApplication, cmd: ApplyMoves, ctx: Context) -> Outcome:
    return Outcome(None, apply(app, ctx, cmd.moves))
