"""One router per resource, collected here."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import BaseRoute

from api.routes import (
    accounts,
    activities,
    agenda,
    contacts,
    duplicates,
    health,
    history,
    leads,
    lists,
    merges,
    opportunities,
    pipelines,
    projections,
    reps,
    teams,
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
api_router.include_router(duplicates.router)
api_router.include_router(merges.router)
