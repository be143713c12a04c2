"""Settings: read from the environment, validated at start, errors named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.settings import Settings, SettingsError


class TestSettings:
    def test_nothing_set_means_sqlite_and_a_development_token(self) -> None:
        settings = Settings.from_env({})
        assert settings.store_kind == "sqlite"
        assert settings.persistence_env() == {
            "PERSISTENCE_MODULE": "infra.sqlite:Factory",
            "SQLITE_DBNAME": "var/sfa.db",
        }
        assert settings.dev_token
        principal = settings.api_tokens[settings.dev_token]
        assert principal.roles == ("admin",)
        assert (settings.host, settings.port) == ("127.0.0.1", 8000)

    def test_postgres_url_selects_postgres(self) -> None:
        url = "postgresql://u:p@db:5432/sfa"
        settings = Settings.from_env({"SFA_DATABASE_URL": url})
        assert settings.store_kind == "postgres"
        assert settings.persistence_env()["SFA_DATABASE_URL"] == url

    def test_tokens_from_json_and_from_file(self, tmp_path: Path) -> None:
        tokens = {
            "t1": {
                "name": "Ann",
                "roles": ["rep"],
                "rep_id": "6f1c2c1e-8a1f-4c4e-9a51-0d5b2f3f9a10",
            }
        }
        from_env = Settings.from_env({"SFA_API_TOKENS": json.dumps(tokens)})
        file = tmp_path / "tokens.json"
        file.write_text(json.dumps(tokens))
        from_file = Settings.from_env({"SFA_API_TOKENS_FILE": str(file)})
        for settings in (from_env, from_file):
            assert settings.dev_token is None
            assert (
                str(settings.api_tokens["t1"].rep_id)
                == "6f1c2c1e-8a1f-4c4e-9a51-0d5b2f3f9a10"
            )

    @pytest.mark.parametrize(
        ("environ", "named"),
        [
            ({"SFA_DATABASE_URL": "mysql://x"}, "SFA_DATABASE_URL"),
            ({"SFA_PORT": "70000"}, "SFA_PORT"),
            ({"SFA_API_TOKENS": "[1, 2]"}, "SFA_API_TOKENS"),
            (
                {"SFA_API_TOKENS": '{"s3cret": {"name": "x", "roles": ["boss"]}}'},
                r"SFA_API_TOKENS\.<token>\.roles",
            ),
            ({"SFA_API_TOKENS_FILE": "/nonexistent/tokens"}, "SFA_API_TOKENS_FILE"),
            ({"SFA_KAFKA_TOPIC_PREFIX": "bad prefix"}, "SFA_KAFKA_TOPIC_PREFIX"),
        ],
    )
    def test_bad_values_are_refused_by_name(
        self, environ: dict[str, str], named: str
    ) -> None:
        with pytest.raises(SettingsError, match=named):
            Settings.from_env(environ)
