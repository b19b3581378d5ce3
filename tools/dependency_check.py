"""The build's dependency check (ASVS V1.14.3, V14.2.1): which installed components are out of date,
and which have a published vulnerability.

    python tools/dependency_check.py          (``make dependencies``; .ci/run runs it before the tests)

It asks the package index the machine installs from (``pip list --outdated``, ``npm outdated``) and the
advisory services (``pip-audit``, ``npm audit``). The outcome:

* a component with a known vulnerability: listed, and the exit status is 1, so the build stops;
* a component behind its newest release: a warning (the declared dependencies first, and whether
  the gap is a major version), exit 0 — updating is a change to make with the tests, not in CI.
  A component that another installed package's requirements keep below its newest release says
  which, so nobody tries an update pip would refuse;
* an advisory service that cannot be reached, or a component it does not know: said plainly, with
  how many were checked. "Nothing found" is never printed when nothing was looked up.

The parsing and the verdict are pure functions (tests/test_dependency_check.py); only ``main`` runs
the tools.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent


def normalise(name: str) -> str:
    """A distribution's name as PEP 503 compares them: case and runs of -_. do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies(pyproject: dict, package_json: dict) -> set[str]:
    """The names the project asks for itself (runtime and every extra; npm devDependencies)."""
    requirements = list(pyproject.get("project", {}).get("dependencies", []))
    for extra in pyproject.get("project", {}).get("optional-dependencies", {}).values():
        requirements.extend(extra)
    names = {normalise(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]) for requirement in requirements}
    return names | {normalise(name) for name in package_json.get("devDependencies", {})}


@dataclass(frozen=True)
class Outdated:
    name: str
    installed: str
    latest: str
    declared: bool
    held_back_by: tuple[str, ...] = ()  # "sympy (mpmath<1.4,>=1.1.0)": what rules the newest release out

    @property
    def major_behind(self) -> bool:
        return self.installed.split(".")[0] != self.latest.split(".")[0]


@dataclass(frozen=True)
class Vulnerability:
    name: str
    version: str
    advisory: str
    fixed_in: tuple[str, ...]


@dataclass
class AuditResult:
    """What one advisory service said: the vulnerabilities it found and how much it could look up."""
    source: str
    checked: int = 0
    unchecked: int = 0
    vulnerabilities: list[Vulnerability] = field(default_factory=list)
    failure: str = ""  # why the service could not be asked at all


def parse_pip_outdated(output: str, declared: set[str]) -> list[Outdated]:
    return sorted((Outdated(row["name"], row["version"], row["latest_version"], normalise(row["name"]) in declared)
                   for row in json.loads(output or "[]")), key=lambda o: (not o.declared, normalise(o.name)))


def parse_npm_outdated(output: str, declared: set[str]) -> list[Outdated]:
    rows = json.loads(output or "{}")
    return sorted(Outdated(name, row.get("current", "?"), row.get("latest", "?"), normalise(name) in declared)
                  for name, row in rows.items())


def held_back(outdated: list[Outdated], requirements: dict[str, list[str]]) -> list[Outdated]:
    """Each out-of-date component with the installed packages whose own requirements exclude its newest
    release. ``requirements`` maps a package to its requirement strings as its metadata gives them;
    a requirement only an extra asks for is not in force and holds nothing back."""
    by_name: dict[str, list[tuple[str, Requirement]]] = {}
    for package, strings in requirements.items():
        for text in strings:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            by_name.setdefault(normalise(requirement.name), []).append((package, requirement))
    result = []
    for item in outdated:
        try:
            newest = Version(item.latest)
        except InvalidVersion:
            result.append(item)
            continue
        holders = tuple(sorted(f"{package} ({item.name}{requirement.specifier})"
                               for package, requirement in by_name.get(normalise(item.name), [])
                               if not requirement.specifier.contains(newest, prereleases=True)))
        result.append(replace(item, held_back_by=holders))
    return result


def installed_requirements() -> dict[str, list[str]]:
    """Every installed distribution's requirements, from its metadata."""
    return {dist.metadata["Name"]: list(dist.requires or []) for dist in metadata.distributions()}


def parse_pip_audit(output: str) -> AuditResult:
    """pip-audit's JSON: one entry per installed distribution, with its vulnerabilities, or a reason it
    was skipped (not on the index the service reads, or not a published distribution)."""
    result = AuditResult("pip-audit")
    for dependency in json.loads(output).get("dependencies", []):
        if "skip_reason" in dependency:
            result.unchecked += 1
            continue
        result.checked += 1
        for vulnerability in dependency.get("vulns", []):
            result.vulnerabilities.append(Vulnerability(dependency["name"], dependency.get("version", "?"),
                                                        vulnerability["id"],
                                                        tuple(vulnerability.get("fix_versions", []))))
    return result


def parse_npm_audit(output: str, installed_count: int) -> AuditResult:
    report = json.loads(output or "{}")
    result = AuditResult("npm audit")
    if "error" in report or "message" in report and "vulnerabilities" not in report:
        result.failure = str(report.get("error", {}).get("summary") or report.get("message") or "no answer")
        result.unchecked = installed_count
        return result
    result.checked = installed_count
    for name, entry in report.get("vulnerabilities", {}).items():
        advisories = [via.get("url") or via.get("title", "") for via in entry.get("via", []) if isinstance(via, dict)]
        fix = entry.get("fixAvailable")
        fixed = (fix.get("version"),) if isinstance(fix, dict) and fix.get("version") else ()
        result.vulnerabilities.append(Vulnerability(name, entry.get("range", "?"), ", ".join(advisories) or "?", fixed))
    return result


def report(outdated: list[Outdated], audits: list[AuditResult]) -> tuple[list[str], int]:
    """The lines to print and the exit status: 1 when any component has a known vulnerability."""
    lines: list[str] = []
    vulnerable = [v for audit in audits for v in audit.vulnerabilities]
    for audit in audits:
        if audit.failure:
            lines.append(f"WARNING: {audit.source} could not be asked ({audit.failure}); "
                         f"{audit.unchecked} component{'' if audit.unchecked == 1 else 's'} not checked for advisories.")
        elif audit.unchecked:
            lines.append(f"WARNING: {audit.source} checked {audit.checked} of {audit.checked + audit.unchecked} "
                         f"components; it could not look up the other {audit.unchecked} (not on the index it reads).")
        else:
            lines.append(f"{audit.source}: checked {audit.checked} component{'' if audit.checked == 1 else 's'}.")
    for vulnerability in vulnerable:
        fixed = f"; fixed in {', '.join(vulnerability.fixed_in)}" if vulnerability.fixed_in else "; no fix yet"
        lines.append(f"VULNERABLE: {vulnerability.name} {vulnerability.version}: {vulnerability.advisory}{fixed}")
    declared = [o for o in outdated if o.declared]
    others = [o for o in outdated if not o.declared]
    def holders(item: Outdated, before: str, after: str) -> str:
        return f"{before}held back by {', '.join(item.held_back_by)}{after}" if item.held_back_by else ""

    for item in declared:
        gap = "a major version behind" if item.major_behind else "behind"
        lines.append(f"WARNING: {item.name} {item.installed} is {gap} (newest {item.latest}); "
                     f"declared by the project{holders(item, '; ', '')}.")
    if others:
        names = ", ".join(f"{o.name} {o.installed} → {o.latest}{holders(o, ' (', ')')}" for o in others)
        lines.append(f"Out of date, brought in by other packages: {names}.")
    if not outdated:
        lines.append("Every installed component is at its newest release on the index.")
    checked_anything = any(audit.checked for audit in audits)
    if vulnerable:
        lines.append(f"FAILED: {len(vulnerable)} known vulnerabilit{'y' if len(vulnerable) == 1 else 'ies'}: "
                     "update the component or record why it does not apply.")
    elif checked_anything:
        lines.append("No known vulnerability in the components the advisory services could check.")
    else:
        lines.append("No advisory service could check any component: vulnerabilities are unknown, not absent.")
    return lines, 1 if vulnerable else 0


def _run(command: list[str], timeout: int = 300) -> tuple[int, str, str]:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except (OSError, subprocess.TimeoutExpired) as error:
        return 127, "", f"{type(error).__name__}: {error}"
    return done.returncode, done.stdout, done.stderr


def main() -> int:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_json = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    declared = declared_dependencies(pyproject, package_json)
    python = sys.executable
    outdated: list[Outdated] = []
    audits: list[AuditResult] = []

    status, out, err = _run([python, "-m", "pip", "list", "--outdated", "--format", "json", "--disable-pip-version-check"])
    if status == 0:
        outdated += held_back(parse_pip_outdated(out, declared), installed_requirements())
    else:
        print(f"WARNING: pip could not list out-of-date components: {err.strip().splitlines()[-1:]}")

    status, out, err = _run([python, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"])
    if out.strip().startswith("{"):
        audits.append(parse_pip_audit(out))
    else:
        audits.append(AuditResult("pip-audit", failure=(err.strip().splitlines() or ["no output"])[-1]))

    npm = shutil.which("npm")
    if npm and (ROOT / "node_modules").is_dir():
        installed = len(package_json.get("devDependencies", {}))
        _status, out, _err = _run([npm, "outdated", "--json"])  # exits 1 when something is out of date
        outdated += parse_npm_outdated(out, declared) if out.strip() else []
        _status, out, err = _run([npm, "audit", "--json"])
        try:
            audits.append(parse_npm_audit(out, installed))
        except json.JSONDecodeError:
            audits.append(AuditResult("npm audit", unchecked=installed, failure=(err.strip().splitlines() or ["no answer"])[-1]))

    lines, status = report(outdated, audits)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
