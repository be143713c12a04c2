"""The dedup rules for many candidates at once: what a stored record keeps of
its compared values (``compact``, so a candidate read back costs no
normalisation), and the scores of one contact against many (``scores``).

What must hold: ``scores(a, others)[i]`` is ``score_people(a, others[i])[0]``
(the same weights, added in the same order; the string similarities come from
the same ``rapidfuzz`` functions, run over the whole list in C by
``rapidfuzz.process.cdist``). The view uses it only to pick the candidates
worth explaining; each of those is scored again by ``score_people``, whose
score and explanation are the ones kept.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import token_set_ratio
from rapidfuzz.process import cdist

from projections.dedup_rules import (
    PRIOR,
    SWAPPED,
    Organisation,
    Person,
    canonical_given,
)
from projections.dedup_words import FREE_MAIL

SEPARATOR = "\x1f"  # never in a ``simple``-fied value
# _graded steps: weight at >= 0.97, >= 0.9, >= 0.8, below (as dedup_rules)
FAMILY = (4.5, 2.5, 0.0, -4.0)
GIVEN = (3.0, 1.5, 0.0, -3.0)
STREET = (2.5, 2.0, 0.5, -1.5)
LOCALITY = (1.5, 1.0, 0.0, -0.5)


def compact(record: Person | Organisation) -> str:
    """The normalised values a candidate is compared by, in one column (its
    emails, phones, account and web domain are columns of their own)."""
    if isinstance(record, Organisation):
        return record.name
    p = record
    fields = (p.given, p.family, p.street, p.number, p.locality, p.postcode, p.region)
    return SEPARATOR.join(fields)


def unpack(
    record_type: str,
    compared: str,
    emails: str | None,
    phones: str | None,
    web_domain: str | None,
    account_id: Any,
) -> Person | Organisation:
    """The record ``compact`` kept, as ``features`` of its row gives it."""
    if record_type == "account":
        return Organisation(compared, web_domain or "")
    given, family, street, number, locality, postcode, region = compared.split(
        SEPARATOR
    )
    mails = tuple(emails.split("\n")) if emails else ()
    domains = {e.rpartition("@")[2] for e in mails} - FREE_MAIL
    return Person(
        given,
        family,
        mails,
        tuple(phones.split("\n")) if phones else (),
        street,
        number,
        locality,
        postcode,
        region,
        str(account_id) if account_id else None,
        tuple(sorted(domains)),
    )


class Candidates:
    """Contacts read back (``CANDIDATE_COLUMNS`` less the type: compared,
    emails, phones, account), one list per value: compared in bulk without
    making a ``Person`` of each."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows
        fields = zip(*(row[0].split(SEPARATOR) for row in rows), strict=True)
        fields = fields if rows else ([] for _ in range(7))  # type: ignore[assignment]
        (
            self.given,
            self.family,
            self.street,
            self.number,
            self.locality,
            self.postcode,
            self.region,
        ) = (list(values) for values in fields)
        self.emails = [row[1].split("\n") if row[1] else () for row in rows]
        self.phones = [row[2].split("\n") if row[2] else () for row in rows]
        self.accounts = [str(row[3]) if row[3] else None for row in rows]

    def __len__(self) -> int:
        return len(self.rows)


def _similar(
    query: str, choices: list[str], scorer: Any = JaroWinkler.similarity
) -> Any:
    found = cdist([query], choices, scorer=scorer, dtype=np.float64, workers=1)
    return found[0]


def _graded(similarity: Any, steps: tuple[float, ...]) -> Any:
    high, good, fair, low = steps
    return np.where(
        similarity >= 0.97,
        high,
        np.where(similarity >= 0.9, good, np.where(similarity >= 0.8, fair, low)),
    )


def _mask(values: list[Any]) -> Any:
    return np.fromiter((bool(v) for v in values), bool, len(values))


def _names(a: Person, c: Candidates) -> Any:
    straight = _graded(_similar(a.family, c.family), FAMILY)
    if a.given:
        has_given = _mask(c.given)
        canon = canonical_given(a.given)
        weights = [
            (1.0 if g[:1] == a.given[:1] else -3.0)
            if min(len(a.given), len(g)) == 1
            else (2.5 if g != a.given and canonical_given(g) == canon else np.nan)
            for g in c.given
        ]
        rest = np.array(weights)
        graded = _graded(_similar(a.given, c.given), GIVEN)
        straight = np.where(
            has_given, straight + np.where(np.isnan(rest), graded, rest), straight
        )
        swapped = _similar(a.given, c.family) + _similar(a.family, c.given)
        use = has_given & (swapped >= 1.9) & (straight < 4.0)
        straight = np.where(use, SWAPPED, straight)
    return np.where(_mask(c.family) & bool(a.family), straight, 0.0)


def _phone(a: set[str], theirs: Any, counts: dict[str, int]) -> float:
    if not theirs:
        return 0.0
    common = a.intersection(theirs)
    if not common:
        return -1.0
    sharers = max(counts.get(n, 1) for n in common)
    return 4.0 if sharers <= 2 else 4.0 / sharers


def _exact(mine: str, theirs: list[str], same: float, differ: float) -> Any:
    if not mine:
        return 0.0
    return np.array([(same if t == mine else differ) if t else 0.0 for t in theirs])


def _address(a: Person, c: Candidates) -> Any:
    total: Any = 0.0
    total = total + _exact(a.postcode, c.postcode, 2.5, -1.0)
    if a.street:
        ratio = _similar(a.street, c.street, token_set_ratio) / 100
        total = total + np.where(_mask(c.street), _graded(ratio, STREET), 0.0)
    total = total + _exact(a.number, c.number, 1.5, -1.0)
    if a.locality:
        graded = _graded(_similar(a.locality, c.locality), LOCALITY)
        total = total + np.where(_mask(c.locality), graded, 0.0)
    return total + _exact(a.region, c.region, 0.3, -0.5)


def _company(a: Person, c: Candidates) -> list[float]:
    domains = set(a.domains)  # no free mail: another's free mail never matches
    return [
        1.5
        if a.account_id is not None and a.account_id == account
        else (
            1.0
            if domains and domains.intersection(e.rpartition("@")[2] for e in emails)
            else 0.0
        )
        for account, emails in zip(c.accounts, c.emails, strict=True)
    ]


def scores(
    a: Person, c: Candidates, phone_sharers: dict[str, int] | None = None
) -> list[float]:
    """``score_people(a, other, phone_sharers)[0]`` for each candidate."""
    if not len(c):
        return []
    counts = phone_sharers or {}
    emails, phones = set(a.emails), set(a.phones)
    total = PRIOR + _names(a, c)
    if emails:
        total = total + np.array(
            [(7.0 if emails.intersection(e) else -2.0) if e else 0.0 for e in c.emails]
        )
    if phones:
        total = total + np.array([_phone(phones, p, counts) for p in c.phones])
    total = total + _address(a, c)
    total = total + np.array(_company(a, c))
    return [
        round(1 / (1 + math.exp(-t)), 3)
        for t in np.broadcast_to(total, len(c)).tolist()
    ]
