"""Bodies of the ``/activities`` resource.

Send only the fields you mean: a field left out is not the same as ``null``
(an activity's owner left out is the caller; a follow-up's fields left out
are those of the activity it follows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.common import CHOSEN_ID, RecordOut, examples
from commands.activity_fields import ActivityOutcome, Kind, Minutes, Notes, Purpose
from commands.normalise import Text

_OWNER = Field(default=None, description="the rep doing it; left out: you")
_OVERRIDE: Any = Field(
    default=None,
    max_length=2000,
    description="go ahead although the outreach guard refuses (409) or the "
    "contact asked not to be contacted (logging only); recorded, and listed "
    "by GET /dedup/collisions/overrides",
)
_PURPOSE = Field(
    description="prospecting, qualification, demo, proposal, negotiation, "
    "upsell:<product>, cross_sell:<product>, renewal, onboarding, collections, "
    "support_follow_up or other (with a purpose_note)"
)


class FollowUpIn(BaseModel):
    """The next activity, planned together with this one's completion."""

    model_config = examples(
        {"scheduled_at": "2030-05-13T10:00:00+02:00", "kind": "meeting"}
    )

    id: UUID | None = CHOSEN_ID
    scheduled_at: AwareDatetime
    kind: Kind | None = Field(default=None, description="left out: the same")
    purpose: Purpose | None = Field(default=None, description="left out: the same")
    purpose_note: Text | None = None
    contact_id: UUID | None = None
    account_id: UUID | None = None
    owner_id: UUID | None = None
    department: Text | None = None
    notes: Notes | None = None


class _NewActivityIn(BaseModel):
    """What a new activity, planned or logged, is about and who does it."""

    id: UUID | None = CHOSEN_ID
    kind: Kind
    purpose: Purpose = _PURPOSE
    purpose_note: Text | None = None
    contact_id: UUID | None = None
    account_id: UUID | None = None
    owner_id: UUID | None = _OWNER
    department: Text | None = None
    override_reason: Text | None = _OVERRIDE


class ActivityIn(_NewActivityIn):
    """A task names no customer; every other kind a contact or an account."""

    model_config = examples(
        {
            "kind": "call",
            "contact_id": "7d6f8c1e-3b2a-4c5d-9e8f-0a1b2c3d4e5f",
            "purpose": "upsell:leather seats",
            "purpose_note": "owns the 2019 model",
            "scheduled_at": "2030-05-06T09:30:00+02:00",
            "department": "sales",
        }
    )

    scheduled_at: AwareDatetime
    notes: Notes | None = None


class _Completion(BaseModel):
    outcome: ActivityOutcome = Field(
        description="a task: completed or other; other needs an outcome_note"
    )
    outcome_note: Text | None = None
    duration_minutes: Minutes
    notes: Notes | None = None
    completed_at: AwareDatetime | None = Field(default=None, description="or now")
    follow_up: FollowUpIn | None = None
    override_reason: Text | None = _OVERRIDE


class ActivityLogIn(_Completion, _NewActivityIn):
    """An activity that happened without being planned: created completed."""

    model_config = examples(
        {
            "kind": "visit",
            "account_id": "5c0ffee0-3b2a-4c5d-9e8f-0a1b2c3d4e5f",
            "purpose": "renewal",
            "outcome": "meeting_held",
            "duration_minutes": 50,
            "notes": "renewal agreed in principle",
            "follow_up": {"scheduled_at": "2030-05-20T09:00:00Z", "kind": "call"},
        }
    )

    scheduled_at: AwareDatetime | None = None


class CompleteIn(_Completion):
    model_config = examples(
        {
            "outcome": "connected",
            "duration_minutes": 14,
            "notes": "wants a demo",
            "follow_up": {
                "scheduled_at": "2030-05-13T10:00:00+02:00",
                "kind": "meeting",
                "purpose": "demo",
            },
        }
    )


class ActivityPatch(BaseModel):
    """While planned. Only the fields sent change; ``null`` clears an optional
    one (``purpose: null`` keeps the purpose)."""

    model_config = examples({"purpose": "demo", "notes": "bring the brochure"})

    purpose: Purpose | None = None
    purpose_note: Text | None = None
    notes: Notes | None = None
    department: Text | None = None
    override_reason: Text | None = _OVERRIDE


class CancelIn(BaseModel):
    model_config = examples({"reason": "customer ill"})

    reason: Text


class RescheduleIn(BaseModel):
    model_config = examples({"scheduled_at": "2030-05-07T14:00:00+02:00"})

    scheduled_at: AwareDatetime
    override_reason: Text | None = _OVERRIDE


class ActivityOut(RecordOut):
    kind: str
    status: str = Field(description="planned, completed or cancelled")
    purpose: str
    purpose_note: str | None
    scheduled_at: datetime | None
    contact_id: UUID | None
    account_id: UUID | None
    owner_id: UUID | None
    department: str | None
    notes: str | None
    outcome: str | None
    outcome_note: str | None
    duration_minutes: int | None
    completed_at: datetime | None
    cancel_reason: str | None
    follows_id: UUID | None = Field(description="the activity this one follows up")
    follow_up_id: UUID | None = Field(description="the activity that follows up")
    override_reason: str | None = Field(
        default=None, description="why the outreach guard was overridden, if it was"
    )
