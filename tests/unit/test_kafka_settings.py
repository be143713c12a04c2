"""The Kafka settings (infra/settings.py): read, defaulted and checked."""

from __future__ import annotations

import pytest

from infra.settings import Settings, SettingsError


def test_kafka_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.kafka_bootstrap is None
    assert (settings.kafka_partitions, settings.kafka_replication) == (3, 1)
    assert settings.projections_source == "log"


def test_kafka_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "SFA_KAFKA_BOOTSTRAP": "k1:9092,k2:9092",
            "SFA_KAFKA_PARTITIONS": "12",
            "SFA_KAFKA_REPLICATION": "3",
            "SFA_PROJECTIONS_SOURCE": "kafka",
        }
    )
    assert settings.kafka_partitions == 12 and settings.kafka_replication == 3
    assert settings.projections_source == "kafka"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SFA_KAFKA_PARTITIONS": "0"}, "SFA_KAFKA_PARTITIONS"),
        ({"SFA_KAFKA_REPLICATION": "x"}, "SFA_KAFKA_REPLICATION"),
        ({"SFA_PROJECTIONS_SOURCE": "files"}, "SFA_PROJECTIONS_SOURCE"),
        ({"SFA_PROJECTIONS_SOURCE": "kafka"}, "needs SFA_KAFKA_BOOTSTRAP"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(
    env: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)
