"""Lead sources: every lead's source, list and cost, how far it got, and the
deal it became; what the lead-source ROI report is computed from.

What must hold:
- Amounts are stored exactly, as whole ten-thousandths (``*_e4`` columns:
  ``1.20`` is ``12000``), so sums are exact on every store.
- ``qualified`` stays true once a lead was qualified (a qualified lead that
  is then disqualified was still qualified); ``converted`` is final.
- A deal's row holds its status and, when won, the amount and currency it
  was won at (the ``Won`` event's); a won deal reopened is open again.
- ``apply`` reads only the event: a rebuild gives the same rows. Columns
  are documented in docs/read-models.md.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, ClassVar

from domain.lead import Lead
from domain.lead_list import LeadList
from domain.opportunity import Opportunity
from projections.agenda import utc
from projections.events import event_class
from projections.view import Step, View, handles

E4 = Decimal(10_000)


def e4(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * E4)


class LeadSources(View):
    name = "lead_sources"
    tables: ClassVar[dict[str, str]] = {
        "leads": (
            "lead_id UUID PRIMARY KEY, source TEXT NOT NULL, list TEXT,"
            " cost_e4 BIGINT NOT NULL, currency TEXT, qualified INTEGER NOT NULL,"
            " converted INTEGER NOT NULL, opportunity_id UUID,"
            " captured_at TIMESTAMPTZ NOT NULL"
        ),
        "lists": (
            "list_id UUID PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL,"
            " cost_e4 BIGINT, currency TEXT, product TEXT,"
            " rows_seen INTEGER NOT NULL, imported INTEGER NOT NULL,"
            " search_text TEXT NOT NULL,"
            " version BIGINT NOT NULL, created_position BIGINT NOT NULL,"
            " registered_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL"
        ),
        "rejections": (
            "list_id UUID NOT NULL, row_number INTEGER NOT NULL,"
            " errors TEXT NOT NULL, PRIMARY KEY (list_id, row_number)"
        ),
        "deals": (
            "opportunity_id UUID PRIMARY KEY, status TEXT NOT NULL,"
            " won_e4 BIGINT, currency TEXT, closed_at TIMESTAMPTZ"
        ),
    }
    indexes: ClassVar[dict[str, str]] = {
        "leads_list": "{leads} (source, list)",
        "leads_deal": "{leads} (opportunity_id)",
        "lists_position": "{lists} (created_position)",
    }

    @handles(event_class(LeadList, "Registered"))
    def registered(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {lists} VALUES (%s, %s, %s, %s, %s, %s, 0, 0, %s, %s,"
            " %s, %s, %s) ON CONFLICT (list_id) DO NOTHING",
            event.originator_id,
            event.name,
            event.source,
            e4(event.cost_per_lead),
            event.currency,
            event.product,
            event.name.casefold(),
            event.originator_version,
            step.position,
            utc(event.timestamp),
            utc(event.timestamp),
        )

    @handles(event_class(LeadList, "RowsImported"))
    def rows_imported(self, step: Step, event: Any) -> None:
        """The rows of the event's range rejected before are replaced by
        the ones it rejects."""
        list_id = event.originator_id
        step.execute(
            "UPDATE {lists} SET rows_seen = CASE WHEN rows_seen > %s THEN rows_seen"
            " ELSE %s END, imported = imported + %s, version = %s, updated_at = %s"
            " WHERE list_id = %s",
            event.last_row,
            event.last_row,
            len(event.imported),
            event.originator_version,
            utc(event.timestamp),
            list_id,
        )
        step.execute(
            "DELETE FROM {rejections} WHERE list_id = %s AND row_number >= %s"
            " AND row_number <= %s",
            list_id,
            event.first_row,
            event.last_row,
        )
        for bad in event.rejected:
            step.execute(
                "INSERT INTO {rejections} VALUES (%s, %s, %s)",
                list_id,
                bad["row"],
                json.dumps(bad["errors"], sort_keys=True),
            )

    @handles(event_class(Lead, "Captured"))
    def captured(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {leads} VALUES (%s, %s, %s, %s, %s, 0, 0, NULL, %s)"
            " ON CONFLICT (lead_id) DO NOTHING",
            event.originator_id,
            event.source,
            event.list_name or event.product,
            e4(event.cost_per_lead) or 0,
            event.currency,
            utc(event.timestamp),
        )

    @handles(event_class(Lead, "Qualified"))
    def qualified(self, step: Step, event: Any) -> None:
        step.execute(
            "UPDATE {leads} SET qualified = 1 WHERE lead_id = %s", event.originator_id
        )

    @handles(event_class(Lead, "Converted"))
    def converted(self, step: Step, event: Any) -> None:
        step.execute(
            "UPDATE {leads} SET converted = 1, opportunity_id = %s WHERE lead_id = %s",
            event.opportunity_id,
            event.originator_id,
        )

    @handles(event_class(Opportunity, "Won"))
    def won(self, step: Step, event: Any) -> None:
        self._deal(step, event, "won", e4(event.amount), event.currency)

    @handles(event_class(Opportunity, "Lost"), event_class(Opportunity, "Reopened"))
    def not_won(self, step: Step, event: Any) -> None:
        status = "lost" if type(event).__name__ == "Lost" else "open"
        self._deal(step, event, status, None, None)

    def _deal(
        self, step: Step, event: Any, status: str, won: int | None, currency: Any
    ) -> None:
        step.execute(
            "INSERT INTO {deals} VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (opportunity_id) DO UPDATE SET status = EXCLUDED.status,"
            " won_e4 = EXCLUDED.won_e4, currency = EXCLUDED.currency,"
            " closed_at = EXCLUDED.closed_at",
            event.originator_id,
            status,
            won,
            currency,
            None if status == "open" else utc(event.timestamp),
        )
