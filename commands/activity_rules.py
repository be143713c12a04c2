"""Rules on an activity that reach other records, checked by the handlers.

What must hold:
- A contact named exists (rule ``unknown_contact``), and so does an account
  (``unknown_account``); a contact at one account is not filed under
  another (``contact_of_another_account``). All are 422s: the body is wrong.
- Planned outreach (a plan, a follow-up) to a do-not-contact contact is
  refused (``contact_do_not_contact``); logging what already happened is not.
- A follow-up's id names no record yet, the caller may write for its owner,
  and an owner named for it is an active rep.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.application import SalesApplication
from commands.base import Context, Loaded, ensure_unused, referenced, require_write
from commands.reps import ensure_active_rep
from domain.account import Account
from domain.activity import Activity
from domain.base import check
from domain.contact import Contact


def check_customer(
    app: SalesApplication,
    activity: Activity,
    *,
    outreach: bool,
    loaded: Loaded | None = None,
) -> None:
    """The contact and account an activity names exist and agree; records
    read ahead in ``loaded`` (``commands.base.load_many``) are not read again."""
    if activity.contact_id is not None:
        contact_id = activity.contact_id
        contact = referenced(app, Contact, contact_id, "unknown_contact", loaded)
        msg = "the contact asked not to be contacted"
        check(not (outreach and contact.do_not_contact), "contact_do_not_contact", msg)
        filed = (contact.account_id, activity.account_id)
        msg = f"the contact is at account {contact.account_id}"
        agree = None in filed or filed[0] == filed[1]
        check(agree, "contact_of_another_account", msg)
    if activity.account_id is not None:
        referenced(app, Account, activity.account_id, "unknown_account", loaded)


def plan_follow_up(
    app: SalesApplication,
    ctx: Context,
    origin: Activity,
    at: datetime,
    overrides: dict[str, Any],
) -> Activity:
    """The follow-up ``origin`` names (``origin.follow_up_id`` is set), planned
    for ``at`` with ``overrides``; not saved."""
    assert origin.follow_up_id is not None
    ensure_unused(app, origin.follow_up_id)
    follow_up = origin.plan_follow_up(origin.follow_up_id, at, **overrides)
    require_write(ctx.caller, follow_up.owner_id, "an activity")
    if "owner_id" in overrides:
        ensure_active_rep(app, follow_up.owner_id)
    check_customer(app, follow_up, outreach=True)
    return follow_up
