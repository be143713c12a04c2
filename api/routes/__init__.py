"""One router per resource, collected here."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import accounts, contacts, health, reps, teams

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(contacts.router)
api_router.include_router(accounts.router)
api_router.include_router(reps.router)
api_router.include_router(teams.router)
