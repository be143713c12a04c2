"""``/products``: the catalogue. Writes are for admins and services;
everyone with a token reads.

``GET /products/{id}?version=N`` answers the product as it was at version
N (its prices and configurator model of then); ``GET /products`` lists
and searches the catalogue view (``min_position`` waits for a write).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.auth import Reader
from api.deps import ContainerDep
from api.reads import wait_for_position
from api.schemas.products import (
    PriceIn,
    ProductIn,
    ProductItem,
    ProductOut,
    ProductPage,
    ProductPatch,
    RetireIn,
)
from api.writes import WRITE_ERRORS, CatalogueWriteDep, read_response
from commands import products as cmd
from commands.base import Context, NotFound, load
from commands.normalise import NO_NUL
from domain.product import Product
from projections.catalog import Catalog
from projections.catalog_query import products

router = APIRouter(prefix="/products", tags=["products"])
Out = ProductOut
ONE = "/{product_id}"
VIEW = Catalog.name
Status = Annotated[str | None, Query(pattern="^(active|retired)$")]
Search = Annotated[
    str | None, Query(max_length=200, pattern=NO_NUL, description="words to find")
]
SkuQuery = Annotated[
    str | None, Query(max_length=64, pattern=NO_NUL, description="exact SKU")
]
Cursor = Annotated[
    str | None, Query(max_length=64, pattern=NO_NUL, description="next_cursor")
]


@router.post("", status_code=201, response_model=Out, responses=WRITE_ERRORS)
def introduce_product(body: ProductIn, w: CatalogueWriteDep) -> JSONResponse:
    """Add a product. Its id is derived from its SKU: the same SKU and body
    again answers the product and records nothing; the same SKU with
    another body is a 409 (``sku_taken``), also when two requests race."""
    command = cmd.IntroduceProduct(**body.model_dump())
    return w.run(cmd.introduce_product, command, Out.of)


@router.get("", response_model=ProductPage, responses={503: {}})
def list_products(
    _: Reader,
    container: ContainerDep,
    q: Search = None,
    status: Status = None,
    sku: SkuQuery = None,
    currency: Annotated[str | None, Query(max_length=3, pattern=NO_NUL)] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> ProductPage:
    """Products in SKU order; ``q`` searches SKU, name and description."""
    wait_for_position(container, VIEW, min_position, 5.0)
    store = container.projections.store
    position = store.position(VIEW)
    filters = {"status": status, "sku": sku and sku.strip().upper()}
    filters["currency"] = currency and currency.upper()
    with store.reading() as c:
        page = products(
            c, store.names(Catalog), after=cursor, limit=limit, search=q, **filters
        )
    return ProductPage(
        items=[ProductItem.of(row) for row in page.rows],
        next_cursor=page.after,
        position=position,
    )


@router.get(ONE, response_model=Out, responses={404: {}})
def get_product(
    product_id: UUID,
    _: Reader,
    container: ContainerDep,
    version: Annotated[int | None, Query(ge=1, description="as of")] = None,
) -> JSONResponse:
    """The product now, or as it was at ``version``."""
    found = load(container.app, Product, product_id, Context.anonymous())
    if version is not None and version != found.version:
        if version > found.version:
            raise NotFound(f"product {product_id} has no version {version}")
        found = container.app.repository.get(product_id, version=version)
    return read_response(Out.of(found), found.version)


@router.patch(ONE, response_model=Out, responses=WRITE_ERRORS)
def change_product(
    product_id: UUID, body: ProductPatch, w: CatalogueWriteDep
) -> JSONResponse:
    fields = body.model_dump(exclude_unset=True)
    command = cmd.ChangeProductDetails(product_id=product_id, **fields)
    return w.run(cmd.change_product_details, command, Out.of)


@router.post(ONE + "/price", response_model=Out, responses=WRITE_ERRORS)
def change_price(product_id: UUID, body: PriceIn, w: CatalogueWriteDep) -> JSONResponse:
    """Change the list price; configurations made before keep theirs."""
    command = cmd.ChangeListPrice(product_id=product_id, **body.model_dump())
    return w.run(cmd.change_list_price, command, Out.of)


@router.post(ONE + "/retire", response_model=Out, responses=WRITE_ERRORS)
def retire(product_id: UUID, body: RetireIn, w: CatalogueWriteDep) -> JSONResponse:
    """A retired product can no longer be configured."""
    command = cmd.RetireProduct(product_id=product_id, reason=body.reason)
    return w.run(cmd.retire_product, command, Out.of)


@router.post(ONE + "/reactivate", response_model=Out, responses=WRITE_ERRORS)
def reactivate(product_id: UUID, w: CatalogueWriteDep) -> JSONResponse:
    command = cmd.ReactivateProduct(product_id=product_id)
    return w.run(cmd.reactivate_product, command, Out.of)
