"""The dependency rule of DESIGN.md, enforced by walking every import with ``ast``."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OUR_PACKAGES = ("core", "item_bank", "assessment", "proctoring", "scoring")

# Longest prefix wins. Layer numbers from DESIGN.md ("The house"); an import may only point to a
# lower layer, or stay inside its own unit.
LAYERS = {
    "core": 1,
    "scoring.psychometrics": 1,
    "item_bank": 2,
    "assessment.accounts": 3,
    "assessment.delivery": 3,
    "proctoring": 4,
    "scoring": 4,
    "assessment.eligibility": 5,
    "assessment.results": 5,
    "assessment": 6,  # app factory, CLI, demo data, home and admin pages: the composition root
}
# Pure modules hold rules and maths: no web framework, no database.
PURE_MODULE_NAMES = {"rules.py", "policy.py", "item_types.py", "replay.py", "assembly.py", "sanitise.py"}
FORBIDDEN_IN_PURE = ("flask", "flask_login", "flask_wtf", "sqlalchemy", "alembic", "werkzeug")


def unit_of(module: str) -> str:
    return max((u for u in LAYERS if module == u or module.startswith(u + ".")), key=len)


def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path = REPO) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    own = module_name(path, root)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return found


def source_files(root: Path) -> list[Path]:
    return sorted(p for package in OUR_PACKAGES for p in (root / package).rglob("*.py"))


def forbidden_edges(root: Path = REPO) -> list[str]:
    problems = []
    for path in source_files(root):
        importer = module_name(path, root)
        importer_unit = unit_of(importer)
        for line, target in imports_of(path, root):
            top = target.split(".")[0]
            if top in OUR_PACKAGES:
                target_unit = unit_of(target)
                if target_unit != importer_unit and LAYERS[target_unit] >= LAYERS[importer_unit]:
                    problems.append(f"{path.relative_to(root)}:{line}: {importer} (layer {LAYERS[importer_unit]}) "
                                    f"imports {target} (layer {LAYERS[target_unit]})")
            if (path.name in PURE_MODULE_NAMES or importer_unit == "scoring.psychometrics") \
                    and top in FORBIDDEN_IN_PURE:
                problems.append(f"{path.relative_to(root)}:{line}: pure module imports {target}")
    return problems


def test_every_import_points_down_the_layers():
    assert forbidden_edges() == []


def test_the_rule_catches_forbidden_imports(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "probe.py").write_text("from assessment.app import create_app\n", encoding="utf-8")
    (tmp_path / "item_bank").mkdir()
    (tmp_path / "item_bank" / "rules.py").write_text("import flask\nfrom core import db\n", encoding="utf-8")
    (tmp_path / "item_bank" / "views.py").write_text("from .rules import x\nfrom ..scoring import runs\n",
                                                     encoding="utf-8")
    problems = forbidden_edges(tmp_path)
    assert any("core/probe.py:1" in p and "assessment.app" in p for p in problems)
    assert any("item_bank/rules.py:1: pure module imports flask" in p for p in problems)
    assert any("item_bank/views.py:2" in p and "scoring" in p for p in problems)
    assert not any("core import db" in p or "rules.py:2" in p for p in problems)


@pytest.mark.parametrize(("module", "unit"), [
    ("core.audit", "core"), ("scoring.psychometrics.rasch", "scoring.psychometrics"), ("scoring.runs", "scoring"),
    ("assessment.accounts.views", "assessment.accounts"), ("assessment.app", "assessment"),
])
def test_units_resolve_by_longest_prefix(module, unit):
    assert unit_of(module) == unit
