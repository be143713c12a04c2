"""Shared fixtures: the real services the integration and e2e tiers use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kafka_broker import broker_missing_reason, kafka_broker
from tests.services import missing, require_postgres


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return require_postgres()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    reason = broker_missing_reason()
    if reason:
        missing(reason)
    with kafka_broker() as servers:
        yield servers
