"""One settings model, read from the environment and validated at start.

A `.env`-free default works: with nothing set, the engine runs on the SQLite
file ``./var/sfa.db`` with no broker and a generated development token.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from infra.outreach_settings import OutreachSettings

Role = Literal["rep", "manager", "analyst", "auditor", "admin", "service"]


class SettingsError(ValueError):
    """The environment does not describe a runnable engine; says which key."""


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    roles: tuple[Role, ...] = Field(min_length=1)
    rep_id: UUID | None = None


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str | None = None
    sqlite_path: Path = Path("var/sfa.db")
    kafka_bootstrap: str | None = None
    kafka_topic_prefix: str = Field(default="sfa", pattern=r"^[A-Za-z0-9._-]+$")
    kafka_partitions: int = Field(default=3, ge=1, le=10_000)
    kafka_replication: int = Field(default=1, ge=1, le=100)
    projections_source: Literal["log", "kafka"] = "log"
    api_tokens: dict[str, Principal] = Field(default_factory=dict)
    dev_token: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    poll_interval: float = Field(default=1.0, gt=0, le=60)
    outreach: OutreachSettings = Field(default_factory=OutreachSettings)
    fiscal_year_start: int = Field(default=1, ge=1, le=12)

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, url: str | None) -> str | None:
        if url and not url.startswith(("postgresql://", "postgres://")):
            msg = "must start with postgresql:// (unset it for the SQLite default)"
            raise ValueError(msg)
        return url or None

    @model_validator(mode="after")
    def _kafka_source_needs_a_broker(self) -> Settings:
        if self.projections_source == "kafka" and not self.kafka_bootstrap:
            raise ValueError("SFA_PROJECTIONS_SOURCE=kafka needs SFA_KAFKA_BOOTSTRAP")
        return self

    @property
    def store_kind(self) -> Literal["postgres", "sqlite"]:
        return "postgres" if self.database_url else "sqlite"

    def persistence_env(self) -> dict[str, str]:
        """The ``eventsourcing`` environment that selects and configures the store."""
        if self.database_url:
            return {
                "PERSISTENCE_MODULE": "infra.postgres:Factory",
                "SFA_DATABASE_URL": self.database_url,
            }
        return {
            "PERSISTENCE_MODULE": "infra.sqlite:Factory",
            "SQLITE_DBNAME": str(self.sqlite_path),
        }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        tokens = _tokens(env)
        dev_token = None
        if not tokens:
            dev_token = secrets.token_urlsafe(24)
            tokens = {dev_token: {"name": "development admin", "roles": ["admin"]}}
        values = {
            "database_url": env.get("SFA_DATABASE_URL"),
            "sqlite_path": env.get("SFA_SQLITE_PATH") or "var/sfa.db",
            "kafka_bootstrap": env.get("SFA_KAFKA_BOOTSTRAP") or None,
            "kafka_topic_prefix": env.get("SFA_KAFKA_TOPIC_PREFIX") or "sfa",
            "kafka_partitions": env.get("SFA_KAFKA_PARTITIONS") or 3,
            "kafka_replication": env.get("SFA_KAFKA_REPLICATION") or 1,
            "projections_source": env.get("SFA_PROJECTIONS_SOURCE") or "log",
            "api_tokens": tokens,
            "dev_token": dev_token,
            "host": env.get("SFA_HOST") or "127.0.0.1",
            "port": env.get("SFA_PORT") or 8000,
            "poll_interval": env.get("SFA_DB_POLL_INTERVAL") or 1.0,
            "outreach": _outreach(env),
            "fiscal_year_start": env.get("SFA_FISCAL_YEAR_START") or 1,
        }
        try:
            return cls.model_validate(values)
        except ValidationError as e:
            raise SettingsError(_describe(e)) from None


_KEYS = {
    "database_url": "SFA_DATABASE_URL",
    "kafka_topic_prefix": "SFA_KAFKA_TOPIC_PREFIX",
    "kafka_partitions": "SFA_KAFKA_PARTITIONS",
    "kafka_replication": "SFA_KAFKA_REPLICATION",
    "projections_source": "SFA_PROJECTIONS_SOURCE",
    "api_tokens": "SFA_API_TOKENS",
    "host": "SFA_HOST",
    "port": "SFA_PORT",
    "poll_interval": "SFA_DB_POLL_INTERVAL",
    "fiscal_year_start": "SFA_FISCAL_YEAR_START",
}


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        field, *rest = [str(part) for part in item["loc"]] or [""]
        if field == "api_tokens" and rest:
            rest[0] = "<token>"  # never echo a secret
        where = ".".join([_KEYS.get(field, field), *rest])
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)


def _outreach(env: Mapping[str, str]) -> OutreachSettings:
    try:
        return OutreachSettings.from_env(env)
    except ValueError as e:
        raise SettingsError(str(e)) from None


def _tokens(env: Mapping[str, str]) -> dict[str, object]:
    raw = env.get("SFA_API_TOKENS")
    source = "SFA_API_TOKENS"
    if not raw and env.get("SFA_API_TOKENS_FILE"):
        source = env["SFA_API_TOKENS_FILE"]
        try:
            raw = Path(source).read_text()
        except OSError as e:
            raise SettingsError(
                f"SFA_API_TOKENS_FILE: cannot read {source}: {e}"
            ) from e
    if not raw:
        return {}
    try:
        tokens = json.loads(raw)
    except json.JSONDecodeError as e:
        raise SettingsError(f"{source}: not valid JSON ({e})") from e
    if not isinstance(tokens, dict):
        raise SettingsError(f"{source}: must be a JSON object of token -> principal")
    return tokens
