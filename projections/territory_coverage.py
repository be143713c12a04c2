"""Territory coverage: each account's territory and status, what is open with it,
its activities, and when it was last contacted, for the territory report
(``territory_coverage_query``).

What must hold:
- An activity is with the account it names, or else with its contact's
  account of that moment (as on the contact history).
- ``last_activity_at`` is the latest completion of an activity with the
  account (a completion's time, not its recording).
- Writes only, except the contact's account of an activity naming only a
  contact.
"""

from __future__ import annotations

from typing import Any, ClassVar

from domain.account import Account
from domain.activity import Activity
from domain.contact import Contact
from domain.opportunity import Opportunity
from projections.agenda import utc
from projections.events import event_class
from projections.view import Step, View, handles

DEAL_STATUS = {"Won": "won", "Lost": "lost", "Reopened": "open"}


class TerritoryCoverage(View):
    name = "territory_coverage"
    reads_personal_data = False  # boxes stay shut (projections.view)
    tables: ClassVar[dict[str, str]] = {
        "accounts": (
            "account_id UUID PRIMARY KEY, territory TEXT, status TEXT NOT NULL,"
            " last_activity_at TIMESTAMPTZ"
        ),
        "contacts": "contact_id UUID PRIMARY KEY, account_id UUID",
        "activities": (
            "activity_id UUID PRIMARY KEY, account_id UUID, completed_at TIMESTAMPTZ"
        ),
        "deals": (
            "opportunity_id UUID PRIMARY KEY, account_id UUID NOT NULL,"
            " status TEXT NOT NULL, amount NUMERIC NOT NULL, currency TEXT NOT NULL"
        ),
    }
    indexes: ClassVar[dict[str, str]] = {
        "by_territory": "{accounts} (territory)",
        "done": "{activities} (completed_at)",
        "open_deals": "{deals} (status, account_id)",
    }

    @handles(event_class(Account, "Opened"))
    def account_opened(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {accounts} VALUES (%s, %s, %s, NULL)"
            " ON CONFLICT (account_id) DO NOTHING",
            event.originator_id,
            event.territory,
            event.status,
        )

    @handles(
        event_class(Account, "TerritoryChanged"), event_class(Account, "StatusChanged")
    )
    def account_changed(self, step: Step, event: Any) -> None:
        column = "territory" if "Territory" in type(event).__name__ else "status"
        step.execute(
            f"UPDATE {{accounts}} SET {column} = %s WHERE account_id = %s",
            event.new,
            event.originator_id,
        )

    @handles(event_class(Contact, "Registered"), event_class(Contact, "AccountChanged"))
    def contact(self, step: Step, event: Any) -> None:
        account_id = getattr(event, "account_id", None)
        if type(event).__name__ == "AccountChanged":
            account_id = event.new
        step.execute(
            "INSERT INTO {contacts} VALUES (%s, %s) ON CONFLICT (contact_id)"
            " DO UPDATE SET account_id = excluded.account_id",
            event.originator_id,
            account_id,
        )

    @handles(event_class(Activity, "Planned"), Activity.Logged)
    def activity_created(self, step: Step, event: Any) -> None:
        account_id = event.account_id
        if account_id is None and event.contact_id is not None:
            row = step.one(
                "SELECT account_id FROM {contacts} WHERE contact_id = %s",
                event.contact_id,
            )
            account_id = row[0] if row else None
        step.execute(
            "INSERT INTO {activities} VALUES (%s, %s, NULL)"
            " ON CONFLICT (activity_id) DO NOTHING",
            event.originator_id,
            account_id,
        )
        if isinstance(event, Activity.Logged):
            self.activity_completed(step, event)

    @handles(Activity.Completed)
    def activity_completed(self, step: Step, event: Any) -> None:
        at = utc(event.completed_at)
        step.execute(
            "UPDATE {activities} SET completed_at = %s WHERE activity_id = %s",
            at,
            event.originator_id,
        )
        step.execute(
            "UPDATE {accounts} SET last_activity_at = CASE WHEN last_activity_at"
            " IS NULL OR last_activity_at < %s THEN %s ELSE last_activity_at END"
            " WHERE account_id = (SELECT account_id FROM {activities}"
            " WHERE activity_id = %s)",
            at,
            at,
            event.originator_id,
        )

    @handles(event_class(Opportunity, "Opened"))
    def deal_opened(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {deals} VALUES (%s, %s, 'open', %s, %s)"
            " ON CONFLICT (opportunity_id) DO NOTHING",
            event.originator_id,
            event.account_id,
            event.amount,
            event.currency,
        )

    @handles(event_class(Opportunity, "AmountChanged"))
    def deal_amount(self, step: Step, event: Any) -> None:
        step.execute(
            "UPDATE {deals} SET amount = %s, currency = %s WHERE opportunity_id = %s",
            event.new,
            event.currency,
            event.originator_id,
        )

    @handles(*(event_class(Opportunity, name) for name in DEAL_STATUS))
    def deal_status(self, step: Step, event: Any) -> None:
        step.execute(
            "UPDATE {deals} SET status = %s WHERE opportunity_id = %s",
            DEAL_STATUS[type(event).__name__],
            event.originator_id,
        )
