"""Scoring many candidates at once gives each the score of the pair rule,
and a record's compared values read back are the record's features."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.dedup_bulk import Candidates, compact, scores, unpack
from projections.dedup_rules import Organisation, Person, score_people

NAMES = st.one_of(
    st.sampled_from(
        [
            *("Ada", "ada", "Adda", "A", "Robert", "Bob", "Rob", "R", "Lovelace"),
            *("Lovelase", "Smith", "Smyth", "Ann Lee", "Ädå", "O'Brien", "", " "),
        ]
    ),
    st.text(max_size=12),
)
EMAILS = st.lists(
    st.sampled_from(["ada@engines.org", "a@engines.org", "ada@gmail.com", "x@y.z"]),
    max_size=2,
    unique=True,
)
PHONES = st.lists(
    st.sampled_from(["+442079460958", "+442070000001", "+15550100"]),
    max_size=2,
    unique=True,
)
ADDRESSES = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "street": st.sampled_from(["12 Baker Street", "12 Baker St", "Baker", ""]),
            "locality": st.sampled_from(["London", "Londn", "Leeds", ""]),
            "postcode": st.sampled_from(["NW1 6XE", "NW16XE", "LS1", ""]),
            "region": st.sampled_from(["LDN", "YKS", ""]),
        }
    ),
)
ACCOUNTS = st.sampled_from([None, "0b7e1c8e-3c5a-4a57-9a55-5e2f2d0c9a11"])
PEOPLE = st.builds(
    lambda g, f, e, p, a, acct: Person.of(g, f, tuple(e), tuple(p), a, acct),
    NAMES,
    NAMES,
    EMAILS,
    PHONES,
    ADDRESSES,
    ACCOUNTS,
)


def row_of(p: Person) -> tuple[Any, ...]:
    """A candidate's columns as ``candidates_sql`` reads them (less its type)."""
    return (
        compact(p),
        "\n".join(p.emails) or None,
        "\n".join(p.phones) or None,
        p.account_id,
    )


@settings(max_examples=300)
@given(PEOPLE, st.lists(PEOPLE, max_size=8), st.integers(1, 40))
def test_bulk_scores_are_the_pair_scores(
    a: Person, others: list[Person], sharers: int
) -> None:
    counts = {phone: sharers for phone in a.phones}
    bulk = scores(a, Candidates([row_of(o) for o in others]), counts)
    assert bulk == [score_people(a, o, counts)[0] for o in others]


@given(PEOPLE)
def test_a_person_read_back_is_the_person(p: Person) -> None:
    emails, phones = "\n".join(p.emails) or None, "\n".join(p.phones) or None
    assert unpack("contact", compact(p), emails, phones, None, p.account_id) == p


@given(NAMES, st.sampled_from([None, "acme.com"]))
def test_an_account_read_back_is_the_account(name: str, domain: str | None) -> None:
    o = Organisation.of(name, domain)
    assert unpack("account", compact(o), None, None, domain, None) == o


def test_no_candidates_no_scores() -> None:
    assert scores(Person.of("Ada", "Lovelace"), Candidates([])) == []
