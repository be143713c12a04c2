"""Importing a lead list: register the list, then import its rows in chunks,
each chunk's leads and its ``RowsImported`` in one transaction.

What must hold:
- Nothing is half-imported: a bad row (a value that does not validate, or
  a lead with no identity) is reported with its errors and skipped; the
  good rows of its chunk are committed with it.
- Resumable: row ``n`` always becomes the same lead id
  (``domain.lead_list.row_lead_id``), so running an import again skips the
  rows that landed and imports the rest; nothing is recorded twice.
- Registering a list again with the same terms is not an error (it is a
  resume); other terms under the same name are ``IdReused`` (409).
- Duplicates are flagged, never refused: ``app.lead_duplicates`` (the
  dedup view's finder, wired by ``infra.bootstrap``) names the existing
  contacts and accounts a new lead probably duplicates, and the report lists
  them per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, ValidationError

from commands.application import SalesApplication
from commands.base import (
    Command,
    Conflict,
    Context,
    exists,
    load,
    load_many,
    repeat_of_creation,
    save,
)
from commands.leads import CaptureLead
from commands.normalise import Currency, Money, Name
from commands.reps import ensure_active_rep
from domain.base import Actor, RuleBroken, acting_as
from domain.lead import Lead
from domain.lead_list import LeadList, lead_list_id_for, row_lead_id

CHUNK = 200
ATTEMPTS = 5
LeadField = Literal[
    "given_name",
    "family_name",
    "email",
    "phone",
    "title",
    "company_name",
    "web_domain",
    "score",
]  # ``domain.lead_list.FIELDS``


class Purchased(Command):
    kind: Literal["purchased_list"]
    cost_per_lead: Money
    currency: Currency


class RelatedProduct(Command):
    kind: Literal["related_product_customer"]
    product: Name


ListSource = Annotated[Purchased | RelatedProduct, Field(discriminator="kind")]


class RegisterLeadList(Command):
    name: Name
    source: ListSource
    mapping: dict[Annotated[str, Field(min_length=1, max_length=200)], LeadField]

    def columns(self) -> dict[str, str]:
        return {column: str(field) for column, field in self.mapping.items()}

    def terms(self) -> dict[str, Any]:
        return self.source.model_dump(exclude={"kind"})


@dataclass
class Report:
    """What one import run did, row numbers counted from 1 (data rows)."""

    list_id: UUID
    rows: int = 0
    imported: int = 0
    already_imported: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    possible_duplicates: list[dict[str, Any]] = field(default_factory=list)
    position: int = 0
    created: bool = False


def register_lead_list(
    app: SalesApplication, cmd: RegisterLeadList, ctx: Context
) -> tuple[LeadList, bool]:
    """The list, and whether this call registered it."""
    list_id = lead_list_id_for(cmd.name)
    if (found := exists(app, list_id)) is not None:
        fields: dict[str, Any] = {
            "name": found.name if isinstance(found, LeadList) else cmd.name
        }
        fields |= {"source": cmd.source.kind, "mapping": cmd.columns(), **cmd.terms()}
        repeat_of_creation(app, found, LeadList, fields)
        return load(app, LeadList, list_id, ctx), False
    registered = LeadList.register(
        cmd.name, cmd.source.kind, cmd.columns(), **cmd.terms()
    )
    try:
        save(app, ctx, registered, created=True)
    except Conflict:  # another import registered it first: resume that one
        return register_lead_list(app, cmd, ctx)
    return registered, True


def _lead(
    lead_list: LeadList, lead_id: UUID, row: dict[str, str], owner_id: UUID | None
) -> Lead:
    """The lead of one row; ``ValidationError`` or ``RuleBroken`` if bad."""
    fields: dict[str, Any] = lead_list.lead_fields(row)
    terms = lead_list.source_fields()
    source = {"kind": terms.pop("source"), **{k: v for k, v in terms.items() if v}}
    if source["kind"] == "purchased_list":
        source["list_name"] = lead_list.name
    body = {"id": lead_id, "source": source, "owner_id": owner_id, **fields}
    command = CaptureLead.model_validate(body)
    return Lead.capture(lead_id, **command.capture())


def _errors(error: ValidationError | RuleBroken) -> list[dict[str, str]]:
    if isinstance(error, RuleBroken):
        return [{"field": "", "message": str(error), "rule": error.rule}]
    return [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
        for e in error.errors()
    ]


def import_chunk(
    app: SalesApplication,
    ctx: Context,
    lead_list: LeadList,
    first_row: int,
    rows: Sequence[dict[str, str]],
    owner_id: UUID | None,
    report: Report,
) -> LeadList:
    """Rows ``first_row..`` as leads, in one transaction with their
    ``RowsImported``; adds to ``report`` once saved. The list as it is
    after."""
    ids = [row_lead_id(lead_list.id, first_row + i) for i in range(len(rows))]
    loaded = load_many(app, ids)
    leads, imported, rejected, flagged = [], [], {}, []
    for offset, (lead_id, row) in enumerate(zip(ids, rows, strict=True)):
        number = first_row + offset
        if loaded.get(lead_id) is not None:
            continue
        try:
            lead = _lead(lead_list, lead_id, row, owner_id)
        except (ValidationError, RuleBroken) as bad:
            rejected[number] = _errors(bad)
            continue
        leads.append(lead)
        imported.append(number)
        if matches := app.lead_duplicates(lead):
            flagged.append({"row": number, "matches": matches})
    lead_list.record_rows(first_row, first_row + len(rows) - 1, imported, rejected)
    report.position = save(app, ctx, lead_list, *leads).position
    report.rows += len(rows)
    report.imported += len(imported)
    report.already_imported += len(rows) - len(imported) - len(rejected)
    report.rejected += [{"row": r, "errors": e} for r, e in rejected.items()]
    report.possible_duplicates += flagged
    return lead_list


def import_rows(
    app: SalesApplication,
    ctx: Context,
    cmd: RegisterLeadList,
    rows: Iterable[dict[str, str]],
    owner_id: UUID | None = None,
    progress: Callable[[int], object] | None = None,
) -> Report:
    """Register (or resume) the list and import every row, ``CHUNK`` rows
    per transaction; ``progress`` is told the rows read so far. A resume
    with ``ctx.expected_version`` is refused (``StaleVersion``) unless the
    list is at that version."""
    actor = Actor(ctx.caller.name, ctx.correlation_id, ctx.causation_id)
    with acting_as(actor):
        ensure_active_rep(app, owner_id)
        lead_list, created = register_lead_list(app, cmd, ctx)
        ctx = replace(ctx, expected_version=None)  # checked on the list once
        report = Report(lead_list.id, created=created)
        for chunk in _chunks(rows):
            lead_list = _import_retrying(app, ctx, lead_list, chunk, owner_id, report)
            if progress:
                progress(report.rows)
        if progress:
            progress(report.rows)
    report.position = report.position or (app.recorder.max_notification_id() or 0)
    return report


def _chunks(rows: Iterable[dict[str, str]]) -> Iterator[list[dict[str, str]]]:
    chunk: list[dict[str, str]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _import_retrying(
    app: SalesApplication,
    ctx: Context,
    lead_list: LeadList,
    chunk: list[dict[str, str]],
    owner_id: UUID | None,
    report: Report,
) -> LeadList:
    """``import_chunk``; when another import of the same list saved first
    (``Conflict``), the list is read again and the chunk redone: the rows
    the other one landed are skipped."""
    for attempt in range(ATTEMPTS):
        try:
            first = report.rows + 1
            return import_chunk(app, ctx, lead_list, first, chunk, owner_id, report)
        except Conflict:
            if attempt == ATTEMPTS - 1:
                raise
            lead_list = load(app, LeadList, lead_list.id, ctx)
    raise AssertionError("unreachable")


def total_cost(lead_list: LeadList) -> Decimal:
    return (lead_list.cost_per_lead or Decimal(0)) * lead_list.imported
