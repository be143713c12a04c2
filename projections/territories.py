"""Territories as people list them, the accounts they hold, and the history
of which account was in which territory when (for reports of past periods).

What must hold:
- ``territory_assignments`` has, per account, periods that never overlap:
  each move closes the open period (``effective_to``) at the time the move
  was recorded and opens the next one. An account opened with a territory
  starts with a period; a free-text move (``TerritoryChanged`` alone) opens
  a period with no ``territory_id`` and no ``rule``; the
  ``TerritoryAssigned`` recorded right after it in the same save fills
  those in on the period it opened.
- ``apply`` reads only the event and the view's own rows: a rebuild gives
  the same rows. Columns are documented in docs/read-models.md.
"""

from __future__ import annotations

from typing import Any, ClassVar

from domain.account import Account
from domain.territory import OWNER, Territory
from projections.agenda import utc
from projections.events import event_class
from projections.view import Step, View, handles


def _t(name: str) -> type[Any]:
    return event_class(Territory, name)


def _a(name: str) -> type[Any]:
    return event_class(Account, name)


ACCOUNT_SETS = {  # account event -> the columns it sets from ``new``
    _a("Renamed"): ("name",),
    _a("IndustryChanged"): ("industry",),
    _a("SizeChanged"): ("employees",),
}


class Territories(View):
    name = "territories"
    reads_personal_data = False  # boxes stay shut (projections.view)
    tables: ClassVar[dict[str, str]] = {
        "territories": (
            "territory_id UUID PRIMARY KEY, name TEXT NOT NULL, parent_id UUID,"
            " rules INTEGER NOT NULL, manual_accounts INTEGER NOT NULL,"
            " owner_rep_id UUID, overlay_reps INTEGER NOT NULL,"
            " search_text TEXT NOT NULL, version BIGINT NOT NULL,"
            " created_position BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL"
        ),
        "territory_accounts": (
            "account_id UUID PRIMARY KEY, name TEXT NOT NULL, industry TEXT,"
            " country TEXT, region TEXT, postcode TEXT, employees INTEGER,"
            " territory_id UUID, territory TEXT, rule TEXT,"
            " updated_position BIGINT NOT NULL"
        ),
        "territory_assignments": (
            "account_id UUID NOT NULL, territory_id UUID, territory TEXT,"
            " rule TEXT, effective_from TIMESTAMPTZ NOT NULL,"
            " effective_to TIMESTAMPTZ, from_position BIGINT NOT NULL,"
            " to_position BIGINT, PRIMARY KEY (account_id, from_position)"
        ),
    }
    indexes: ClassVar[dict[str, str]] = {
        "territories_position": "{territories} (created_position)",
        "accounts_territory": "{territory_accounts} (territory_id)",
        "assignments_territory": "{territory_assignments} (territory_id)",
        "assignments_period": "{territory_assignments} (effective_from)",
    }

    @handles(_t("Created"))
    def created(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {territories} VALUES (%s, %s, %s, %s, 0, NULL, 0, %s, %s,"
            " %s, %s) ON CONFLICT (territory_id) DO NOTHING",
            event.originator_id,
            event.name,
            event.parent_id,
            len(event.rules),
            event.name.casefold(),
            event.originator_version,
            step.position,
            utc(event.timestamp),
        )

    @handles(_t("Renamed"), _t("ParentChanged"), _t("RulesChanged"))
    def changed(self, step: Step, event: Any) -> None:
        kind = type(event).__name__
        if kind == "Renamed":
            sets = "name = %s, search_text = %s"
            values: list[Any] = [event.new, event.new.casefold()]
        elif kind == "ParentChanged":
            sets, values = "parent_id = %s", [event.new]
        else:
            sets, values = "rules = %s", [len(event.new)]
        _touch(step, event, sets, *values)

    @handles(_t("AccountAssigned"), _t("AccountReleased"))
    def manual(self, step: Step, event: Any) -> None:
        delta = 1 if type(event).__name__ == "AccountAssigned" else -1
        _touch(step, event, "manual_accounts = manual_accounts + %s", delta)

    @handles(_t("RepAssigned"), _t("RepRemoved"))
    def reps(self, step: Step, event: Any) -> None:
        assigned = type(event).__name__ == "RepAssigned"
        role = event.role if assigned else None
        was = event.old_role if assigned else event.role
        overlays = (role == "overlay") - (was == "overlay")
        sets = "overlay_reps = overlay_reps + %s"
        if OWNER in (role, was):
            owner = event.rep_id if role == OWNER else None
            _touch(step, event, sets + ", owner_rep_id = %s", overlays, owner)
        else:
            _touch(step, event, sets, overlays)

    @handles(_a("Opened"))
    def opened(self, step: Step, event: Any) -> None:
        step.execute(
            "INSERT INTO {territory_accounts} (account_id, name, industry, territory,"
            " updated_position) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (account_id) DO NOTHING",
            event.originator_id,
            event.name,
            event.industry,
            event.territory,
            step.position,
        )
        if event.territory is not None:
            _open_period(step, event, None, event.territory, None)

    @handles(*ACCOUNT_SETS)
    def account_changed(self, step: Step, event: Any) -> None:
        (column,) = ACCOUNT_SETS[type(event)]
        _account(step, event, f"{column} = %s", event.new)

    @handles(_a("AddressChanged"))
    def address_changed(self, step: Step, event: Any) -> None:
        new = event.new
        sets = "country = %s, region = %s, postcode = %s"
        _account(step, event, sets, new["country"], new["region"], new["postcode"])

    @handles(_a("TerritoryChanged"))
    def territory_changed(self, step: Step, event: Any) -> None:
        sets = "territory_id = NULL, territory = %s, rule = NULL"
        _account(step, event, sets, event.new)
        _open_period(step, event, None, event.new, None)

    @handles(_a("TerritoryAssigned"))
    def territory_assigned(self, step: Step, event: Any) -> None:
        sets = "territory_id = %s, territory = %s, rule = %s"
        values = (event.territory_id, event.territory, event.rule)
        _account(step, event, sets, *values)
        just_opened = step.one(
            "SELECT territory_id, rule FROM {territory_assignments}"
            " WHERE account_id = %s AND from_position = %s",
            event.originator_id,
            step.position - 1,
        )
        if just_opened == (None, None):
            step.execute(
                "UPDATE {territory_assignments} SET territory_id = %s, rule = %s"
                " WHERE account_id = %s AND from_position = %s",
                event.territory_id,
                event.rule,
                event.originator_id,
                step.position - 1,
            )
        else:
            _open_period(step, event, *values)


def _touch(step: Step, event: Any, sets: str, *values: Any) -> None:
    step.execute(
        f"UPDATE {{territories}} SET {sets}, version = %s, updated_at = %s"
        " WHERE territory_id = %s",
        *values,
        event.originator_version,
        utc(event.timestamp),
        event.originator_id,
    )


def _account(step: Step, event: Any, sets: str, *values: Any) -> None:
    step.execute(
        f"UPDATE {{territory_accounts}} SET {sets}, updated_position = %s"
        " WHERE account_id = %s",
        *values,
        step.position,
        event.originator_id,
    )


def _open_period(
    step: Step, event: Any, territory_id: Any, territory: Any, rule: Any
) -> None:
    """Closes the account's open period now and opens the next one (none
    when the account leaves every territory)."""
    when = utc(event.timestamp)
    step.execute(
        "UPDATE {territory_assignments} SET effective_to = %s, to_position = %s"
        " WHERE account_id = %s AND effective_to IS NULL",
        when,
        step.position,
        event.originator_id,
    )
    if territory is None and territory_id is None:
        return
    step.execute(
        "INSERT INTO {territory_assignments} VALUES (%s, %s, %s, %s, %s, NULL,"
        " %s, NULL) ON CONFLICT (account_id, from_position) DO NOTHING",
        event.originator_id,
        territory_id,
        territory,
        rule,
        when,
        step.position,
    )
