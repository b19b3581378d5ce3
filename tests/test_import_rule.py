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
    "assessment.results": 5,
    "assessment.eligibility": 6,  # registration reads released results (a pass in the Certificate)
    "assessment": 7,  # app factory, CLI, demo data, home and admin pages: the composition root
}
# Pure units hold rules and maths: no web framework, no database, and of ours they import only other
# pure units (so SQLAlchemy cannot come in through the back door). Named by dotted path: a module, or
# a package and everything in it. A new rule or calculation module goes in this list; any module
# named like a pure one (PURE_MODULE_NAMES) is held to the same rule wherever it lives.
PURE_UNITS = (
    "core.errors",
    "core.files",
    "core.keyfiles",
    "core.sealed",
    "core.alerts.rules",
    "scoring.psychometrics",
    "item_bank.assembly",
    "item_bank.authoring.diff",
    "item_bank.framework.rules",
    "item_bank.item_types",
    "item_bank.papers.rules",
    "item_bank.qti",
    "item_bank.sanitise",
    "item_bank.workflow",
    "assessment.accounts.passwords",
    "assessment.accounts.policy",
    "assessment.delivery.adjustments.rules",
    "assessment.delivery.replay",
    "assessment.delivery.rules",
    "assessment.delivery.sittings.rules",
    "scoring.runs.rules",
    "scoring.runs.charts",
    "scoring.runs.quality",
    "scoring.cut_scores.rules",
    "scoring.cut_scores.equating",
    "assessment.results.certificates.codes",
    "assessment.results.certificates.statuslist",
    "assessment.results.certificates.jose",
    "assessment.results.certificates.keys",
    "assessment.results.certificates.signing",
    "assessment.results.certificates.signer_server",
    "assessment.results.certificates.credentials",
    "assessment.results.rules",
    "assessment.eligibility.facts", "assessment.eligibility.rules",
    "assessment.eligibility.register.rules",
    "assessment.eligibility.applications.rules",
    "proctoring.rules",
    "proctoring.retention.rules", "proctoring.fairness.rules",
    "proctoring.policy",
    "proctoring.review.timeline", "proctoring.review.rules",
    "proctoring.live.rules",
    "proctoring.checkin.rules",
    "assessment.eligibility.decisions.rules",
)
PURE_MODULE_NAMES = {"rules.py", "policy.py", "item_types.py", "replay.py", "assembly.py", "sanitise.py"}
FORBIDDEN_IN_PURE = ("flask", "flask_login", "flask_wtf", "flask_sqlalchemy", "sqlalchemy", "alembic", "werkzeug",
                     "wtforms", "marshmallow", "psycopg", "blinker")


def unit_of(module: str) -> str:
    return max((u for u in LAYERS if module == u or module.startswith(u + ".")), key=len)


def in_pure_unit(module: str) -> bool:
    return any(module == u or module.startswith(u + ".") for u in PURE_UNITS)


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
            # "from core import db" imports core.db: each name may be a module, so it is part of the target.
            found.extend((node.lineno, f"{target}.{alias.name}" if target else alias.name) for alias in node.names)
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
            if in_pure_unit(importer) or path.name in PURE_MODULE_NAMES:
                if top in FORBIDDEN_IN_PURE:
                    problems.append(f"{path.relative_to(root)}:{line}: pure module imports {target}")
                elif top in OUR_PACKAGES and not in_pure_unit(target) and target.rpartition(".")[2] + ".py" \
                        not in PURE_MODULE_NAMES:
                    problems.append(f"{path.relative_to(root)}:{line}: pure module imports {target}, which is not pure")
    return problems


def test_every_import_points_down_the_layers():
    assert forbidden_edges() == []


def test_the_rule_catches_forbidden_imports(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "probe.py").write_text("from assessment.app import create_app\n", encoding="utf-8")
    (tmp_path / "item_bank").mkdir()
    (tmp_path / "item_bank" / "rules.py").write_text("import flask\nfrom core import errors\n", encoding="utf-8")
    (tmp_path / "item_bank" / "views.py").write_text("from .rules import x\nfrom ..scoring import runs\n",
                                                     encoding="utf-8")
    problems = forbidden_edges(tmp_path)
    assert any("core/probe.py:1" in p and "assessment.app" in p for p in problems)
    assert any("item_bank/rules.py:1: pure module imports flask" in p for p in problems)
    assert any("item_bank/views.py:2" in p and "scoring" in p for p in problems)
    assert not any("rules.py:2" in p for p in problems)


def _unit_path(unit: str) -> Path:
    return Path(*unit.split("."))


def test_every_pure_unit_exists():
    """A renamed or moved pure module must be renamed here too, or it would go unchecked."""
    missing = [u for u in PURE_UNITS
               if not (REPO / _unit_path(u)).is_dir() and not (REPO / _unit_path(u)).with_suffix(".py").is_file()]
    assert missing == []


@pytest.mark.parametrize("unit", PURE_UNITS)
@pytest.mark.parametrize("injected", ["import flask", "from sqlalchemy import select", "from core.db import Base"])
def test_an_injected_web_or_database_import_into_any_pure_unit_is_caught(tmp_path, unit, injected):
    """The checker, run on a copy of the layout with one bad line added to the pure unit."""
    path = tmp_path / _unit_path(unit)
    if (REPO / _unit_path(unit)).is_dir():
        path.mkdir(parents=True)
        path = path / "probe.py"
    else:
        path = path.with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'"""A pure module."""\nimport math\n{injected}\n', encoding="utf-8")
    problems = [p for p in forbidden_edges(tmp_path) if "pure module imports" in p]
    assert len(problems) == 1 and problems[0].startswith(f"{path.relative_to(tmp_path)}:3: ")


def test_modules_that_are_not_pure_may_use_the_web_and_the_database(tmp_path):
    (tmp_path / "item_bank" / "authoring").mkdir(parents=True)
    (tmp_path / "item_bank" / "authoring" / "views.py").write_text(
        "import flask\nfrom sqlalchemy import select\nfrom item_bank.authoring import diff\n", encoding="utf-8")
    (tmp_path / "item_bank" / "workflow.py").write_text("from item_bank.sanitise import x\nimport re\n",
                                                       encoding="utf-8")
    assert forbidden_edges(tmp_path) == []


@pytest.mark.parametrize(("module", "unit"), [
    ("core.audit", "core"), ("scoring.psychometrics.rasch", "scoring.psychometrics"), ("scoring.runs", "scoring"),
    ("assessment.accounts.views", "assessment.accounts"), ("assessment.app", "assessment"),
])
def test_units_resolve_by_longest_prefix(module, unit):
    assert unit_of(module) == unit
