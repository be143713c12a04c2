"""Normalised values, so that equal things are stored equally: emails
lower-case and checked for syntax, phones in E.164, web domains as bare
lower-case hosts (``https://www.Acme.com/x`` becomes ``acme.com``;
internationalised names in their ``xn--`` form), currencies as active ISO 4217
codes (``ISO_4217``), money as ``Decimal`` with at most 4 decimal places,
never negative. Every command model that takes one of these uses the type
from here, so a lead, a contact, an account and a deal compare alike."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


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
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL: refused at the door
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL
    ),
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=NO_NUL)
]


_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})$")


def normal_web_domain(value: str) -> str:
    """The bare host of a domain or URL: no scheme, user, port, path or
    leading ``www.``; lower-case ASCII; at least two labels."""
    text = value.strip().lower()
    try:
        host = urlsplit(text if "://" in text else f"//{text}").hostname or ""
        host = host.rstrip(".").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise ValueError("not a web domain (e.g. acme.com)") from None
    if host.startswith("www.") and host.count(".") > 1:
        host = host[4:]
    if len(host) > 253 or not _DOMAIN.match(host):
        raise ValueError("not a web domain (e.g. acme.com)")
    return host


WebDomain = Annotated[
    str, StringConstraints(max_length=2000), AfterValidator(normal_web_domain)
]


# ISO 4217 list one as published in 2026: the codes customers pay in; without
# fund codes (BOV, CHE, ...), precious metals, units of account and test codes.
_ISO_4217_CODES = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL
    BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD
    EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR
    ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP
    LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
    NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
    SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP
    TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF
    YER ZAR ZMW ZWG"""
ISO_4217 = frozenset(_ISO_4217_CODES.split())


def iso_4217(code: str) -> str:
    if code not in ISO_4217:
        raise ValueError(f"{code!r} is not an active ISO 4217 currency code")
    return code


def plain(value: Decimal) -> Decimal:
    """``1E+3`` as ``1000`` and ``-0`` as ``0``: equal amounts stored equally."""
    return Decimal(format(value, "f")) + 0


Currency = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, max_length=3),
    AfterValidator(iso_4217),
]
Money = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=4), AfterValidator(plain)
]


Part = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class PostalAddress(BaseModel):
    """A postal address; blank parts are left out (``parts``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    street: Part | None = None
    street2: Part | None = None
    locality: Part | None = None
    postcode: Part | None = None
    region: Part | None = None
    country: Part | None = None

    def parts(self) -> dict[str, str] | None:
        """The non-blank parts; ``None`` if every part is blank."""
        found = {k: v for k, v in self.model_dump().items() if v}
        return found or None
