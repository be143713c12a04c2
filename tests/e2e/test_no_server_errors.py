"""Nothing a client sends produces a 500 (DESIGN.md). Every operation in the
OpenAPI document is sent, as an admin (so that the request reaches the
command and the query, not just the role check), against the tiny demo
world: ids that are junk, unknown or real; query parameters that are empty,
huge, NUL or out of range; bodies that are not JSON; and its documented
example with real ids, then with each field in turn replaced by junk."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from fastapi.testclient import TestClient

from api.cli import main
from api.main import create_app
from infra.bootstrap import Container, bootstrap
from infra.settings import Settings
from tests.e2e.conftest import TOKENS, auth
from tests.services import admin_cursor

PATH_JUNK = ["not-a-uuid", "00000000-0000-4000-8000-00000000abcd", "x" * 300]
QUERY_JUNK = ["", "x" * 300, "9" * 40, "\x00", "2026-13-45"]
FIELD_JUNK: list[Any] = [None, "x" * 3000, 10**20, [], {}, "NaN", "0001-01-01", "a\x00"]
RAW_JUNK = [b"{", b"[]", b"\xff\xfe", b'{"a":' * 300]
# the resource of a path's first segment, by its aggregate class
RESOURCES = {
    "accounts": "Account",
    "activities": "Activity",
    "candidates": "Candidate",
    "coaching-sessions": "CoachingSession",
    "contacts": "Contact",
    "corrective-actions": "CorrectiveAction",
    "forecast-adjustments": "ForecastAdjustment",
    "hiring-plans": "HiringPlan",
    "knowledge": "KnowledgeEntry",
    "lead-lists": "LeadList",
    "leads": "Lead",
    "opportunities": "Opportunity",
    "orders": "Order",
    "pipelines": "Pipeline",
    "products": "Product",
    "quotes": "Quote",
    "reps": "Rep",
    "standards": "Standard",
    "teams": "Team",
    "territories": "Territory",
    "training-programmes": "TrainingProgramme",
}
# a body's reference fields, by the class they name
REFERENCES = {
    "account_id": "Account",
    "contact_id": "Contact",
    "corrective_action_id": "CorrectiveAction",
    "duplicate_id": "Contact",
    "lead_id": "Lead",
    "manager_id": "Rep",
    "member": "Rep",
    "mentor_id": "Rep",
    "opportunity_id": "Opportunity",
    "owner_id": "Rep",
    "parent_id": "Territory",
    "pipeline_id": "Pipeline",
    "plan_id": "HiringPlan",
    "product_id": "Product",
    "programme_id": "TrainingProgramme",
    "quote_id": "Quote",
    "rep_id": "Rep",
    "subject": "Rep",
    "team_id": "Team",
}


class Sender:
    def __init__(
        self, client: TestClient, ids: dict[str, list[Any]], container: Container
    ) -> None:
        self.client = client
        self.container = container
        self.ids = ids
        self.server_errors: dict[tuple[str, str], str] = {}
        self.sent = 0

    def __call__(self, method: str, url: str, **request: Any) -> None:
        request.setdefault("headers", {}).update(auth("admin"))
        answer = self.client.request(method.upper(), url, **request)
        self.sent += 1
        if answer.status_code >= 500 and answer.status_code != 503:
            shape = re.sub(r"[0-9a-f-]{36}", "{id}", url)
            sent = {k: v for k, v in request.items() if k != "headers"}
            self.server_errors.setdefault((method, shape), repr(sent)[:300])

    def real(self, cls: str | None) -> list[str]:
        return [str(i) for i in self.ids.get(cls or "", [])[:2]]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def sender(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sender]:
    path = tmp_path_factory.mktemp("fuzz") / "sfa.db"
    settings = Settings(sqlite_path=path, api_tokens=TOKENS)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SFA_SQLITE_PATH", str(path))
        env.delenv("SFA_DATABASE_URL", raising=False)
        if request.param == "postgres":
            url = own_database(request.getfixturevalue("postgres_url"), "_fuzz")
            env.setenv("SFA_DATABASE_URL", url)
            settings = Settings(database_url=url, api_tokens=TOKENS)
        assert main(["demo", "seed", "--scale", "tiny", "--until", "2026-11-01"]) == 0
    container = bootstrap(settings, seed=False)
    ids: dict[str, list[Any]] = defaultdict(list)
    for note in container.app.recorder.select_notifications(start=1, limit=10**6):
        cls = note.topic.split(":")[1].split(".")[0]
        if note.originator_id not in ids[cls]:
            ids[cls].append(note.originator_id)
    for runner in container.projections.runners.values():
        runner.catch_up()
    container.projections.start()
    with TestClient(create_app(lambda: container), raise_server_exceptions=False) as c:
        yield Sender(c, ids, container)
    container.projections.stop()
    container.close()
    if request.param == "postgres":
        with admin_cursor(request.getfixturevalue("postgres_url")) as curs:
            name = urlsplit(settings.database_url or "").path.lstrip("/")
            curs.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def own_database(url: str, suffix: str) -> str:
    """A fresh database of the test's own beside ``url``'s."""
    parts = urlsplit(url)
    database = parts.path.lstrip("/") + suffix
    with admin_cursor(url) as curs:
        curs.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        curs.execute(f'CREATE DATABASE "{database}"')
    return urlunsplit(parts._replace(path=f"/{database}"))


def operations(client: TestClient) -> list[tuple[str, str, dict[str, Any], Any]]:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    found = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {})
            schema = body.get("application/json", {}).get("schema")
            example = None
            if schema is not None:
                while "$ref" in schema:
                    schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
                example = (schema.get("examples") or [{}])[0]
            found.append((method, path, operation, example))
    return found


def urls(send: Sender, path: str) -> tuple[list[str], list[str]]:
    """The path with real ids of its resource, and with junk ids."""
    names = re.findall(r"\{(\w+)\}", path)

    def fill(first: str) -> str:
        url = path
        for i, name in enumerate(names):
            url = url.replace("{" + name + "}", first if i == 0 else "x", 1)
        return url

    if not names:
        return [path], []
    resource = RESOURCES.get(path.strip("/").split("/")[0])
    real = [fill(i) for i in send.real(resource)] or [fill(PATH_JUNK[1])]
    return real, [fill(junk) for junk in PATH_JUNK]


def with_real_ids(send: Sender, example: Any) -> Any:
    if not isinstance(example, dict):
        return example
    body = dict(example)
    for field, value in example.items():
        real = send.real(REFERENCES.get(field))
        if real and isinstance(value, str):
            body[field] = real[-1]
    return body


def sweep(send: Sender, method: str, url: str, operation: Any, example: Any) -> None:
    body = with_real_ids(send, example)
    request = {} if body is None else {"json": body}
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query":
            continue
        for junk in QUERY_JUNK:
            if parameter["name"] == "min_position" and junk.isdigit():
                continue  # a position not yet reached waits 5 s, then 503
            send(method, url, params={parameter["name"]: junk}, **request)
    if body is None:
        send(method, url)
        return
    send(method, url, json=body)
    for raw in RAW_JUNK:
        headers = {"content-type": "application/json"}
        send(method, url, content=raw, headers=headers)
    for field in body if isinstance(body, dict) else []:
        for junk in FIELD_JUNK:
            send(method, url, json={**body, field: junk})
        inner = body[field]
        if isinstance(inner, list) and inner and isinstance(inner[0], dict):
            inner = inner[0]
        if isinstance(inner, dict):
            for key in inner:
                for junk in FIELD_JUNK:
                    item = {**inner, key: junk}
                    nested = [item] if isinstance(body[field], list) else item
                    send(method, url, json={**body, field: nested})


def test_no_request_produces_a_server_error(sender: Sender) -> None:
    for method, path, operation, example in operations(sender.client):
        real, junk = urls(sender, path)
        for url in junk:
            sender(method, url, **({} if example is None else {"json": example}))
        for url in real[:1]:
            sweep(sender, method, url, operation, example)
    assert sender.sent > 3000
    assert sender.server_errors == {}


def test_what_was_accepted_stops_no_view(sender: Sender) -> None:
    """Whatever the sweep got recorded, every view applies it (a value a
    view's database cannot hold would stop that view at its event)."""
    head = sender.container.app.recorder.max_notification_id() or 0
    projections = sender.container.projections
    behind = [n for n in projections.runners if not projections.wait_for(n, head, 60)]
    errors = {s.name: s.last_error for s in projections.status() if s.last_error}
    assert (behind, errors) == ([], {})
