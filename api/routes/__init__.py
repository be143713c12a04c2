"""One router per resource, collected here."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import BaseRoute

from api.routes import (
    accounts,
    activities,
    agenda,
    contacts,
    corrective_actions,
    forecast_accuracy,
    forecast_adjustments,
    forecast_flow,
    forecast_stages,
    forecasts,
    health,
    history,
    leads,
    lists,
    opportunities,
    pipelines,
    projections,
    reports,
    reps,
    standards,
    teams,
    territories_report,
    time_report,
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
