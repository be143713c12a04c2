"""Step: the product catalogue the quotes are priced from, what reps look
up about the products, and one price rise in the middle of the year
(quotes drafted after it are dearer)."""

from __future__ import annotations

from decimal import Decimal

from commands import knowledge, products
from domain.product import product_id_for
from infra.demo.names import KNOWLEDGE, PRODUCTS
from infra.demo.world import World


def plan(world: World) -> None:
    for sku, name, description, price in PRODUCTS:
        world.do(
            world.day(0, 6),
            products.introduce_product,
            products.IntroduceProduct(
                sku=sku,
                name=name,
                description=description,
                list_price=Decimal(price),
                currency="EUR",
            ),
        )
    sensor, _, _, price = PRODUCTS[2]
    world.do(
        world.day(180, 6),
        products.change_list_price,
        products.ChangeListPrice(
            product_id=product_id_for(sensor), list_price=Decimal(price) + 25
        ),
    )
    for n, (sku, kind, title, body, competitor) in enumerate(KNOWLEDGE):
        world.do(
            world.day(3 + 20 * n, 14),
            knowledge.write_entry,
            knowledge.WriteEntry.model_validate(
                {
                    "id": world.id("knowledge", n),
                    "product_id": product_id_for(sku),
                    "kind": kind,
                    "title": title,
                    "body": body,
                    "competitor": competitor,
                }
            ),
        )
