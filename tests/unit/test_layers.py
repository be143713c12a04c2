"""The dependency rule: domain at the centre, api and infra at the edge."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
LAYERS = ("domain", "commands", "projections", "api", "infra")
FORBIDDEN = {
    "domain": {"commands", "projections", "api", "infra"},
    "commands": {"projections", "api", "infra"},
    "projections": {"commands", "api", "infra"},
    "infra": {"api"},
    "api": set(),
}


def imports_of(package: str) -> list[tuple[Path, str]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found += [(path, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append((path, node.module))
    return found


@pytest.mark.parametrize("package", LAYERS)
def test_no_import_points_outwards(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, module in imports_of(package)
        if module.split(".")[0] in FORBIDDEN[package]
    ]
    assert wrong == []


def test_domain_uses_only_the_standard_library_and_eventsourcing_domain() -> None:
    allowed = set(sys.stdlib_module_names) | {"domain"}
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, module in imports_of("domain")
        if module.split(".")[0] not in allowed
        and not module.startswith("eventsourcing.domain")
    ]
    assert wrong == []
