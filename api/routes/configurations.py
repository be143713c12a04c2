"""Configurations: ``POST /products/{id}/configurations`` validates and
prices a selection and records it; ``GET /configurations/{id}``;
``POST /opportunities/{id}/configured-lines`` adds one to a deal.

An invalid selection is a 422 problem whose ``errors`` list every broken
rule (``rule``, ``message``, ``options``); nothing is recorded. A
configuration keeps the product version, prices and rules it was made
with. ``If-Match`` on a configuration is the product's version.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.schemas.configurations import (
    ConfigurationIn,
    ConfigurationOut,
    ConfiguredLineIn,
)
from api.schemas.opportunities import OpportunityOut
from api.writes import WRITE_ERRORS, WriteDep, read_response
from commands import configurations as cmd
from commands.base import Context, load
from domain.configuration import Configuration

router = APIRouter(tags=["configurations"])
Out = ConfigurationOut


@router.post(
    "/products/{product_id}/configurations",
    status_code=201,
    response_model=Out,
    responses=WRITE_ERRORS,
)
def configure(product_id: UUID, body: ConfigurationIn, w: WriteDep) -> JSONResponse:
    """Validate a selection of options and price it: the list price plus
    each option's delta (options included with another are free). Valid:
    recorded (201). Invalid: 422 listing every broken rule."""
    command = cmd.ConfigureProduct(product_id=product_id, **body.model_dump())
    return w.run(cmd.configure_product, command, Out.of)


@router.get(
    "/configurations/{configuration_id}", response_model=Out, responses={404: {}}
)
def get_configuration(
    configuration_id: UUID, _: Reader, container: ContainerDep
) -> JSONResponse:
    """As it was priced when made, whatever the product is now."""
    ctx = Context.anonymous()
    found = load(container.app, Configuration, configuration_id, ctx)
    return read_response(Out.of(found), found.version)


@router.post(
    "/opportunities/{opportunity_id}/configured-lines",
    response_model=OpportunityOut,
    responses=WRITE_ERRORS,
)
def add_configured_line(
    opportunity_id: UUID, body: ConfiguredLineIn, w: WriteDep
) -> JSONResponse:
    """Add a configuration to a deal as a line priced at its total (the
    deal's currency must be the configuration's: ``currency_mismatch``).
    ``If-Match`` is the deal's version."""
    command = cmd.AddConfiguredLine(opportunity_id=opportunity_id, **body.model_dump())
    return w.run(cmd.add_configured_line, command, OpportunityOut.of)
