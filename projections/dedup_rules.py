"""Blocking keys and scores of the dedup view: pure functions, no I/O.

What must hold:
- ``keys`` and ``score`` depend only on the records' values (never a clock
  or the order of a set), so a rebuild of the view gives the same rows.
- Two records are compared only if they share a blocking key (``keys``:
  exact email, E.164 phone, phonetic surname + first initial, phonetic
  given name + surname initial, company email domain + initials, postcode +
  surname sound, postcode + street number; for accounts web domain, name,
  phonetic first word of the name).
- A score is a probability-like number in [0, 1] made from per-field log-odds
  weights (``WEIGHTS``) and explained field by field: each entry says how
  the field compared (``exact``, ``jaro_winkler``, ``nickname``, ...), its
  similarity and the weight it added.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import jellyfish
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import token_set_ratio

from projections.dedup_words import FREE_MAIL, LEGAL, NICKNAMES

SWAPPED = 6.0  # given and family names recorded the other way round
PRIOR = -5.0  # log-odds that two records sharing a block are the same


_NOT_WORD = re.compile(r"[^a-z0-9]+")
_NUMBER = re.compile(r"^\d+")


def simple(text: str | None) -> str:
    """Lower-case letters, digits and single spaces; accents dropped."""
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def canonical_given(name: str) -> str:
    return NICKNAMES.get(name, name)


def sound(word: str) -> str:
    return jellyfish.soundex(word) if word else ""


@dataclass(frozen=True)
class Person:
    """A contact's values as the rules compare them (``simple``-fied)."""

    given: str = ""
    family: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    street: str = ""
    number: str = ""
    locality: str = ""
    postcode: str = ""
    region: str = ""
    account_id: Any = None
    domains: tuple[str, ...] = field(default=())

    @classmethod
    def of(
        cls,
        given_name: str | None,
        family_name: str | None,
        emails: tuple[str, ...] = (),
        phones: tuple[str, ...] = (),
        address: dict[str, Any] | None = None,
        account_id: Any = None,
    ) -> Person:
        address = address or {}
        street = simple(" ".join(filter(None, [address.get("street")])))
        number = _NUMBER.match(street)
        domains = {e.rpartition("@")[2] for e in emails} - FREE_MAIL
        return cls(
            given=simple(given_name),
            family=simple(family_name),
            emails=tuple(emails),
            phones=tuple(phones),
            street=street[number.end() :].strip() if number else street,
            number=number.group() if number else "",
            locality=simple(address.get("locality")),
            postcode=simple(address.get("postcode")).replace(" ", ""),
            region=simple(address.get("region")),
            account_id=str(account_id) if account_id else None,
            domains=tuple(sorted(domains)),
        )


def person_keys(p: Person) -> list[str]:
    """The blocking keys of a contact, each prefixed ``c|``."""
    found = [f"e:{e}" for e in p.emails] + [f"p:{n}" for n in p.phones]
    first_given = p.given[:1]
    if p.family:
        found.append(f"n:{sound(p.family.split()[0])}:{first_given}")
    if p.given:
        found.append(f"n:{sound(p.given.split()[0])}:{p.family[:1]}")
    initials = f"{first_given}{p.family[:1]}"
    found += [f"d:{d}:{initials}" for d in p.domains if initials]
    if p.postcode and p.family:
        found.append(f"z:{p.postcode}:{sound(p.family.split()[0])}")
    if p.postcode and p.number:
        found.append(f"y:{p.postcode}:{p.number}")
    if p.postcode and p.street:
        found.append(f"s:{p.postcode}:{sound(p.street.split()[0])}")
    return sorted({f"c|{k}" for k in found})


Explanation = dict[str, dict[str, Any]]


def _similar(a: str, b: str) -> float:
    return float(JaroWinkler.similarity(a, b))


def _graded(
    name: str, similarity: float, how: str, steps: tuple[float, ...], out: Explanation
) -> float:
    """``steps``: weight at >= 0.97, >= 0.9, >= 0.8, below."""
    high, good, fair, low = steps
    weight = (
        high
        if similarity >= 0.97
        else good
        if similarity >= 0.9
        else fair
        if similarity >= 0.8
        else low
    )
    out[name] = {"how": how, "similarity": round(similarity, 3), "weight": weight}
    return weight


def _given(a: Person, b: Person, out: Explanation) -> float:
    if min(len(a.given), len(b.given)) == 1:  # an initial only
        same = a.given[0] == b.given[0]
        weight = 1.0 if same else -3.0
        out["given_name"] = {
            "how": "initial",
            "similarity": float(same),
            "weight": weight,
        }
        return weight
    if canonical_given(a.given) == canonical_given(b.given) and a.given != b.given:
        out["given_name"] = {"how": "nickname", "similarity": 1.0, "weight": 2.5}
        return 2.5
    return _graded(
        "given_name",
        _similar(a.given, b.given),
        "jaro_winkler",
        (3.0, 1.5, 0.0, -3.0),
        out,
    )


def _names(a: Person, b: Person, out: Explanation) -> float:
    if not (a.family and b.family):
        return 0.0
    straight: Explanation = {}
    total = _graded(
        "family_name",
        _similar(a.family, b.family),
        "jaro_winkler",
        (4.5, 2.5, 0.0, -4.0),
        straight,
    )
    if a.given and b.given:
        total += _given(a, b, straight)
    swapped = _similar(a.given, b.family) + _similar(a.family, b.given)
    if a.given and b.given and swapped >= 1.9 and total < 4.0:
        out["names"] = {
            "how": "swapped",
            "similarity": round(swapped / 2, 3),
            "weight": SWAPPED,
        }
        return SWAPPED
    out.update(straight)
    return total


def _shared(
    name: str,
    mine: tuple[str, ...],
    theirs: tuple[str, ...],
    out: Explanation,
    **w: float,
) -> float:
    if not (mine and theirs):
        return 0.0
    common = sorted(set(mine) & set(theirs))
    if not common:
        out[name] = {"how": "exact", "similarity": 0.0, "weight": w["differ"]}
        return w["differ"]
    sharers = int(w.get("sharers", 1))
    weight = w["same"] if sharers <= 2 else w["same"] / sharers
    how = "exact" if sharers <= 2 else f"exact, shared by {sharers}+ records"
    out[name] = {
        "how": how,
        "similarity": 1.0,
        "weight": round(weight, 3),
        "value": common[0],
    }
    return weight


def _address(a: Person, b: Person, out: Explanation) -> float:
    total = 0.0
    if a.postcode and b.postcode:
        same = a.postcode == b.postcode
        weight = 2.5 if same else -1.0
        out["postcode"] = {"how": "exact", "similarity": float(same), "weight": weight}
        total += weight
    if a.street and b.street:
        ratio = token_set_ratio(a.street, b.street) / 100
        total += _graded("street", ratio, "token_set_ratio", (2.5, 2.0, 0.5, -1.5), out)
    if a.number and b.number:
        same = a.number == b.number
        weight = 1.5 if same else -1.0
        out["street_number"] = {
            "how": "exact",
            "similarity": float(same),
            "weight": weight,
        }
        total += weight
    if a.locality and b.locality:
        total += _graded(
            "locality",
            _similar(a.locality, b.locality),
            "jaro_winkler",
            (1.5, 1.0, 0.0, -0.5),
            out,
        )
    if a.region and b.region:
        same = a.region == b.region
        weight = 0.3 if same else -0.5
        out["region"] = {"how": "exact", "similarity": float(same), "weight": weight}
        total += weight
    return total


def score_people(
    a: Person, b: Person, phone_sharers: dict[str, int] | None = None
) -> tuple[float, Explanation]:
    """How likely ``a`` and ``b`` are one person, and why. ``phone_sharers``:
    how many records hold each of ``a``'s phones (a switchboard number
    shared by many says little)."""
    out: Explanation = {}
    total = PRIOR + _names(a, b, out)
    total += _shared("emails", a.emails, b.emails, out, same=7.0, differ=-2.0)
    sharers = max(
        (phone_sharers or {}).get(n, 1) for n in (set(a.phones) & set(b.phones)) or {""}
    )
    total += _shared(
        "phones", a.phones, b.phones, out, same=4.0, differ=-1.0, sharers=sharers
    )
    total += _address(a, b, out)
    if a.account_id is not None and a.account_id == b.account_id:
        out["account"] = {"how": "same account", "similarity": 1.0, "weight": 1.5}
        total += 1.5
    elif set(a.domains) & set(b.domains):
        out["email_domain"] = {
            "how": "same company domain",
            "similarity": 1.0,
            "weight": 1.0,
        }
        total += 1.0
    return _probability(total), out


def _probability(log_odds: float) -> float:
    return round(1 / (1 + math.exp(-log_odds)), 3)


@dataclass(frozen=True)
class Organisation:
    name: str = ""
    web_domain: str = ""

    @classmethod
    def of(cls, name: str | None, web_domain: str | None) -> Organisation:
        words = [w for w in simple(name).split() if w not in LEGAL]
        return cls(" ".join(words), web_domain or "")


def organisation_keys(o: Organisation) -> list[str]:
    found = [f"w:{o.web_domain}"] if o.web_domain else []
    if o.name:
        found += [
            f"n:{o.name.replace(' ', '')}",
            f"m:{jellyfish.metaphone(o.name.split()[0])}",
        ]
    return sorted({f"a|{k}" for k in found})


def score_organisations(a: Organisation, b: Organisation) -> tuple[float, Explanation]:
    out: Explanation = {}
    total = -4.0
    if a.web_domain and b.web_domain:
        same = a.web_domain == b.web_domain
        weight = 6.0 if same else -2.0
        out["web_domain"] = {
            "how": "exact",
            "similarity": float(same),
            "weight": weight,
        }
        total += weight
    if a.name and b.name:
        ratio = token_set_ratio(a.name, b.name) / 100
        total += _graded("name", ratio, "token_set_ratio", (5.0, 3.0, 0.5, -3.0), out)
    return _probability(total), out
