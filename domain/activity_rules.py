"""What an activity may be: its controlled vocabularies and the rules on them.

What must hold:
- ``kind`` is one of ``KINDS``; a ``task`` names no customer, every other
  kind names a contact, an account, or both.
- ``purpose`` is one of ``PURPOSES`` or ``upsell:<product>`` /
  ``cross_sell:<product>``; ``other`` needs a ``purpose_note``.
- Times are timezone-aware.
- A completion has an outcome of ``OUTCOMES`` (a task's: one of
  ``TASK_OUTCOMES``; ``other`` needs a note) and a duration in whole minutes
  within ``0..MAX_MINUTES``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.base import check

TASK = "task"
KINDS = ("call", "meeting", "visit", "email", TASK)
_SELLING = ("prospecting", "qualification", "demo", "proposal", "negotiation")
_SERVING = ("renewal", "onboarding", "collections", "support_follow_up", "other")
PURPOSES = _SELLING + _SERVING
PRODUCT_PURPOSES = ("upsell", "cross_sell")
_REACHED = ("connected", "meeting_held", "completed", "other")
OUTCOMES = ("no_answer", "left_voicemail", "no_show", *_REACHED)
TASK_OUTCOMES = ("completed", "other")
MAX_MINUTES = 24 * 60


def is_purpose(value: str) -> bool:
    """One of ``PURPOSES``, or ``upsell:<product>`` / ``cross_sell:<product>``
    with a product of 1-100 characters, not padded with spaces."""
    head, colon, product = value.partition(":")
    if not colon:
        return value in PURPOSES
    fine = 0 < len(product) <= 100 and product == product.strip()
    return head in PRODUCT_PURPOSES and fine


def check_details(
    kind: str,
    purpose: str,
    contact_id: UUID | None = None,
    account_id: UUID | None = None,
    purpose_note: str | None = None,
    **_: Any,
) -> None:
    """The rules on what an activity is about, whether planned or logged."""
    check(kind in KINDS, "unknown_activity_kind", f"no activity kind {kind!r}")
    customer = contact_id is not None or account_id is not None
    if kind == TASK:
        check(not customer, "task_has_no_customer", "a task names no customer")
    else:
        msg = f"a {kind} names a contact or an account"
        check(customer, "customer_activity_needs_contact_or_account", msg)
    check(is_purpose(purpose), "unknown_purpose", f"no purpose {purpose!r}")
    msg = "the purpose 'other' needs a purpose_note"
    check(purpose != "other" or bool(purpose_note), "other_purpose_needs_note", msg)


def check_aware(moment: datetime, name: str) -> None:
    msg = f"{name} needs a time zone"
    check(moment.utcoffset() is not None, "time_needs_timezone", msg)


def check_completion(
    kind: str,
    outcome: str,
    duration_minutes: int | None,
    completed_at: datetime,
    outcome_note: str | None = None,
    **_: Any,
) -> None:
    check(outcome in OUTCOMES, "unknown_outcome", f"no outcome {outcome!r}")
    msg = f"a task's outcome is one of {', '.join(TASK_OUTCOMES)}"
    check(kind != TASK or outcome in TASK_OUTCOMES, "task_outcome", msg)
    msg = "the outcome 'other' needs an outcome_note"
    check(outcome != "other" or bool(outcome_note), "other_outcome_needs_note", msg)
    msg = "a completed activity has a duration in minutes"
    check(duration_minutes is not None, "completed_activity_needs_duration", msg)
    msg = f"the duration is 0 to {MAX_MINUTES} minutes"
    in_range = 0 <= (duration_minutes or 0) <= MAX_MINUTES
    check(in_range, "duration_out_of_range", msg)
    check_aware(completed_at, "completed_at")
