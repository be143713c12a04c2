"""Lead rules: where a lead came from, who it names, its score.

A broken rule raises ``RuleBroken`` naming it (``domain.base.check``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.base import check

PURCHASED_LIST = "purchased_list"
RELATED_PRODUCT_CUSTOMER = "related_product_customer"
_PLAIN_SOURCES = ("web", "referral", "event", "other")
SOURCES = (PURCHASED_LIST, RELATED_PRODUCT_CUSTOMER, *_PLAIN_SOURCES)


def check_identity(details: dict[str, Any]) -> None:
    named = any(details.get(k) for k in ("family_name", "company_name", "email"))
    msg = "a lead names a person (family name), a company or an email"
    check(named, "lead_needs_identity", msg)


def check_source(
    source: str,
    list_name: str | None = None,
    cost_per_lead: Decimal | None = None,
    currency: str | None = None,
    product: str | None = None,
) -> None:
    check(source in SOURCES, "unknown_lead_source", f"no lead source {source!r}")
    bought = (list_name, cost_per_lead, currency)
    if source == PURCHASED_LIST:
        msg = "a purchased-list lead names its list, cost per lead and currency"
        complete = bool(list_name) and None not in bought
        check(complete, "purchased_list_needs_list_and_cost", msg)
        cost = cost_per_lead or Decimal(0)
        msg = "the cost per lead is a finite amount, not negative"
        check(cost.is_finite() and cost >= 0, "cost_per_lead_invalid", msg)
        code = currency or ""
        msg = f"{code!r} is not an ISO 4217 currency code"
        check(len(code) == 3 and code.isalpha() and code.isupper(), "bad_currency", msg)
    else:
        msg = "only a purchased-list lead carries a list, cost or currency"
        check(bought == (None, None, None), "source_fields_mismatch", msg)
    if source == RELATED_PRODUCT_CUSTOMER:
        msg = "a related-product-customer lead names the product"
        check(bool(product), "related_product_needs_product", msg)
    else:
        msg = "only a related-product-customer lead carries a product"
        check(product is None, "source_fields_mismatch", msg)


def check_score(score: int) -> None:
    check(0 <= score <= 100, "score_out_of_range", "the score is 0 to 100")
