"""Lead list: a file of purchased leads, or of customers of a related
product, imported row by row.

What must hold:
- A list's id is derived from its name (``lead_list_id_for``): one name,
  one list, even when two imports of it race. Its source is fixed when it
  is registered: a purchased list has a cost per lead and a currency, a
  list of related-product customers names the product
  (``domain.lead.check_source``).
- The column mapping maps CSV columns to lead fields (``FIELDS``), each
  field from at most one column, and maps at least one field.
- Row ``n`` (the n-th data row, from 1) becomes the lead with id
  ``row_lead_id(list id, n)``: importing a row again finds its lead and
  records nothing, so an import interrupted anywhere is resumed by running
  it again.
- ``RowsImported`` is recorded in the same save as the leads of those rows;
  it names how many rows became leads and every rejected row with its
  errors. A row rejected once and imported later is no longer rejected.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import SalesAggregate, check
from domain.lead import DETAILS
from domain.lead_rules import PURCHASED_LIST, RELATED_PRODUCT_CUSTOMER, check_source

FIELDS = (*DETAILS, "score")
KINDS = (PURCHASED_LIST, RELATED_PRODUCT_CUSTOMER)
_NAMESPACE = uuid5(NAMESPACE_URL, "sfa:lead-list")


def lead_list_id_for(name: str) -> UUID:
    return uuid5(_NAMESPACE, " ".join(name.split()).casefold())


def row_lead_id(list_id: UUID, row: int) -> UUID:
    return uuid5(list_id, f"row:{row}")


def check_mapping(mapping: dict[str, str]) -> None:
    check(bool(mapping), "mapping_empty", "map at least one column to a lead field")
    unknown = sorted(set(mapping.values()) - set(FIELDS))
    check(not unknown, "mapping_unknown_field", f"no lead fields {unknown}")
    fields = list(mapping.values())
    twice = sorted({f for f in fields if fields.count(f) > 1})
    check(not twice, "mapping_field_twice", f"fields mapped twice: {twice}")


class LeadList(SalesAggregate):
    @classmethod
    def register(
        cls, name: str, source: str, mapping: dict[str, str], **terms: Any
    ) -> LeadList:
        """``terms``: ``cost_per_lead`` and ``currency``, or ``product``."""
        msg = f"a lead list is a {' or '.join(KINDS)}"
        check(source in KINDS, "lead_list_source", msg)
        check_source(
            source, list_name=name if source == PURCHASED_LIST else None, **terms
        )
        check_mapping(mapping)
        return cls(
            id=lead_list_id_for(name),
            name=name,
            source=source,
            mapping=mapping,
            **terms,
        )

    @event("Registered")
    def __init__(
        self,
        id: UUID,
        name: str,
        source: str,
        mapping: dict[str, str],
        cost_per_lead: Decimal | None = None,
        currency: str | None = None,
        product: str | None = None,
    ) -> None:
        self.name = name
        self.source = source
        self.mapping = dict(mapping)
        self.cost_per_lead = cost_per_lead
        self.currency = currency
        self.product = product
        self.imported = 0
        self.rows_seen = 0
        self.rejected: dict[int, list[dict[str, str]]] = {}

    def lead_fields(self, row: dict[str, str]) -> dict[str, Any]:
        """The mapped fields of one CSV row; empty cells are left out."""
        found = {f: row.get(col) for col, f in self.mapping.items()}
        return {f: v.strip() for f, v in found.items() if v and v.strip()}

    def source_fields(self) -> dict[str, Any]:
        """What each lead of this list records about its source."""
        if self.source == PURCHASED_LIST:
            terms = {"list_name": self.name, "cost_per_lead": self.cost_per_lead}
            return {"source": self.source, **terms, "currency": self.currency}
        return {"source": self.source, "product": self.product}

    def record_rows(
        self,
        first_row: int,
        last_row: int,
        imported: list[int],
        rejected: dict[int, list[dict[str, str]]],
    ) -> None:
        """Rows ``first_row..last_row`` were read: ``imported`` became leads
        now (the others had before, or are ``rejected``)."""
        check(1 <= first_row <= last_row, "row_range", "rows are counted from 1")
        inside = all(first_row <= r <= last_row for r in [*imported, *rejected])
        check(inside, "row_range", "a row outside the range read")
        known = {r: e for r, e in self.rejected.items() if first_row <= r <= last_row}
        if imported or known != rejected or last_row > self.rows_seen:
            rows = [{"row": r, "errors": e} for r, e in sorted(rejected.items())]
            self._rows_imported(
                first_row=first_row, last_row=last_row, imported=imported, rejected=rows
            )

    @event("RowsImported")
    def _rows_imported(
        self,
        first_row: int,
        last_row: int,
        imported: list[int],
        rejected: list[dict[str, Any]],
    ) -> None:
        self.imported += len(imported)
        self.rows_seen = max(self.rows_seen, last_row)
        kept = {
            r: e for r, e in self.rejected.items() if not first_row <= r <= last_row
        }
        self.rejected = kept | {int(x["row"]): x["errors"] for x in rejected}
