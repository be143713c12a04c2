"""``/products/{id}/option-groups``, ``/options`` and ``/rules``: the
configurator model of a product, changed by admins and services.

Every change is a new version of the product: configurations made before
keep the version (prices and rules) they were made at.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from api.schemas.products import GroupIn, OptionIn, OptionPatch, ProductOut, RuleIn
from api.writes import WRITE_ERRORS, CatalogueWriteDep
from commands import configurator as cmd

router = APIRouter(prefix="/products/{product_id}", tags=["configurator"])
Out = ProductOut
KEY = Path(pattern=r"^[a-z][a-z0-9_]{0,39}$")


@router.post("/option-groups", response_model=Out, responses=WRITE_ERRORS)
def add_group(product_id: UUID, body: GroupIn, w: CatalogueWriteDep) -> JSONResponse:
    """Add a group of options (single or multiple choice, required or not).
    The same group again records nothing."""
    command = cmd.AddOptionGroup(product_id=product_id, **body.model_dump())
    return w.run(cmd.add_option_group, command, Out.of)


@router.delete("/option-groups/{key}", response_model=Out, responses=WRITE_ERRORS)
def remove_group(
    product_id: UUID, w: CatalogueWriteDep, key: str = KEY
) -> JSONResponse:
    """Only a group without options can go (``group_has_options``)."""
    command = cmd.RemoveOptionGroup(product_id=product_id, key=key)
    return w.run(cmd.remove_option_group, command, Out.of)


@router.post("/options", response_model=Out, responses=WRITE_ERRORS)
def add_option(product_id: UUID, body: OptionIn, w: CatalogueWriteDep) -> JSONResponse:
    """Add an option to a group, with its price delta."""
    command = cmd.AddOption(product_id=product_id, **body.model_dump())
    return w.run(cmd.add_option, command, Out.of)


@router.patch("/options/{key}", response_model=Out, responses=WRITE_ERRORS)
def change_option(
    product_id: UUID, body: OptionPatch, w: CatalogueWriteDep, key: str = KEY
) -> JSONResponse:
    fields = body.model_dump(exclude_none=True)
    command = cmd.ChangeOption(product_id=product_id, key=key, **fields)
    return w.run(cmd.change_option, command, Out.of)


@router.delete("/options/{key}", response_model=Out, responses=WRITE_ERRORS)
def remove_option(
    product_id: UUID, w: CatalogueWriteDep, key: str = KEY
) -> JSONResponse:
    """Only an option no rule names can go (``option_in_rule``)."""
    command = cmd.RemoveOption(product_id=product_id, key=key)
    return w.run(cmd.remove_option, command, Out.of)


@router.post("/rules", response_model=Out, responses=WRITE_ERRORS)
def add_rule(product_id: UUID, body: RuleIn, w: CatalogueWriteDep) -> JSONResponse:
    """``requires``: the option needs the other; ``excludes``: not both;
    ``included_with``: the option comes with the other, at no charge.
    Repeated or contradicting rules and inclusion cycles are refused."""
    command = cmd.AddRule(product_id=product_id, **body.model_dump())
    return w.run(cmd.add_rule, command, Out.of)


@router.delete("/rules/{rule_id}", response_model=Out, responses=WRITE_ERRORS)
def remove_rule(product_id: UUID, rule_id: UUID, w: CatalogueWriteDep) -> JSONResponse:
    command = cmd.RemoveRule(product_id=product_id, rule_id=rule_id)
    return w.run(cmd.remove_rule, command, Out.of)
