"""Normalised contact details, so that equal things are stored equally:
emails lower-case and checked for syntax, phones in E.164."""

from __future__ import annotations

from typing import Annotated

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, StringConstraints


def normal_email(value: str) -> str:
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as e:
        raise ValueError(str(e)) from None
    return checked.normalized.lower()


def normal_phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        msg = "not a phone number in international form (+<country code> ...)"
        raise ValueError(msg) from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(normal_email)]
Phone = Annotated[str, StringConstraints(max_length=40), AfterValidator(normal_phone)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
