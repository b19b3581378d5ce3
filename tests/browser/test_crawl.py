"""A crawl per role: sign in as each demo account, walk every GET page reachable from the
navigation and the links on the pages (same origin, one URL per route, bounded), and on each page
run axe-core (WCAG 2.2 A and AA) and measure the document's width at 1280 px and at 320 px.

Journey tests only check the pages they happen to visit; this one checks every page a role can
reach, so a new page is covered the day it is linked. Failures list every page and every rule.
"""
from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from tests.browser.conftest import AXE_JS, AXE_TAGS
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser

ROLES = {
    "candidate": "candidate@example.org",
    "item_writer": "writer@example.org",
    "item_reviewer": "reviewer@example.org",
    "examiner": "examiner@example.org",
    "invigilator": "invigilator@example.org",
    "admin": "admin@example.org",
}
PAGE_LIMIT = 60
NARROW, WIDE = 320, 1280
# Not pages: signing out, the JSON API, files and downloads.
SKIP = re.compile(r"^/(logout|api/|static/|healthz)|/(download|export|file|raw)(/|$)|\.(json|csv|zip|xml|pdf|png|jpe?g)$")


def axe_violations(page) -> list[str]:
    # evaluate() runs through the DevTools protocol, so the page's strict CSP stays on while axe runs.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           AXE_TAGS)
    return [f"axe {v['id']} ({v['impact']}): " + "; ".join(n["target"][0] for n in v["nodes"][:5])
            for v in result["violations"]]


def width_problems(page) -> list[str]:
    problems = []
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": 900})
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        if scroll_width > width:
            culprits = page.evaluate(_WIDEST_JS, width)
            problems.append(f"{scroll_width} px wide at a {width} px viewport (widest: {culprits})")
    page.set_viewport_size({"width": WIDE, "height": 900})
    return problems


# The deepest elements whose right edge passes the viewport: the ones to fix.
_WIDEST_JS = """(width) => {
  const scrolls = (el) => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(a).overflowX)) return true; } return false; };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && !scrolls(el) && ![...el.children].some(c => c.getBoundingClientRect().right > width + 1)) {
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
               (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
    }
    if (out.length >= 4) break;
  }
  return out.join(', ');
}"""


def crawl(page, live, start: str = "/dashboard", seeds=()) -> tuple[list[str], dict[str, list[str]]]:
    """Visit pages breadth first, one URL per route; return the paths visited and the problems per path.
    ``seeds`` come first, so that the exam under way is the one whose pages stand for their routes."""
    adapter = live.app.url_map.bind("localhost")
    origin = live.url
    queue, seen_routes, visited, problems = [*seeds, start], set(), [], {}
    while queue and len(visited) < PAGE_LIMIT:
        url = queue.pop(0)
        path = urlsplit(url).path
        if SKIP.search(path):
            continue
        try:
            rule, _ = adapter.match(path, method="GET", return_rule=True)
        except HTTPException:
            continue
        if rule.rule in seen_routes:
            continue
        seen_routes.add(rule.rule)
        response = page.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited.append(path)
        found = []
        if response.status >= 500:
            found.append(f"answered {response.status}")
        found += axe_violations(page)
        found += width_problems(page)
        if found:
            problems[urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")] = found
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            href = urldefrag(href)[0]
            if href.startswith(origin):
                queue.append(href[len(origin):] or "/")
    return visited, problems


@pytest.fixture(scope="module")
def exam_under_way(browser, live):
    """A sitting open now with every item type and a candidate part-way through it, so that the player,
    the live list's attempt and the staff attempt pages exist for the crawl to reach."""
    from core import db
    from tests.assessment.delivery.player_data import make_exam
    from tests.browser.conftest import DEMO_PASSWORD
    from tests.browser.test_exam_player import start_exam

    with live.app.app_context():
        session = db.session()
        sitting, candidate = make_exam(session, password=DEMO_PASSWORD)
        session.commit()
        sitting_id, email = sitting.id, candidate.email
    context = browser.new_context(base_url=live.url, locale="en-GB")
    page = context.new_page()
    sign_in(page, email)
    start_exam(page, sitting_id)
    attempt_url = page.url.split("#")[0][len(live.url):]
    context.close()
    return {"email": email, "candidate": [attempt_url, f"/sittings/{sitting_id}/start"],
            "staff": [f"/staff/sittings/{sitting_id}/live"]}


@pytest.mark.parametrize("role", [*ROLES, "candidate_in_an_exam"])
def test_every_page_a_role_can_reach_passes_axe_and_fits_320_px(page, live, role, exam_under_way):
    sign_in(page, ROLES.get(role, exam_under_way["email"]))
    seeds = (exam_under_way["candidate"] if role == "candidate_in_an_exam"
             else exam_under_way["staff"] if role in ("invigilator", "admin") else ())
    visited, problems = crawl(page, live, seeds=seeds)
    assert len(visited) >= 3, f"the crawl reached too few pages: {visited}"
    report = "\n".join(f"{path}\n  " + "\n  ".join(found) for path, found in problems.items())
    assert problems == {}, f"{len(problems)} of {len(visited)} pages have problems for the {role}:\n{report}"


def test_signed_out_pages_pass_axe_and_fit_320_px(page, live):
    visited, problems = crawl(page, live, start="/")
    report = "\n".join(f"{path}\n  " + "\n  ".join(found) for path, found in problems.items())
    assert problems == {}, f"{len(problems)} of {len(visited)} pages have problems signed out:\n{report}"
