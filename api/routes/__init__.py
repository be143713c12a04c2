"""One router per resource, collected here."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import BaseRoute

from api.routes import (
    accounts,
    activities,
    agenda,
    audit,
    candidates,
    coaching,
    collisions,
    configurations,
    configurator,
    contacts,
    corrective_actions,
    duplicates,
    forecast_accuracy,
    forecast_adjustments,
    forecast_flow,
    forecast_stages,
    forecasts,
    health,
    history,
    knowledge,
    lead_lists,
    lead_sources,
    leads,
    lists,
    merges,
    opportunities,
    orders,
    pipelines,
    products,
    projections,
    quote_decisions,
    quotes,
    recruiting,
    reports,
    reps,
    schemas,
    standards,
    teams,
    territories,
    territories_report,
    territory_realign,
    territory_views,
    time_report,
    training,
)


class Routers(list[APIRouter]):
    """The routers, in order. ``api.main`` puts their routes on the app
    itself: routers included in routers are matched again at every level."""

    def include_router(self, router: APIRouter) -> None:
        self.append(router)

    @property
    def routes(self) -> list[BaseRoute]:
        """Every router's routes, in order: what ``api.main`` puts on the app."""
        return [route for router in self for route in router.routes]


api_router = Routers()
api_router.include_router(health.router)
api_router.include_router(contacts.router)
api_router.include_router(accounts.router)
api_router.include_router(reps.router)
api_router.include_router(teams.router)
api_router.include_router(pipelines.router)
api_router.include_router(opportunities.router)
api_router.include_router(activities.router)
api_router.include_router(leads.router)
api_router.include_router(history.router)
api_router.include_router(projections.router)
api_router.include_router(lists.router)
api_router.include_router(agenda.router)
api_router.include_router(products.router)
api_router.include_router(configurator.router)
api_router.include_router(configurations.router)
api_router.include_router(knowledge.router)
api_router.include_router(quotes.router)
api_router.include_router(quote_decisions.router)
api_router.include_router(orders.router)
api_router.include_router(audit.router)
api_router.include_router(collisions.router)
api_router.include_router(territory_realign.router)
api_router.include_router(territory_views.router)
api_router.include_router(territories.router)
api_router.include_router(lead_lists.router)
api_router.include_router(lead_sources.router)
api_router.include_router(forecast_flow.router)
api_router.include_router(forecast_accuracy.router)
api_router.include_router(forecast_stages.router)
api_router.include_router(forecast_adjustments.router)
api_router.include_router(forecasts.router)
api_router.include_router(standards.router)
api_router.include_router(reports.router)
api_router.include_router(corrective_actions.router)
api_router.include_router(time_report.router)
api_router.include_router(territories_report.router)
api_router.include_router(recruiting.router)
api_router.include_router(candidates.router)
api_router.include_router(training.router)
api_router.include_router(coaching.router)
api_router.include_router(schemas.router)
api_router.include_router(duplicates.router)
api_router.include_router(merges.router)
