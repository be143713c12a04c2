"""``GET /reports/lead-sources``: the lead-source ROI report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import Reader
from api.deps import ContainerDep
from api.reads import wait_for_position
from api.routes.orders import as_stored
from api.schemas.lead_lists import LeadSourcesOut, SourceRow
from projections.lead_sources import LeadSources
from projections.lead_sources_query import lead_sources

router = APIRouter(tags=["reports"])
When = Annotated[datetime | None, Query(description="leads captured from / before")]
Source = Annotated[
    str | None,
    Query(
        pattern="^(purchased_list|related_product_customer|web|referral|event|other)$"
    ),
]


@router.get("/reports/lead-sources", response_model=LeadSourcesOut, responses={503: {}})
def lead_source_report(
    _: Reader,
    container: ContainerDep,
    since: When = None,
    until: When = None,
    source: Source = None,
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> LeadSourcesOut:
    """Per source and list, over the leads captured in [since, until): leads,
    qualified, converted, won deals and amount, cost, cost per won deal."""
    wait_for_position(container, LeadSources.name, min_position, 5.0)
    store = container.projections.store
    position = store.position(LeadSources.name)
    start, end = as_stored(since), as_stored(until)
    with store.reading() as c:
        rows = lead_sources(
            c, store.names(LeadSources), since=start, until=end, source=source
        )
    items = [SourceRow(**row) for row in rows]
    return LeadSourcesOut(items=items, since=start, until=end, position=position)
