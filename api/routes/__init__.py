"""One router per resource, collected here."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import contacts, health

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(contacts.router)
