"""A scripted sales history at chosen moments, and the forecast read over it
(shared by the forecast tests on SQLite, on PostgreSQL and over HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from unittest import mock
from uuid import UUID

from commands import (
    accounts,
    activities,
    contacts,
    corrective_actions,
    forecast_adjustments,
    opportunities,
    orders,
    pipelines,
    reps,
    standards,
)
from commands.application import SalesApplication
from domain.periods import parse
from infra.view_store import ViewStore
from projections.forecast import Forecast
from projections.forecast_query import Figures, forecast
from projections.runner import Runner
from tests.unit.helpers import registered_rep, run


@contextmanager
def clock(moment: datetime) -> Iterator[None]:
    """Events created inside are stamped ``moment``."""
    with mock.patch("eventsourcing.domain.datetime_now_with_tzinfo", lambda: moment):
        yield


def at(text: str) -> datetime:
    """``2026-10-15`` or ``2026-10-15T12:00``, in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


HANDLERS: dict[type[Any], Any] = {
    opportunities.OpenOpportunity: opportunities.open_opportunity,
    opportunities.ChangeOpportunityDetails: opportunities.change_opportunity_details,
    opportunities.AssignOpportunityOwner: opportunities.assign_opportunity_owner,
    opportunities.AdvanceStage: opportunities.advance_stage,
    opportunities.WinOpportunity: opportunities.win_opportunity,
    opportunities.LoseOpportunity: opportunities.lose_opportunity,
    opportunities.ReopenOpportunity: opportunities.reopen_opportunity,
    reps.FormTeam: reps.form_team,
    reps.AddTeamMember: reps.add_team_member,
    accounts.OpenAccount: accounts.open_account,
    accounts.MoveAccountTerritory: accounts.move_account_territory,
    reps.RegisterRep: reps.register_rep,
    contacts.RegisterContact: contacts.register_contact,
    forecast_adjustments.AdjustForecast: forecast_adjustments.adjust_forecast,
    activities.LogActivity: activities.log_activity,
    activities.PlanActivity: activities.plan_activity,
    activities.CompleteActivity: activities.complete_activity,
    activities.CancelActivity: activities.cancel_activity,
    standards.SetStandard: standards.set_standard,
    standards.ReviseStandard: standards.revise_standard,
    corrective_actions.OpenCorrectiveAction: corrective_actions.open_corrective_action,
    corrective_actions.CloseCorrectiveAction: (
        corrective_actions.close_corrective_action
    ),
    opportunities.AddLineItem: opportunities.add_line_item,
    orders.PlaceOrder: orders.place_order,
    orders.ConfirmOrder: orders.confirm_order,
    orders.FulfilOrder: orders.fulfil_order,
    orders.CancelOrder: orders.cancel_order,
    orders.ReturnOrder: orders.return_order,
}


@dataclass
class History:
    """An application whose events carry the moments the script gives."""

    app: SalesApplication
    store: ViewStore
    names: dict[UUID, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        pipelines.ensure_default_pipeline(self.app)
        self.runner = Runner(Forecast(), self.store, self.app)

    def do(self, when: str, command: Any) -> UUID:
        """Runs ``command`` at moment ``when``; the id of its record."""
        with clock(at(when)):
            outcome = run(self.app, HANDLERS[type(command)], command)
        return UUID(str(outcome.aggregate.id))

    def rep(self, name: str) -> UUID:
        rep_id = registered_rep(self.app)
        self.names[rep_id] = name
        return rep_id

    def team(self, when: str, name: str, *members: UUID) -> UUID:
        team_id = self.do(when, reps.FormTeam(name=name))
        self.names[team_id] = name
        for rep_id in members:
            self.do(when, reps.AddTeamMember(team_id=team_id, rep_id=rep_id))
        return team_id

    def account(self, when: str, name: str, territory: str | None) -> UUID:
        return self.do(when, accounts.OpenAccount(name=name, territory=territory))

    def deal(self, when: str, owner: UUID | None, account: UUID, **fields: Any) -> UUID:
        body = {"name": "Deal", "currency": "EUR"} | fields
        command = opportunities.OpenOpportunity(
            owner_id=owner, account_id=account, **body
        )
        return self.do(when, command)

    def forecast(
        self, period: str, group_by: str = "rep", as_of: str | None = None, fy: int = 1
    ) -> list[Figures]:
        self.runner.catch_up()
        with self.store.transaction() as cursor:
            return forecast(
                cursor,
                self.store.names(Forecast),
                period=parse(period, fy),
                group_by=group_by,
                as_of=None if as_of is None else at(as_of),
            )

    def table(self, *args: Any, **kwargs: Any) -> dict[tuple[str | None, str], Any]:
        """The forecast as plain values, keyed by (group name, currency)."""
        return {
            (
                self.names.get(UUID(f.group), f.group) if _is_id(f.group) else f.group,
                f.currency,
            ): plain(f)
            for f in self.forecast(*args, **kwargs)
        }


def _is_id(text: str | None) -> bool:
    try:
        UUID(str(text))
    except ValueError:
        return False
    return True


def plain(f: Figures) -> dict[str, Any]:
    """A row's figures: Decimals normalised, zero categories left out."""

    def d(value: Decimal) -> Decimal:
        return Decimal(value).normalize() + 0

    return {
        "categories": {k: d(v) for k, v in f.open_by_category.items() if v},
        "open": d(f.open_amount),
        "weighted": d(f.weighted_amount),
        "won": d(f.closed_won),
        "lost": d(f.closed_lost),
        "counts": (f.open_count, f.won_count, f.lost_count),
    }


def day(text: str) -> date:
    return date.fromisoformat(text)
