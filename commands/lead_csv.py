"""Reading a lead list's CSV: the header, the rows, and the column mapping.

What must hold:
- The first line is the header; each later line is a data row, numbered
  from 1 (so row ``n`` is line ``n + 1`` of the file).
- Without a mapping, a column maps to the lead field of its name or of a
  common alias (``first_name``, ``last_name``, ``company``, ``website``,
  ``job_title``, ...), without regard to case, spaces or dashes; columns
  that map to nothing are ignored.
- A mapping that names a column the header lacks is refused before any row
  is read (rule ``mapping_column_missing``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from domain.base import check
from domain.lead_list import FIELDS

ALIASES = {
    "first_name": "given_name",
    "firstname": "given_name",
    "given": "given_name",
    "last_name": "family_name",
    "lastname": "family_name",
    "surname": "family_name",
    "company": "company_name",
    "organisation": "company_name",
    "organization": "company_name",
    "website": "web_domain",
    "domain": "web_domain",
    "job_title": "title",
    "e_mail": "email",
    "telephone": "phone",
    "phone_number": "phone",
} | {f: f for f in FIELDS}


def _key(column: str) -> str:
    return "_".join(column.strip().casefold().replace("-", " ").split())


def default_mapping(header: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for column in header:
        field = ALIASES.get(_key(column))
        if field and field not in mapping.values():
            mapping[column] = field
    return mapping


def check_header(header: list[str], mapping: dict[str, str]) -> None:
    missing = sorted(set(mapping) - set(header))
    msg = f"the CSV has no columns {missing}; it has {header}"
    check(not missing, "mapping_column_missing", msg)


def read_csv(text: str) -> tuple[list[str], Iterator[dict[str, str]]]:
    """The header and the data rows (a row shorter than the header has
    empty cells; cells beyond it are dropped)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = next(reader, [])
    check(any(h.strip() for h in header), "csv_empty", "the CSV has no header line")
    names = [h.strip() for h in header]

    def rows() -> Iterator[dict[str, str]]:
        for cells in reader:
            yield {n: (cells[i] if i < len(cells) else "") for i, n in enumerate(names)}

    return names, rows()
