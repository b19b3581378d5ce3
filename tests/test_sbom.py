"""The software bill of materials (ASVS V14.2.5): ``make sbom`` writes a CycloneDX document of the
installed environment; it must name every dependency the project declares, with its version."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def declared_names() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = set()
    for requirement in project["dependencies"]:
        names.add(re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0])
    return {normalise(name) for name in names}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_sbom_names_every_declared_dependency_with_its_version(tmp_path):
    output = tmp_path / "sbom.cdx.json"
    tool = Path(sys.executable).with_name("cyclonedx-py")
    subprocess.run([str(tool), "environment", sys.executable, "--output-format", "JSON", "-o", str(output)],
                   check=True, capture_output=True, timeout=300)
    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["bomFormat"] == "CycloneDX" and document["specVersion"].startswith("1.")
    components = {normalise(c["name"]): c for c in document["components"]}
    missing = declared_names() - set(components)
    assert missing == set()
    for name in declared_names():
        assert components[name].get("version"), name
        assert components[name].get("purl", "").startswith("pkg:pypi/"), name


def test_the_makefile_makes_it():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^sbom: ", makefile, re.M) and "cyclonedx-py environment" in makefile
