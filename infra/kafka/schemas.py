"""The published event types and their JSON Schemas, from one definition.

The definition of an event's ``data`` is its event class in ``domain/``: its
dataclass fields and their annotations, less what goes in the CloudEvent
envelope. From it come the schemas served at ``/schemas``, the snapshot the
contract tests compare with, and ``docs/events.md``
(``python -m infra.kafka.schemas`` rewrites it; a test fails if it is stale).

What must hold:
- Every event type the domain can store is listed under its public name
  (``sfa.<aggregate>.<event>.v<N>``); base classes that are never stored are not.
- Every field of a stored event is in its ``data``, always present (``null``
  where empty): every property is required. Consumers should ignore
  properties they do not know: new ones may be added without a new version.
- ``data`` is the stored form, personal data sealed (``infra.personal_data``):
  a type with personal fields says so (``description`` of each, and
  ``x-personal-fields``: the paths, as ``_personal.fields`` names them), and
  describes the optional ``_personal`` box; a personal field may read
  ``[erased]`` (texts) or ``[]`` (lists), which its type admits.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import operator
import pkgutil
import sys
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import typing_extensions
from pydantic import BaseModel, ConfigDict, TypeAdapter, create_model

import domain
from domain.base import SalesAggregate, public_type
from domain.personal import ERASED
from infra.kafka.cloudevents import ENVELOPE
from infra.personal_data import BOX

NOT_DATA = ENVELOPE | {"originator_id", "originator_version"}
DIALECT = "https://json-schema.org/draft/2020-12/schema"
PERSONAL_KEY = "x-personal-fields"
ANNOTATIONS = frozenset({"title", "description"})
"""Schema keywords that validate nothing: no contract in them."""
_SEALED = (
    f'published sealed: reads "{ERASED}" (a text) or [] (a list) where the'
    f" event holds a value; the value is in `{BOX}`, which only sfa can open"
)


@dataclass(frozen=True)
class EventSchema:
    type_name: str
    aggregate: str
    event_class: type[Any]

    @property
    def name(self) -> str:
        return self.event_class.__name__

    @property
    def version(self) -> int:
        return int(self.type_name.rsplit(".v", 1)[1])

    def fields(self) -> dict[str, Any]:
        """Field name to annotation, in declaration order."""
        hints = typing.get_type_hints(self.event_class)
        return {
            f.name: portable(hints[f.name])
            for f in dataclasses.fields(self.event_class)
            if f.name not in NOT_DATA
        }

    def personal(self) -> tuple[str, ...]:
        """The personal paths (``field`` or ``field.key``), as declared."""
        return tuple(getattr(self.event_class, "personal", ()))

    def model(self) -> type[BaseModel]:
        """The pydantic model of ``data``: every field required."""
        return _model(self.type_name, self.event_class)

    def json_schema(self) -> dict[str, Any]:
        schema = TypeAdapter(self.model()).json_schema(mode="serialization")
        schema.pop("title", None)
        if self.personal():
            _sealed_form(schema, self.personal())
        return {
            "$schema": DIALECT,
            "$id": f"/schemas/{self.type_name}",
            "title": self.type_name,
            "description": f"`data` of {self.aggregate} event {self.name}",
            **schema,
        }


def box_schema(paths: tuple[str, ...]) -> dict[str, Any]:
    """The ``_personal`` box of an event with these personal paths."""
    return {
        "type": "object",
        "description": (
            "The event's personal values, sealed with the key of the person"
            " they are about (AES-256-GCM); only when the event holds some."
            " Only sfa holds the keys: consumers see the fields it names erased."
        ),
        "properties": {
            "subject": {
                "type": "string",
                "pattern": "^[0-9a-f]{32}$",
                "description": "whose key seals them (32 hex digits): a contact,"
                " lead or candidate id, or the record's own",
            },
            "fields": {
                "type": "array",
                "items": {"enum": sorted(paths)},
                "description": "the sealed paths: `field`, or `field.key` of an"
                " object field",
            },
            "sealed": {
                "type": "string",
                "contentEncoding": "base64",
                "description": "12-byte nonce, ciphertext and tag; absent when the"
                " person was forgotten before the event was written",
            },
            "codec": {
                "const": "transcoder",
                "description": "present when the plain text is not plain JSON",
            },
        },
        "required": ["subject", "fields"],
    }


def _sealed_form(schema: dict[str, Any], paths: tuple[str, ...]) -> None:
    """Says which properties are personal, and adds the optional box."""
    props = schema["properties"]
    keys: dict[str, list[str]] = {}
    for path in paths:
        field, _, key = path.partition(".")
        keys.setdefault(field, []).append(key)
    for field, named in keys.items():
        if named == [""]:
            props[field]["description"] = f"Personal data, {_SEALED}."
        else:
            listed = ", ".join(f"`{k}`" for k in named)
            props[field]["description"] = f"Personal data at {listed}, {_SEALED}."
    props[BOX] = box_schema(paths)
    schema[PERSONAL_KEY] = list(paths)


_MODELS: dict[str, type[BaseModel]] = {}


def _model(type_name: str, event_class: type[Any]) -> type[BaseModel]:
    found = _MODELS.get(type_name)
    if found is None:
        schema = EventSchema(type_name, type_name.split(".")[1], event_class)
        fields: dict[str, Any] = {k: (v, ...) for k, v in schema.fields().items()}
        found = _MODELS[type_name] = create_model(
            type_name.replace(".", "_"), __config__=ConfigDict(extra="ignore"), **fields
        )
    return found


def portable(annotation: Any) -> Any:
    """``annotation`` with each ``typing.TypedDict`` remade as a
    ``typing_extensions.TypedDict`` (pydantic needs it on Python < 3.12)."""
    if typing.is_typeddict(annotation) and type(annotation).__module__ == "typing":
        hints = typing.get_type_hints(annotation)
        items = {k: portable(v) for k, v in hints.items()}
        made: Any = typing_extensions.TypedDict(  # type: ignore[misc]
            annotation.__name__, items, total=annotation.__total__
        )
        return made
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if not args or origin is None:
        return annotation
    if origin is types.UnionType:
        return functools.reduce(operator.or_, [portable(a) for a in args])
    return origin[tuple(portable(a) for a in args)]


def aggregates() -> list[type[SalesAggregate]]:
    """Every aggregate class of the domain package, by name."""
    for module in pkgutil.iter_modules(domain.__path__):
        importlib.import_module(f"domain.{module.name}")
    found: set[type[SalesAggregate]] = set()
    pending = list(SalesAggregate.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("domain."):
            found.add(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__name__)


def stored_event_classes(aggregate: type[SalesAggregate]) -> list[type[Any]]:
    """The aggregate's event classes, less those never stored: bases of
    others, and the default ``Created`` where a named creation event exists."""
    classes = [
        v
        for v in vars(aggregate).values()
        if isinstance(v, type) and issubclass(v, SalesAggregate.Event)
    ]
    creations = [c for c in classes if issubclass(c, SalesAggregate.Created)]
    return [
        c
        for c in classes
        if not any(o is not c and issubclass(o, c) for o in classes)
        and not (c.__name__ == "Created" and len(creations) > 1)
    ]


@cache
def catalogue() -> dict[str, EventSchema]:
    """Every public event type, sorted by name."""
    found = {}
    for aggregate in aggregates():
        for cls in stored_event_classes(aggregate):
            name = public_type(cls)
            found[name] = EventSchema(name, name.split(".")[1], cls)
    return dict(sorted(found.items()))


_NAMED = frozenset({"properties", "$defs", "patternProperties"})
"""Keywords whose values map names to schemas: a name is no keyword."""


def _plain(schema: Any) -> Any:
    """A schema without its annotations (titles, descriptions: they carry no
    contract); a property named like one (``title``) stays."""
    if isinstance(schema, list):
        return [_plain(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        k: {n: _plain(s) for n, s in v.items()} if k in _NAMED else _plain(v)
        for k, v in schema.items()
        if k not in ANNOTATIONS
    }


def incompatibilities(
    published: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]
) -> list[str]:
    """What in ``current`` would break a consumer of ``published`` (type name
    to schema): a type gone, a property gone or changed, a shared definition
    gone or changed, a field newly published sealed (it may now read erased).
    New types, properties and definitions are compatible; so are changed
    annotations (``ANNOTATIONS``) and a field no longer sealed."""
    found = []
    for name, old in published.items():
        new = current.get(name)
        if new is None:
            found.append(f"{name}: removed (publish a new version instead)")
            continue
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        for prop, old_schema in old_props.items():
            if prop not in new_props:
                found.append(f"{name}: property {prop} removed")
            elif _plain(old_schema) != _plain(new_props[prop]):
                found.append(f"{name}: property {prop} changed")
        for key, old_def in old.get("$defs", {}).items():
            if _plain(old_def) != _plain(new.get("$defs", {}).get(key)):
                found.append(f"{name}: definition {key} removed or changed")
        for path in new.get(PERSONAL_KEY, []):
            if path not in old.get(PERSONAL_KEY, []):
                found.append(f"{name}: {path} now published sealed (personal)")
    return found


def _type_text(schema: dict[str, Any]) -> str:
    """A short human reading of a property's schema, for the docs."""
    if "anyOf" in schema:
        parts = [_type_text(s) for s in schema["anyOf"]]
        return " or ".join(dict.fromkeys(parts))
    kind = schema.get("type", "any")
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    if kind == "array":
        return f"array of {_type_text(schema.get('items', {}))}"
    if "enum" in schema:
        return " or ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    return str(kind)


INTERNAL = frozenset({"outreach_ledger"})
"""Aggregate types published only so that every log position is on Kafka."""

INTRO = f"""# Published events

Generated by `python -m infra.kafka.schemas` from the event classes in
`domain/` (the same definition `/schemas` serves); do not edit by hand.
Each event is a CloudEvent on topic `<prefix>.<aggregate>` (see the
README's Kafka section); below is its `data`. Every property is always
present (`null` where empty), except `{BOX}` (below). Ignore properties you
do not know: new ones may appear without a new version; a changed or removed
one gets a new version (`.v2`).

## Personal data (sealed form)

Personal fields (names, emails, phones, titles, notes, reasons; marked
*personal* below, and listed in each schema's `{PERSONAL_KEY}`) are
published as they are stored: sealed, so that forgetting a person
(crypto-shredding, README "Personal data and erasure") reaches every copy,
Kafka's included. Where the event holds a value, a personal text reads
`"{ERASED}"` and a personal list reads `[]`; an empty value (`null`, `""`,
`[]`) is published as it is. The values travel in one AES-256-GCM box, present
only when the event holds personal values:

```json
"{BOX}": {{"subject": "<32 hex digits>", "fields": ["emails", "given_name"],
              "sealed": "<base64: 12-byte nonce, ciphertext and tag>"}}
```

- `subject`: whose key seals them (a contact, lead or candidate id, or the
  record's own); `fields`: the sealed paths (`field`, or `field.key` inside
  an object field such as `new`);
- `sealed` is absent when the person was already forgotten when the event
  was written; `codec: "transcoder"` marks a plain text that is not plain
  JSON.

Only sfa holds the keys (they never leave its database): treat a personal
field as unavailable, and fetch what you need through the API, which shows it
until the person is forgotten. The box is bound to its event (aggregate id
and version are its associated data). sfa's own views fed from Kafka open it
with the key table, exactly as reading the log does.

## Internal events

`sfa.outreach_ledger.*` is the write side's bookkeeping for the outreach
collision guard (README "Outreach collisions"): per customer, the outreach
activities that can still collide. It is published like every aggregate
type (one topic per aggregate type, and every log position is on Kafka, so
views fed from Kafka see no gap); subscribers should ignore it and follow
`sfa.activity` instead. Its shape may change with the guard (as a new
version).
"""


def markdown() -> str:
    """``docs/events.md``, generated from the catalogue."""
    lines = [*INTRO.splitlines(), ""]
    current = None
    for schema in catalogue().values():
        if schema.aggregate != current:
            current = schema.aggregate
            lines += [f"## `{current}` (topic `sfa.{current}`)", ""]
            if current in INTERNAL:
                lines += ["Internal: see [Internal events](#internal-events).", ""]
        lines += [f"### `{schema.type_name}`", "", "| field | type |", "| --- | --- |"]
        props = schema.json_schema().get("properties", {})
        for field, prop in props.items():
            lines.append(f"| `{field}` | {_row_text(schema, field, prop)} |")
        lines.append("")
    return "\n".join(lines)


def _row_text(schema: EventSchema, field: str, prop: dict[str, Any]) -> str:
    if field == BOX:
        return "object, only when personal values are present: sealed personal data"
    text = _type_text(prop)
    keys = [p.partition(".")[2] for p in schema.personal() if p.split(".")[0] == field]
    if keys == [""]:
        return f"{text}, *personal* (sealed)"
    if keys:
        return f"{text}, *personal* at {', '.join(f'`{k}`' for k in keys)} (sealed)"
    return text


DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def main() -> int:
    DOCS.write_text(markdown())
    print(f"wrote {DOCS} ({len(catalogue())} event types)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
