"""The outreach guard's settings (README, configuration): how far apart two
approaches for one purpose must be, per purpose, and the frequency cap.

| variable | default | meaning |
| --- | --- | --- |
| ``SFA_OUTREACH_WINDOW_DAYS`` | ``30`` | look-back window of every purpose |
| ``SFA_OUTREACH_WINDOWS`` | none | per purpose: ``renewal=90,upsell=14`` |
| ``SFA_OUTREACH_CAP`` | none (no cap) | outreach activities per contact per period |
| ``SFA_OUTREACH_CAP_DAYS`` | ``7`` | the cap's period, in days |
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from domain.activity_rules import PRODUCT_PURPOSES, is_purpose
from domain.outreach_rules import DEFAULT_WINDOW_DAYS, Policy

MAX_DAYS = 3660
_KEYS = {
    "window_days": "SFA_OUTREACH_WINDOW_DAYS",
    "windows": "SFA_OUTREACH_WINDOWS",
    "cap": "SFA_OUTREACH_CAP",
    "cap_days": "SFA_OUTREACH_CAP_DAYS",
}


class OutreachSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    window_days: int = Field(default=DEFAULT_WINDOW_DAYS, ge=0, le=MAX_DAYS)
    windows: tuple[tuple[str, int], ...] = ()
    cap: int | None = Field(default=None, ge=1)
    cap_days: int = Field(default=7, ge=1, le=MAX_DAYS)

    @field_validator("windows", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        """``purpose=days`` pairs, comma-separated."""
        if not isinstance(value, str):
            return value
        pairs = []
        for part in filter(None, (p.strip() for p in value.split(","))):
            purpose, equals, days = part.partition("=")
            purpose = purpose.strip().lower()
            if not equals or not (is_purpose(purpose) or purpose in PRODUCT_PURPOSES):
                raise ValueError(f"{part!r} is not <purpose>=<days>")
            if not days.strip().isdigit() or int(days) > MAX_DAYS:
                raise ValueError(f"{part!r}: days must be 0 to {MAX_DAYS}")
            pairs.append((purpose, int(days)))
        return tuple(pairs)

    def policy(self) -> Policy:
        return Policy(self.window_days, self.windows, self.cap, self.cap_days)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OutreachSettings:
        """Raises ``ValueError`` naming the variable that is wrong."""
        values = {k: env[v] for k, v in _KEYS.items() if env.get(v, "").strip()}
        try:
            return cls.model_validate(values)
        except ValidationError as e:
            wrong = [f"{_KEYS[str(x['loc'][0])]}: {x['msg']}" for x in e.errors()]
            raise ValueError("; ".join(wrong)) from None
