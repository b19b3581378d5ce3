"""The exam player's first load on a slow link (issue 13): bytes, requests and time to interactive.

    .venv/bin/python bench/player_load.py                 # both sittings, a table on stdout
    .venv/bin/python bench/player_load.py --json          # the same figures as JSON
    .venv/bin/python bench/player_load.py --runs 3 --scenarios plain
    .venv/bin/python bench/player_load.py --http2            # through hypercorn, TLS and HTTP/2 (pip install hypercorn)

The real app is served by gunicorn (``bench/load_delivery.py``'s ``Server``) on a SQLite demo database
in a temporary folder (migrated, then ``load_demo``). The demo candidate has two attempts under way,
started through the real service: one in the demo's invigilated "Winter 2026 sitting (open now)"
(their check-in is approved by the demo data), which also loads the invigilation and messages
modules and turns on Chromium's fake camera, and one in a sitting this script adds on the same paper
without invigilation.

With ``--http2`` the app is served instead by hypercorn over TLS (a throwaway self-signed certificate)
with HTTP/2, as a TLS-terminating proxy in front of gunicorn would serve it to browsers: one
connection carries every request at once, where HTTP/1.1 lets Chromium open six per host and queue
the rest. hypercorn is not a dependency of the project; install it to use the option.

Debian's Chromium (``/usr/bin/chromium``, through Playwright; nothing is downloaded) signs in, then
for each attempt: empties the browser's cache, emulates a 1.6 Mbit/s link both ways with 150 ms of
latency (CDP ``Network.emulateNetworkConditions``), opens the player (cold), and opens it again
(warm: a second visit with the cache the first one left).

Measured per load, from the navigation until the network has been quiet for half a second (at most
10 s after the player became interactive):

- **bytes**: the sum of ``Network.loadingFinished.encodedDataLength`` (what came over the wire,
  headers included) of every response, except case-study attachments (``/attachments/``); and
  **bytes to interactive**, those that had arrived when the player became interactive;
- **requests**: how many were sent, and how many went to another origin (the target is none);
- **time to interactive**: from the start of the navigation until the first question's first answer
  control is visible and enabled, the save status reads "All answers saved" (``data-state="saved"``)
  and the player has marked its root ``data-ready`` (its first render is done). Read in the page with
  ``performance.now()``, so it is the browser's own clock.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.load_delivery import SECRET, Server, free_port  # noqa: E402 - the repository must be on the path first

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
DEMO_PASSWORD = "bench demo password"
CANDIDATE = "candidate@example.org"
INVIGILATED_SITTING = "Winter 2026 sitting (open now)"
PLAIN_SITTING = "Bench: the same paper, not invigilated"
LINK = {"offline": False, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 200_000}
TARGET_BYTES = 100 * 1024
IDLE_WAIT_MS = 10_000
TARGET_TTI_MS = 1000

# In the page: the navigation's age in ms once the player is usable, else null (polled each frame).
INTERACTIVE = """() => {
  const root = document.getElementById('player');
  const status = document.getElementById('save-status');
  const control = document.querySelector('#question-body input, #question-body textarea, #question-body select');
  const usable = control && !control.disabled && !control.closest('fieldset:disabled')
    && control.getClientRects().length > 0;
  return root && root.dataset.ready === 'true' && status.dataset.state === 'saved' && usable
    ? performance.now() : null;
}"""


def prepare(workdir: Path) -> tuple[str, dict[str, int]]:
    """A migrated demo database with the candidate's two attempts under way. Returns (url, attempt ids)."""
    from sqlalchemy import create_engine, select

    from assessment.accounts.models import User
    from assessment.app import create_app
    from assessment.delivery import services as delivery
    from assessment.delivery.models import Booking, Sitting, SittingPaper
    from assessment.demo import load_demo
    from core import db, migrations

    url = f"sqlite:///{workdir / 'player.sqlite3'}"
    engine = create_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "PASSWORD_HASH_PROFILE": "fast"})
    now = dt.datetime.now(dt.timezone.utc)
    with app.app_context():
        session = db.session()
        load_demo(session, now=now, password=DEMO_PASSWORD, hash_profile="fast")
        session.commit()
        candidate = session.scalar(select(User).where(User.email == CANDIDATE))
        invigilated = session.scalar(select(Sitting).where(Sitting.title == INVIGILATED_SITTING))
        paper_id = session.scalar(select(SittingPaper.exam_paper_id).where(SittingPaper.sitting_id == invigilated.id))
        plain = Sitting(title=PLAIN_SITTING, booking_opens_at=now - dt.timedelta(days=10),
                        booking_closes_at=now - dt.timedelta(days=1), opens_at=now - dt.timedelta(hours=1),
                        closes_at=now + dt.timedelta(days=1), duration_s=invigilated.duration_s, capacity=10,
                        requires_invigilation=False, created_at=now)
        session.add(plain)
        session.flush()
        session.add(SittingPaper(sitting_id=plain.id, exam_paper_id=paper_id))
        session.add(Booking(sitting_id=plain.id, candidate_id=candidate.id, booked_at=now))
        session.flush()
        attempts = {}
        for name, sitting in (("invigilated", invigilated), ("plain", plain)):
            attempt = delivery.start_attempt(session, actor=candidate.actor, sitting_id=sitting.id,
                                             device_id=f"bench-{name}", now=now)
            attempts[name] = attempt.id
        session.commit()
    app.extensions["cop.db"].engine.dispose()
    return url, attempts


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that lives as long as the run (Chromium is told to accept it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
                   .not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Http2Server:
    """The app under hypercorn with TLS, so Chromium speaks HTTP/2 to it (the same surface as ``Server``)."""

    def __init__(self, env: dict[str, str], folder: Path, workers: int = 2) -> None:
        cert, key = self_signed_certificate(folder)
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hypercorn", "--bind", f"127.0.0.1:{self.port}", "--certfile", str(cert),
             "--keyfile", str(key), "--workers", str(workers), "assessment.wsgi:app"],
            cwd=REPO, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"https://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError("hypercorn did not start: " + self.process.stderr.read().decode()[-2000:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Recorder:
    """Every request of one load, from the CDP network events of the page."""

    def __init__(self, cdp) -> None:
        self.requests: dict[str, dict] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.requestServedFromCache", self._from_cache)

    def reset(self) -> None:
        self.requests = {}

    def _sent(self, event) -> None:
        self.requests.setdefault(event["requestId"], {"url": event["request"]["url"], "bytes": 0, "status": None,
                                                      "from_cache": False, "done": False,
                                                      "sent_at": event["timestamp"], "finished_at": None})

    def _received(self, event) -> None:
        entry = self.requests.get(event["requestId"])
        if entry is not None:
            response = event["response"]
            entry["status"] = response.get("status")
            entry["protocol"] = response.get("protocol")
            entry["from_cache"] = entry["from_cache"] or response.get("fromDiskCache", False) \
                or response.get("fromPrefetchCache", False)
            entry["encoding"] = {k.lower(): v for k, v in response.get("headers", {}).items()}.get("content-encoding")

    def _finished(self, event) -> None:
        entry = self.requests.get(event["requestId"])
        if entry is not None:
            entry["bytes"] = int(event.get("encodedDataLength", 0))
            entry["done"] = True
            entry["finished_at"] = event["timestamp"]

    def _from_cache(self, event) -> None:
        entry = self.requests.get(event["requestId"])
        if entry is not None:
            entry["from_cache"] = True


def measure_load(page, cdp, recorder: Recorder, url: str, origin: str, *, cold: bool) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if cold:
        cdp.send("Network.clearBrowserCache")
    recorder.reset()
    page.goto(url, wait_until="commit")
    tti = page.wait_for_function(INTERACTIVE, polling="raf", timeout=60_000).json_value()
    # What the load goes on to fetch (an invigilated attempt's modules, its first heartbeat) counts too:
    # wait until nothing has been asked for half a second, or at most IDLE_WAIT_MS.
    try:
        page.wait_for_load_state("networkidle", timeout=IDLE_WAIT_MS)
    except PlaywrightTimeout:
        pass
    timing = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                           " return {dom_content_loaded_ms: n.domContentLoadedEventEnd, load_ms: n.loadEventEnd}; }")
    rows = []
    started = min((e["sent_at"] for e in recorder.requests.values()), default=0)
    for entry in recorder.requests.values():
        if entry["url"].startswith("data:"):
            continue
        parts = urlsplit(entry["url"])
        rows.append({"path": parts.path + (f"?{parts.query}" if parts.query else ""),
                     "origin": f"{parts.scheme}://{parts.netloc}", "status": entry["status"],
                     "bytes": entry["bytes"], "gzip": entry.get("encoding") == "gzip",
                     "protocol": entry.get("protocol"),
                     "from_cache": entry["from_cache"],
                     # From the first request of the load (the page's own), in ms: the critical path.
                     "sent_ms": round((entry["sent_at"] - started) * 1000),
                     "finished_ms": round((entry["finished_at"] - started) * 1000) if entry["finished_at"] else None})
    counted = [r for r in rows if "/attachments/" not in r["path"]]
    return {
        "load": "cold" if cold else "warm",
        "time_to_interactive_ms": round(tti),
        "dom_content_loaded_ms": round(timing["dom_content_loaded_ms"]),
        "bytes": sum(r["bytes"] for r in counted),
        # Those that had arrived when the player became interactive (times from its first request).
        "bytes_to_interactive": sum(r["bytes"] for r in counted
                                    if r["finished_ms"] is not None and r["finished_ms"] <= tti),
        "requests": len(rows),
        "requests_over_network": sum(1 for r in rows if not r["from_cache"]),
        "third_party_requests": sum(1 for r in rows if r["origin"] != origin),
        "attachments_excluded": len(rows) - len(counted),
        "detail": sorted(rows, key=lambda r: r["sent_ms"]),
    }


def run(server_url: str, attempts: dict[str, int], scenarios: list[str], runs: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    results = []
    # The throwaway certificate of --http2 (only ever 127.0.0.1).
    args = CHROMIUM_ARGS + (["--ignore-certificate-errors"] if server_url.startswith("https:") else [])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            for scenario in scenarios:
                for number in range(1, runs + 1):
                    context = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900},
                                                  locale="en-GB")
                    context.grant_permissions(["camera"], origin=server_url)
                    page = context.new_page()
                    page.goto("/login")
                    page.fill("#email", CANDIDATE)
                    page.fill("#password", DEMO_PASSWORD)
                    page.click("main button[type=submit]")
                    page.wait_for_url(lambda u: "/login" not in u)
                    cdp = context.new_cdp_session(page)
                    cdp.send("Network.enable")
                    cdp.send("Network.emulateNetworkConditions", LINK)
                    recorder = Recorder(cdp)
                    player_url = f"{server_url}/attempts/{attempts[scenario]}"
                    for cold in (True, False):
                        row = {"scenario": scenario, "run": number,
                               **measure_load(page, cdp, recorder, player_url, server_url, cold=cold)}
                        results.append(row)
                    context.close()
        finally:
            browser.close()
    return results


def summary(results: list[dict]) -> list[dict]:
    rows = []
    for key in sorted({(r["scenario"], r["load"]) for r in results}, key=lambda k: (k[0], k[1] != "cold")):
        group = [r for r in results if (r["scenario"], r["load"]) == key]
        tti = [r["time_to_interactive_ms"] for r in group]
        rows.append({"scenario": key[0], "load": key[1], "runs": len(group),
                     "time_to_interactive_ms_median": round(statistics.median(tti)),
                     "time_to_interactive_ms_max": max(tti),
                     "bytes_median": round(statistics.median(r["bytes"] for r in group)),
                     "bytes_to_interactive_median": round(statistics.median(r["bytes_to_interactive"]
                                                                            for r in group)),
                     "requests_median": round(statistics.median(r["requests"] for r in group)),
                     "requests_over_network_median": round(statistics.median(r["requests_over_network"]
                                                                             for r in group)),
                     "third_party_requests": max(r["third_party_requests"] for r in group)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default="plain,invigilated", help="plain, invigilated or both")
    parser.add_argument("--runs", type=int, default=3, help="cold + warm loads per scenario, each in a new context")
    parser.add_argument("--json", action="store_true", help="print the figures (and every request) as JSON")
    parser.add_argument("--http2", action="store_true", help="serve with hypercorn over TLS and HTTP/2")
    args = parser.parse_args()
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    with tempfile.TemporaryDirectory() as workdir:
        if not args.json:
            print("preparing the demo database…", flush=True)
        url, attempts = prepare(Path(workdir))
        env = {"COP_DATABASE_URL": url, "COP_SECRET_KEY": SECRET, "COP_PASSWORD_HASH_PROFILE": "fast",
               "COP_LOGIN_THROTTLE": "0"}
        server = Http2Server(env, Path(workdir)) if args.http2 else Server("assessment.wsgi:app", env, workers=2, threads=8)
        try:
            results = run(server.url, attempts, scenarios, args.runs)
        finally:
            server.stop()
    report = {"server": "hypercorn, TLS, HTTP/2" if args.http2 else "gunicorn, HTTP/1.1",
              "link": {"latency_ms": LINK["latency"], "down_bytes_per_s": LINK["downloadThroughput"],
                       "up_bytes_per_s": LINK["uploadThroughput"]},
              "targets": {"bytes": TARGET_BYTES, "time_to_interactive_ms": TARGET_TTI_MS, "third_party_requests": 0},
              "summary": summary(results), "loads": results}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"server: {report['server']}; link: 1.6 Mbit/s each way, 150 ms latency")
    print(f"{'scenario':<12} {'load':<5} {'runs':>4} {'TTI p50 (ms)':>13} {'TTI max':>8} {'bytes':>8} "
          f"{'to TTI':>8} {'requests':>9} {'over net':>9} {'3rd party':>10}")
    for row in report["summary"]:
        print(f"{row['scenario']:<12} {row['load']:<5} {row['runs']:>4} {row['time_to_interactive_ms_median']:>13} "
              f"{row['time_to_interactive_ms_max']:>8} {row['bytes_median']:>8} "
              f"{row['bytes_to_interactive_median']:>8} {row['requests_median']:>9} "
              f"{row['requests_over_network_median']:>9} {row['third_party_requests']:>10}")
    first_cold = next((r for r in results if r["load"] == "cold"), None)
    if first_cold:
        print("\nthe first cold load, by request:")
        for r in first_cold["detail"]:
            print(f"  {r['sent_ms']:>5} → {r['finished_ms'] if r['finished_ms'] is not None else '–':>5} ms"
                  f"  {r['bytes']:>7} B  {'gzip' if r['gzip'] else '    '}  {r['status']}  {r['protocol']}"
                  f"  {r['path']}")


if __name__ == "__main__":
    main()
