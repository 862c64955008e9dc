"""Every third-party package that ingest/, index/ and app/ import is declared in pyproject.toml."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ingest", "index", "app")


def _norm(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_modules(source: str) -> set[str]:
    """Top-level names of the absolute imports in `source` (lazy imports inside functions too)."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


def declared() -> set[str]:
    """Distributions pyproject.toml names: base dependencies and every extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {_norm(re.match(r"[A-Za-z0-9_.-]+", r).group()) for r in reqs}


def undeclared(files: dict[str, str], names: set[str]) -> dict[str, list[str]]:
    """Third-party imports of `files` (path -> source) whose distribution is not in `names`:
    distribution (or module, when no installed distribution provides it) -> files."""
    dists = packages_distributions()
    missing: dict[str, list[str]] = {}
    for path, source in sorted(files.items()):
        for module in imported_modules(source):
            if module in sys.stdlib_module_names or module in PACKAGES or module == "__future__":
                continue
            provided = {_norm(d) for d in dists.get(module, [module])}
            if not provided & names:
                for d in sorted(provided):
                    missing.setdefault(d, []).append(path)
    return missing


def product_files() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
            for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def test_every_third_party_import_is_declared() -> None:
    assert undeclared(product_files(), declared()) == {}


def test_the_check_catches_an_undeclared_import() -> None:
    files = {"index/new.py": "import numpy\nimport yaml\n\ndef f():\n    from scipy.sparse import csr_matrix\n",
             "app/x.py": "from index import store\nimport json\nfrom . import y\n"}
    names = declared() - {"pyyaml", "scipy"}
    assert undeclared(files, names) == {"pyyaml": ["index/new.py"], "scipy": ["index/new.py"]}


@pytest.mark.parametrize("line", ["import yaml", "from yaml import safe_load", "import yaml.parser"])
def test_import_forms_are_all_seen(line: str) -> None:
    assert imported_modules(line) == {"yaml"}
