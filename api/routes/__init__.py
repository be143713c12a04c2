"""One router per resource, collected here."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    accounts,
    activities,
    contacts,
    health,
    history,
    leads,
    opportunities,
    pipelines,
    projections,
    reps,
    teams,
)

api_router = APIRouter()
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
