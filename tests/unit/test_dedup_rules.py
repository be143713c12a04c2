"""Blocking keys and scores of the dedup view."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from projections.dedup_rules import (
    Organisation,
    Person,
    organisation_keys,
    person_keys,
    score_organisations,
    score_people,
)

ADA = Person.of("Ada", "Lovelace", ("ada@engines.org",), ("+442079460958",))


class TestBlocking:
    def test_exact_email_and_phone_are_keys(self) -> None:
        keys = person_keys(ADA)
        assert "c|e:ada@engines.org" in keys and "c|p:+442079460958" in keys

    def test_a_surname_typo_keeps_the_phonetic_key(self) -> None:
        typo = Person.of("Ada", "Lovelase")
        assert set(person_keys(ADA)) & set(person_keys(typo))

    def test_swapped_names_share_a_key(self) -> None:
        swapped = Person.of("Lovelace", "Ada")
        assert set(person_keys(Person.of("Ada", "Lovelace"))) & set(
            person_keys(swapped)
        )

    def test_free_mail_is_no_company_domain(self) -> None:
        free = Person.of("Ada", "Lovelace", ("ada@gmail.com",))
        assert not [k for k in person_keys(free) if k.startswith("c|d:")]
        assert [k for k in person_keys(ADA) if k.startswith("c|d:engines.org")]

    def test_postcode_with_surname_and_street(self) -> None:
        home = {"street": "12 Baker Street", "postcode": "NW1 6XE"}
        keys = person_keys(Person.of("Sherlock", "Holmes", address=home))
        assert "c|y:nw16xe:12" in keys
        assert any(k.startswith("c|z:nw16xe:") for k in keys)

    def test_accounts_by_domain_and_name_without_legal_form(self) -> None:
        one = organisation_keys(Organisation.of("Acme Inc.", "acme.com"))
        two = organisation_keys(Organisation.of("ACME", None))
        assert "a|w:acme.com" in one and "a|n:acme" in set(one) & set(two)

    @given(st.text(max_size=40), st.text(max_size=40))
    def test_any_names_give_keys_without_failing(self, a: str, b: str) -> None:
        for key in person_keys(Person.of(a, b)):
            assert key.startswith("c|")


class TestScoring:
    def test_the_same_person_scores_high_and_says_why(self) -> None:
        score, why = score_people(
            ADA, Person.of("Ada", "Lovelace", ("ada@engines.org",))
        )
        assert score > 0.99
        assert why["emails"] == {
            "how": "exact",
            "similarity": 1.0,
            "weight": 7.0,
            "value": "ada@engines.org",
        }
        assert why["family_name"]["how"] == "jaro_winkler"

    def test_a_nickname_counts_as_the_name(self) -> None:
        score, why = score_people(
            Person.of("Robert", "Smith"), Person.of("Bob", "Smith")
        )
        assert why["given_name"]["how"] == "nickname" and score > 0.5

    def test_different_people_score_low(self) -> None:
        score, _ = score_people(ADA, Person.of("Grace", "Hopper"))
        assert score < 0.01

    def test_a_shared_switchboard_says_little(self) -> None:
        a = Person.of("Ann", "Lee", phones=("+442070000001",))
        b = Person.of("Ann", "Lee", phones=("+442070000001",))
        alone, _ = score_people(a, b, {"+442070000001": 2})
        shared, why = score_people(a, b, {"+442070000001": 40})
        assert shared < alone
        assert "shared by 40+" in why["phones"]["how"]

    def test_swapped_names(self) -> None:
        score, why = score_people(
            Person.of("Lovelace", "Ada"), Person.of("Ada", "Lovelace")
        )
        assert why["names"]["how"] == "swapped" and score > 0.5

    def test_accounts(self) -> None:
        same, why = score_organisations(
            Organisation.of("Acme Inc", "acme.com"), Organisation.of("ACME", "acme.com")
        )
        assert same > 0.99 and why["web_domain"]["weight"] == 6.0
        other, _ = score_organisations(
            Organisation.of("Acme", "acme.com"), Organisation.of("Globex", "globex.com")
        )
        assert other < 0.01

    @given(st.text(max_size=30), st.text(max_size=30), st.text(max_size=30))
    def test_scores_are_symmetric_probabilities(self, a: str, b: str, c: str) -> None:
        one, two = Person.of(a, b), Person.of(b, c)
        s1, _ = score_people(one, two)
        s2, _ = score_people(two, one)
        assert 0.0 <= s1 <= 1.0 and s1 == s2


def test_an_initial_matches_the_name_it_starts() -> None:
    score, why = score_people(Person.of("H", "Kireez"), Person.of("Hannah", "Kireez"))
    assert why["given_name"]["how"] == "initial" and score > 0.5
    _, why = score_people(Person.of("J", "Kireez"), Person.of("Hannah", "Kireez"))
    assert why["given_name"]["weight"] < 0
