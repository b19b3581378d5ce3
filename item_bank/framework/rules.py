"""Checks on a framework document before it is imported. Pure: a dict in, a list of problems out."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

BUNDLED_FRAMEWORK = Path(__file__).resolve().parent.parent / "framework_data" / "standards-of-proficiency-2022.json"
SUBSTANDARD_CODE = re.compile(r"^(\d{1,2})\.(\d{1,2})$")


def content_digest(document: dict) -> str:
    """A stable fingerprint of the document, to tell a re-import from a conflicting revision."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def framework_problems(document: object) -> list[str]:
    """Every way the document departs from the framework shape, as sentences naming the place."""
    if not isinstance(document, dict):
        return ["The framework file must hold a JSON object"]
    problems: list[str] = []
    for key in ("name", "version"):
        if not _text(document.get(key)):
            problems.append(f"'{key}' is missing or empty")
    themes = document.get("themes")
    if not isinstance(themes, list) or not themes:
        return problems + ["'themes' must be a non-empty list"]
    seen_theme_codes: set[str] = set()
    seen_numbers: set[int] = set()
    seen_codes: set[str] = set()
    for t_index, theme in enumerate(themes):
        where = f"themes[{t_index}]"
        if not isinstance(theme, dict):
            problems.append(f"{where} must be an object")
            continue
        code = theme.get("code")
        if not _text(code) or code in seen_theme_codes:
            problems.append(f"{where}: 'code' is missing or repeated")
        seen_theme_codes.add(code)
        if not _text(theme.get("title")):
            problems.append(f"{where}: 'title' is missing")
        for s_index, standard in enumerate(theme.get("standards") or []):
            s_where = f"{where}.standards[{s_index}]"
            number = standard.get("number") if isinstance(standard, dict) else None
            if not isinstance(number, int) or isinstance(number, bool) or number < 1:
                problems.append(f"{s_where}: 'number' must be a positive whole number")
                continue
            if number in seen_numbers:
                problems.append(f"{s_where}: standard {number} appears twice")
            seen_numbers.add(number)
            for key in ("title", "statement"):
                if not _text(standard.get(key)):
                    problems.append(f"standard {number}: '{key}' is missing")
            if not isinstance(standard.get("title_derived", False), bool):
                problems.append(f"standard {number}: 'title_derived' must be true or false")
            subs = standard.get("substandards") or []
            if not subs:
                problems.append(f"standard {number} has no sub-standards")
            for position, sub in enumerate(subs, start=1):
                sub_code = sub.get("code") if isinstance(sub, dict) else None
                match = SUBSTANDARD_CODE.match(sub_code or "")
                if not match or int(match.group(1)) != number or int(match.group(2)) != position:
                    problems.append(f"standard {number}: sub-standard {position} should be coded "
                                    f"'{number}.{position}', found {sub_code!r}")
                elif sub_code in seen_codes:
                    problems.append(f"sub-standard {sub_code} appears twice")
                seen_codes.add(sub_code or "")
                if not isinstance(sub, dict) or not _text(sub.get("text")):
                    problems.append(f"sub-standard {sub_code or position} of standard {number} has no text")
    return problems
