"""Field types of activity commands and bodies: the domain's vocabularies
(``domain.activity_rules``) as pydantic types, so a bad value is a 422 naming
the field before any command runs. ``Kind`` and ``ActivityOutcome`` list
exactly ``KINDS`` and ``OUTCOMES`` (a test checks it)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from domain.activity_rules import MAX_MINUTES, PURPOSES, is_purpose

Kind = Literal["call", "meeting", "visit", "email", "task"]
ActivityOutcome = Literal[
    "connected",
    "no_answer",
    "left_voicemail",
    "meeting_held",
    "no_show",
    "completed",
    "other",
]
Minutes = Annotated[int, Field(ge=0, le=MAX_MINUTES, description="whole minutes")]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]


def normal_purpose(value: str) -> str:
    """Lower case, no spaces around the parts: ``upsell:leather seats``."""
    head, colon, product = value.partition(":")
    value = f"{head.strip().lower()}{colon}{product.strip().lower()}"
    if not is_purpose(value):
        listed = ", ".join(PURPOSES)
        msg = f"not a purpose: one of {listed}, upsell:<product>, cross_sell:<product>"
        raise ValueError(msg)
    return value


Purpose = Annotated[
    str, StringConstraints(max_length=120), AfterValidator(normal_purpose)
]
