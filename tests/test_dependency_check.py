"""The build's dependency check (tools/dependency_check.py, ASVS V1.14.3 and V14.2.1), on the shapes of
output pip, pip-audit and npm give. The real run is `make dependencies`, which .ci/run calls."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def check():
    spec = importlib.util.spec_from_file_location("dependency_check", ROOT / "tools" / "dependency_check.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["dependency_check"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# Flask 0.12.2 had a published advisory (CVE-2018-1000656, a denial of service from bad JSON),
# fixed in 0.12.3: the kind of entry pip-audit gives.
VULNERABLE_AUDIT = json.dumps({"dependencies": [
    {"name": "flask", "version": "0.12.2", "vulns": [
        {"id": "PYSEC-2018-66", "fix_versions": ["0.12.3"], "aliases": ["CVE-2018-1000656"], "description": "…"}]},
    {"name": "click", "version": "8.1.7", "vulns": []},
    {"name": "cop-platform", "skip_reason": "Dependency not found on PyPI and could not be audited: cop-platform (0.1)"},
], "fixes": []})

NOTHING_LOOKED_UP = json.dumps({"dependencies": [
    {"name": "flask", "skip_reason": "Dependency not found on PyPI and could not be audited: flask (3.1.0)"},
    {"name": "click", "skip_reason": "Dependency not found on PyPI and could not be audited: click (8.1.7)"},
], "fixes": []})

PIP_OUTDATED = json.dumps([
    {"name": "python-dateutil", "version": "2.9.0.post0", "latest_version": "4.0.0", "latest_filetype": "wheel"},
    {"name": "Flask_WTF", "version": "1.2.1", "latest_version": "1.2.2", "latest_filetype": "wheel"},
    {"name": "opencv-python-headless", "version": "4.14.0.94", "latest_version": "5.1.0.95", "latest_filetype": "wheel"},
])

NPM_AUDIT_REFUSED = json.dumps({"message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
                                "statusCode": 405, "error": {"summary": "", "detail": ""}})

NPM_AUDIT_VULNERABLE = json.dumps({"auditReportVersion": 2, "vulnerabilities": {
    "axe-core": {"name": "axe-core", "severity": "moderate", "range": "<4.0.0",
                 "via": [{"title": "An example advisory", "url": "https://github.com/advisories/GHSA-xxxx-xxxx-xxxx"}],
                 "fixAvailable": {"name": "axe-core", "version": "4.14.1"}}}})


def test_the_declared_dependencies_are_read_from_pyproject_and_package_json(check):
    pyproject = {"project": {"dependencies": ["flask>=3.0.3", "psycopg[binary]>=3.1.19", "Flask_WTF >= 1.2",
                                              "tomli; python_version < '3.11'"],
                             "optional-dependencies": {"test": ["pytest>=8.2.0"]}}}
    names = check.declared_dependencies(pyproject, {"devDependencies": {"axe-core": "4.14.1"}})
    assert names == {"flask", "psycopg", "flask-wtf", "tomli", "pytest", "axe-core"}


def test_a_known_vulnerability_fails_the_build_and_names_the_fix(check):
    audit = check.parse_pip_audit(VULNERABLE_AUDIT)
    assert (audit.checked, audit.unchecked) == (2, 1)
    lines, status = check.report([], [audit])
    assert status == 1
    assert "VULNERABLE: flask 0.12.2: PYSEC-2018-66; fixed in 0.12.3" in lines
    assert "WARNING: pip-audit checked 2 of 3 components; it could not look up the other 1 (not on the index it reads)." in lines
    assert lines[-1].startswith("FAILED: 1 known vulnerability")


def test_when_nothing_could_be_looked_up_it_says_so_and_never_claims_nothing_was_found(check):
    lines, status = check.report([], [check.parse_pip_audit(NOTHING_LOOKED_UP)])
    assert status == 0
    assert lines[-1] == "No advisory service could check any component: vulnerabilities are unknown, not absent."
    assert not any(line.startswith("No known vulnerability") for line in lines)


def test_out_of_date_components_warn_declared_ones_first_with_major_gaps_named(check):
    declared = {"flask-wtf", "opencv-python-headless"}
    outdated = check.parse_pip_outdated(PIP_OUTDATED, declared)
    assert [o.name for o in outdated] == ["Flask_WTF", "opencv-python-headless", "python-dateutil"]
    clean = check.AuditResult("pip-audit", checked=3)
    lines, status = check.report(outdated, [clean])
    assert status == 0  # out of date is a warning: updating is a change made with the tests
    assert "WARNING: Flask_WTF 1.2.1 is behind (newest 1.2.2); declared by the project." in lines
    assert "WARNING: opencv-python-headless 4.14.0.94 is a major version behind (newest 5.1.0.95); declared by the project." in lines
    assert "Out of date, brought in by other packages: python-dateutil 2.9.0.post0 → 4.0.0." in lines
    assert lines[-1] == "No known vulnerability in the components the advisory services could check."


def test_everything_current_is_said_too(check):
    lines, _ = check.report([], [check.AuditResult("pip-audit", checked=5)])
    assert "Every installed component is at its newest release on the index." in lines
    assert "pip-audit: checked 5 components." in lines


def test_an_npm_registry_that_refuses_audits_is_a_warning(check):
    audit = check.parse_npm_audit(NPM_AUDIT_REFUSED, installed_count=1)
    assert audit.failure.startswith("405 Method Not Allowed") and audit.unchecked == 1
    lines, status = check.report([], [audit])
    assert status == 0 and lines[0].startswith("WARNING: npm audit could not be asked (405 Method Not Allowed")


def test_an_npm_advisory_fails_the_build(check):
    audit = check.parse_npm_audit(NPM_AUDIT_VULNERABLE, installed_count=1)
    lines, status = check.report([], [audit])
    assert status == 1
    assert "VULNERABLE: axe-core <4.0.0: https://github.com/advisories/GHSA-xxxx-xxxx-xxxx; fixed in 4.14.1" in lines


def test_npm_outdated_is_read(check):
    output = json.dumps({"axe-core": {"current": "4.14.1", "wanted": "4.14.1", "latest": "4.15.0"}})
    [item] = check.parse_npm_outdated(output, {"axe-core"})
    assert (item.name, item.installed, item.latest, item.declared, item.major_behind) == \
        ("axe-core", "4.14.1", "4.15.0", True, False)


def test_a_component_another_package_keeps_below_its_newest_release_names_that_package(check):
    # The shapes of requirement metadata on the build machine on 6 December 2026.
    requirements = {
        "sympy": ["mpmath<1.4,>=1.1.0"],
        "scipy": ['mpmath; extra == "test"'],             # only an extra: not in force
        "botocore": ["python-dateutil (<3.0.0,>=2.1)", "jmespath<2.0.0,>=0.7.1"],
        "arrow": ["python-dateutil>=2.7.0"],              # admits the newest: holds nothing back
        "schemathesis": ["jsonschema-rs<0.61.0,>=0.60.1"],
        "broken": ["not a requirement ((("],
    }
    outdated = check.held_back([
        check.Outdated("mpmath", "1.3.0", "1.4.1", declared=False),
        check.Outdated("python-dateutil", "2.9.0.post0", "4.0.0", declared=False),
        check.Outdated("jsonschema_rs", "0.60.3", "0.61.2", declared=True),
        check.Outdated("setuptools", "65.5.0", "84.2.1", declared=False),
    ], requirements)
    assert [o.held_back_by for o in outdated] == [
        ("sympy (mpmath<1.4,>=1.1.0)",), ("botocore (python-dateutil<3.0.0,>=2.1)",),
        ("schemathesis (jsonschema_rs<0.61.0,>=0.60.1)",), ()]
    lines, _ = check.report(sorted(outdated, key=lambda o: not o.declared), [check.AuditResult("pip-audit", checked=4)])
    assert ("WARNING: jsonschema_rs 0.60.3 is behind (newest 0.61.2); declared by the project; "
            "held back by schemathesis (jsonschema_rs<0.61.0,>=0.60.1).") in lines
    assert ("Out of date, brought in by other packages: mpmath 1.3.0 → 1.4.1 (held back by sympy (mpmath<1.4,>=1.1.0)), "
            "python-dateutil 2.9.0.post0 → 4.0.0 (held back by botocore (python-dateutil<3.0.0,>=2.1)), "
            "setuptools 65.5.0 → 84.2.1.") in lines


def test_the_installed_requirements_are_read_from_the_environment(check):
    requirements = {check.normalise(name): strings for name, strings in check.installed_requirements().items()}
    assert any(text.startswith("packaging") for text in requirements["pip-audit"])
