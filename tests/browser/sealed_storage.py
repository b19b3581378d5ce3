"""Reading what the exam player keeps in localStorage the way only its own candidate can: the stored
value must be sealed (``{"sealed": 1, "iv", "data"}``, AES-GCM), and is opened here with the attempt's
key fetched as that candidate (``page.request`` shares the page's session; it is not cut when the
page is offline). A test that wants a queue's entries reads them through this, so it also checks
that nothing readable was stored."""
from __future__ import annotations

import base64
import json
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def stored_text(page, name: str) -> str | None:
    return page.evaluate("(name) => localStorage.getItem(name)", name)


def all_stored(page) -> dict[str, str]:
    """Everything in the page's localStorage, name → value."""
    return page.evaluate("() => Object.fromEntries(Object.keys(localStorage).map((k) => [k, localStorage.getItem(k)]))")


def attempt_key(page, attempt_id: int) -> bytes:
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    answer = page.request.get(f"{origin}/api/v1/attempts/{attempt_id}/storage-key")
    assert answer.status == 200 and answer.headers["cache-control"] == "no-store"
    key = answer.json()["key"]
    return base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))


def unseal(key: bytes, name: str, text: str):
    sealed = json.loads(text)
    assert isinstance(sealed, dict) and sealed.get("sealed") == 1, f"{name} is not sealed: {text[:80]}"
    plain = AESGCM(key).decrypt(base64.b64decode(sealed["iv"]), base64.b64decode(sealed["data"]), name.encode())
    assert len(base64.b64decode(sealed["iv"])) == 12
    return json.loads(plain)


def sealed_queue(page, attempt_id: int, name: str | None = None):
    """The queue stored under ``name`` (the outbox by default), opened; None when nothing is stored."""
    name = name or f"cop.outbox.{attempt_id}"
    text = stored_text(page, name)
    return None if text is None else unseal(attempt_key(page, attempt_id), name, text)
