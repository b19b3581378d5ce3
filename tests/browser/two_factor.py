"""Completing staff sign-in in the browser: the code of the authenticator app, computed with pyotp
from the secret the demo loader enrolled (``DEMO_TOTP_SECRET``) or the key read off the set-up page
on a first sign-in. A code works once, so each account's codes move on one time step per sign-in
(the server accepts the step either side of now; past that, wait for the clock)."""
from __future__ import annotations

import datetime as dt
import time

DEMO_TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
_secrets: dict[str, str] = {}
_last_step: dict[str, int] = {}


def secret_of(email: str) -> str:
    return _secrets.get(email, DEMO_TOTP_SECRET)


def next_code(email: str) -> str:
    """A code the server will take for ``email``: for a step after the last one used, at most one ahead."""
    from assessment.accounts import two_factor

    while True:
        current = two_factor.time_step(dt.datetime.now(dt.timezone.utc))
        # Never the step before now: the server takes it only while the clock has not moved on, so a
        # code sent as a step ends would be refused. Now and the next step are safe either side.
        step = max(current, _last_step.get(email, current - 1) + 1)
        if step <= current + 1:
            _last_step[email] = step
            return two_factor.code_at(secret_of(email), step)
        time.sleep(1)


def complete_second_factor(page, email: str) -> None:
    """After the password was accepted: the code page, or the first sign-in's set-up (whose key is
    kept for later sign-ins) and its recovery codes. Anything else (a candidate, a refusal): nothing."""
    path = page.url.split("://", 1)[-1].split("/", 1)[-1].split("?")[0]
    if path == "login/two-factor":
        page.get_by_label("Code").fill(next_code(email))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
    elif path == "login/two-factor/set-up":
        _secrets[email] = page.locator("#two-factor-key").inner_text().replace(" ", "").strip()
        _last_step.pop(email, None)
        page.get_by_label("Code from your app").fill(next_code(email))
        with page.expect_navigation():
            page.get_by_role("button", name="Confirm and continue").click()
        with page.expect_navigation():
            page.get_by_role("link", name="I have saved my recovery codes").click()


def reauthenticate(page, email: str, password: str) -> None:
    """On /reauthenticate: the password and the next code."""
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Code from your authenticator app").fill(next_code(email))
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
