"""The simulated candidates of the delivery load bench (bench/load_delivery.py), run as one asyncio
client process per share of the candidates. Each process records samples ``[t, ms, ok]`` per stage
(``t`` in seconds from the common start, when the request was sent), errors by kind, and every save
acknowledged with ``written: true``, and reports its own CPU time so the generator's cost is known.

The requests follow the exam player (static/js/player): sign in, the start page and its form, the
player page (its CSRF meta tag), the claim of this window's device id that answers with the exam
and the storage key, then saves with ``seen_seq`` taken from each acknowledgement's
``last_seq``, and a state poll now and then.
"""
from __future__ import annotations

import asyncio
import datetime
import random
import re
import resource
import time
from collections import Counter, defaultdict
from contextlib import AsyncExitStack

import aiohttp

PASSWORD = "bench password for candidates"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
MESSAGE_POLL_S = 10.0  # static/js/player/messages.js: a look for the invigilator's messages at least this often


class Recorder:
    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.samples: dict[str, list] = defaultdict(list)
        self.errors: Counter = Counter()
        self.acks: dict[int, list] = defaultdict(list)
        self.per_instance: Counter = Counter()  # requests sent to each app instance (base URL)
        self.heartbeats_acknowledged = 0
        self.heartbeats_carried = 0  # of those, acknowledged inside a save's answer
        self.messages_with_saves = 0  # looks for the invigilator's messages answered by a save
        self.messages_with_heartbeats = 0  # … and by a batch of heartbeats sent on its own
        self.timeout = aiohttp.ClientTimeout(total=30)
        self.cpu_at_start = 0.0

    def begin(self) -> None:
        """The common start (after the barrier): times and the generator's CPU count from here."""
        self.t0 = time.monotonic()
        self.cpu_at_start = cpu_seconds()

    def now(self) -> float:
        return time.monotonic() - self.t0

    def sample(self, stage: str, sent_at: float, ok: bool) -> None:
        self.samples[stage].append([round(sent_at, 4), round((self.now() - sent_at) * 1000, 2), ok])

    def error(self, kind: str) -> None:
        self.errors[kind] += 1


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Refused(Exception):
    """An answer the bench did not expect (it is counted by kind, and the candidate carries on or stops)."""


class Route:
    """Which app instance a candidate's next request goes to. ``stick``: always the same one;
    ``alternate``: the next instance on every request; ``switch``: one instance, then, from
    ``switch_at`` (seconds from the start), the next one for good."""

    def __init__(self, bases: list[str], policy: str, index: int, switch_at: float = 0.0) -> None:
        self.bases, self.policy, self.index, self.switch_at = bases, policy, index, switch_at
        self.requests = 0

    def base(self, now: float) -> str:
        self.requests += 1
        if self.policy == "alternate":
            return self.bases[(self.index + self.requests) % len(self.bases)]
        if self.policy == "switch" and now >= self.switch_at:
            return self.bases[(self.index + 1) % len(self.bases)]
        return self.bases[self.index % len(self.bases)]


class Candidate:
    def __init__(self, client: aiohttp.ClientSession, route: Route, rec: Recorder, email: str,
                 attempt_id: int | None, device: str) -> None:
        self.client, self.route, self.rec = client, route, rec
        self.email, self.attempt_id, self.device = email, attempt_id, device
        self.token = ""
        self.seen = 0
        self.slots = [1]
        self.counter = 0
        self.answers: dict[int, str | None] = {}
        self.beats = 0
        self.queued: list[dict] = []  # heartbeats not yet acknowledged
        self.carrying = False  # a save is carrying them: nothing sends them alone meanwhile (as the player)
        self.ride = True  # saves carry queued heartbeats; saves and heartbeats ask for messages
        self.looks = False  # invigilated: the player looks for the invigilator's messages
        self.last_look = 0.0  # when it last did (by a poll, or with a save)

    def url(self, path: str) -> str:
        base = self.route.base(self.rec.now())
        self.rec.per_instance[base] += 1
        return base + path

    async def call(self, stage: str, method: str, path: str, expect: int = 200, **kwargs):
        """One timed request: (status, body as JSON or text). A transport failure or an unexpected
        status raises Refused after counting it under ``stage``."""
        sent = self.rec.now()
        try:
            async with self.client.request(method, self.url(path), allow_redirects=False, **kwargs) as response:
                body = await (response.json() if response.content_type == "application/json" else response.text())
                status, location = response.status, response.headers.get("Location", "")
        except Exception as error:  # noqa: BLE001 - a benchmark counts failures instead of stopping
            self.rec.error(f"{stage}: {type(error).__name__}")
            raise Refused(stage) from error
        self.rec.sample(stage, sent, status == expect)
        if status != expect:
            code = body.get("code", "") if isinstance(body, dict) else ""
            self.rec.error(f"{stage}: HTTP {status} {code}".strip())
            raise Refused(stage)
        return body, location

    async def sign_in(self) -> None:
        sent = self.rec.now()
        page, _ = await self.call("login_page", "GET", "/login")
        token = CSRF_INPUT.search(page).group(1)
        # The token belongs to the session, not the page: the API accepts it in the header until the
        # player page hands out its own (the storm fetches that page; the others need not).
        self.token = token
        await self.call("login_post", "POST", "/login", expect=302,
                        data={"email": self.email, "password": PASSWORD, "csrf_token": token})
        self.rec.sample("sign_in", sent, True)

    def api(self, suffix: str = "") -> str:
        return f"/api/v1/attempts/{self.attempt_id}{suffix}"

    async def start(self, sitting_id: int) -> None:
        """The start page, its form with the declaration, and the player page it leads to."""
        page, _ = await self.call("start_page", "GET", f"/sittings/{sitting_id}/start")
        token = CSRF_INPUT.search(page).group(1)
        _, location = await self.call("start_post", "POST", f"/sittings/{sitting_id}/start", expect=302,
                                      data={"csrf_token": token, "declaration": "y"})
        self.attempt_id = int(re.search(r"/attempts/(\d+)", location).group(1))
        player, _ = await self.call("player_page", "GET", f"/attempts/{self.attempt_id}")
        self.token = CSRF_META.search(player).group(1)

    async def load_exam(self) -> None:
        """The player's first load, as the player makes it: one claim of this window that answers
        with the state, the content and the storage key (a started attempt belongs to the start
        form's device until then)."""
        state, _ = await self.call("exam_load", "POST", self.api("/claim"),
                                   json={"device_id": self.device, "with_exam": True},
                                   headers={"X-CSRFToken": self.token})
        if state.get("read_only"):  # the claim (or the set-up's device id) did not make this window the active one
            self.rec.error("exam_load: read-only")
        # "A"–"D" answers fit single best answer items only; other slots would be a 422.
        self.slots = [item["slot"] for item in state.get("items", []) if item.get("type") == "sba"] or [1]
        self.seen = state.get("last_seq", 0)
        self.answers = {row["slot"]: row.get("answer") for row in state.get("slots", [])}

    async def read_state(self) -> None:
        state, _ = await self.call("state", "GET", self.api("/state"), params={"device_id": self.device})
        self.seen = max(self.seen, state.get("last_seq", 0))

    async def save(self, rng: random.Random) -> None:
        """One save, resent once with a fresh ``seen_seq`` if refused as stale (as the player's outbox
        does). Only a 200 with ``written: true`` is an acknowledgement to check against the database."""
        self.counter += 1
        step_id = f"{self.device}-{self.counter}"
        slot = rng.choice(self.slots)
        # Always a change: a save equal to the slot's state is acknowledged without a write, and the
        # write path is what is measured.
        answer = rng.choice([option for option in "ABCD" if option != self.answers.get(slot)])
        body = {"slot": slot, "payload": {"answer": answer, "flagged": False, "struck": []},
                "client_step_id": step_id, "device_id": self.device}
        # Queued heartbeats ride on the save, as the player's do (not with --heartbeats-apart).
        riders = list(self.queued) if self.ride and not self.carrying else []
        if riders:
            body["events"] = riders
            self.carrying = True
        # And the save asks for the messages when the last look is half a poll's interval old.
        if self.asks_messages():
            body["messages"] = True
        try:
            await self._save(body, slot, answer, step_id)
        finally:
            if riders:
                self.carrying = False

    async def _save(self, body: dict, slot: int, answer: str, step_id: str) -> None:
        for _ in range(2):
            sent = self.rec.now()
            try:
                async with self.client.post(self.url(self.api("/responses")), json={**body, "seen_seq": self.seen},
                                            headers={"X-CSRFToken": self.token}) as response:
                    reply = await response.json(content_type=None)
                    status = response.status
            except Exception as error:  # noqa: BLE001
                self.rec.error(f"save: {type(error).__name__}")
                return
            self.rec.sample("save", sent, status == 200)
            if status == 200:
                self._acknowledged((reply.get("events") or {}).get("acknowledged", []), carried=True)
                if isinstance(reply.get("messages"), list):
                    self.last_look = self.rec.now()
                    self.rec.messages_with_saves += 1
                self.answers[slot] = answer
                if reply.get("written"):
                    self.rec.acks[self.attempt_id].append([step_id, reply["seq"]])
                self.seen = reply.get("last_seq", reply["seq"])
                return
            code = reply.get("code", "") if isinstance(reply, dict) else ""
            self.rec.error(f"save: HTTP {status} {code}".strip())
            if code != "stale":
                return
            self.seen = reply["state"]["last_seq"]

    def queue_heartbeat(self) -> None:
        """A heartbeat, queued as the invigilation module of the player queues it."""
        self.beats += 1
        at = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
        self.queued.append({"id": f"hb-{self.device}-{self.beats}", "kind": "heartbeat", "at": at,
                            "data": {"camera": "on", "online": True, "queued": len(self.queued)}})

    def _acknowledged(self, ids: list[str], *, carried: bool) -> None:
        done = set(ids)
        before = len(self.queued)
        self.queued = [event for event in self.queued if event["id"] not in done]
        self.rec.heartbeats_acknowledged += before - len(self.queued)
        if carried:
            self.rec.heartbeats_carried += before - len(self.queued)

    def asks_messages(self) -> bool:
        """As the player: a save or a batch of heartbeats asks for the messages when the last look is
        half a poll's interval old."""
        return self.looks and self.ride and self.rec.now() - self.last_look >= MESSAGE_POLL_S / 2

    async def send_heartbeats(self) -> None:
        """What is queued, in an events batch of its own (as the player sends heartbeats no save carried),
        asking for the messages as a save would."""
        if not self.queued or self.carrying:
            return
        body = {"events": list(self.queued)}
        if self.asks_messages():
            body["messages"] = True
        answer, _ = await self.call("heartbeat", "POST", f"/api/v1/invigilation/attempts/{self.attempt_id}/events",
                                    json=body, headers={"X-CSRFToken": self.token})
        self._acknowledged(answer.get("acknowledged", []), carried=False)
        if isinstance(answer.get("messages"), list):
            self.last_look = self.rec.now()
            self.rec.messages_with_heartbeats += 1

    async def poll_messages(self) -> None:
        await self.call("messages", "GET", f"/api/v1/invigilation/attempts/{self.attempt_id}/messages")
        self.last_look = self.rec.now()

    async def submit(self) -> None:
        await self.call("submit", "POST", self.api("/submit"), json={}, headers={"X-CSRFToken": self.token})


def _session(rec: Recorder, connector) -> aiohttp.ClientSession:
    # One cookie jar per candidate (its own session), one connection pool per process.
    return aiohttp.ClientSession(connector=connector, connector_owner=False, timeout=rec.timeout,
                                 cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _sleep_until(rec: Recorder, at: float) -> None:
    delay = at - rec.now()
    if delay > 0:
        await asyncio.sleep(delay)


async def _heartbeats(rec, person: Candidate, stop_at: float, interval: float, rng: random.Random,
                      ride: bool) -> None:
    """A heartbeat every ``interval``. Riding (the player's way since heartbeats ride on saves): it
    waits up to half an interval for a save to carry it, then goes on its own; apart: at once."""
    await asyncio.sleep(rng.uniform(0, interval))  # candidates' timers are not in step
    while rec.now() < stop_at:
        person.queue_heartbeat()
        wait = interval / 2 if ride else 0.0
        await asyncio.sleep(wait)
        try:
            await person.send_heartbeats()
        except Refused:
            pass
        await asyncio.sleep(interval - wait)


async def _message_looks(rec, person: Candidate, stop_at: float) -> None:
    """The player's look for the invigilator's messages: a poll when the page opens, then whenever
    ``MESSAGE_POLL_S`` pass with no look (riding, a save's answer is a look; apart, every interval)."""
    while rec.now() < stop_at:
        due = person.last_look + MESSAGE_POLL_S - rec.now() if person.last_look else 0.0
        if due > 0:
            await asyncio.sleep(min(due, stop_at - rec.now()) + 0.001)
            continue
        try:
            await person.poll_messages()
        except Refused:
            person.last_look = rec.now()  # as the player: the next round tries again


async def _sitting(rec, connector, route, entry, arrive_at, stop_at, gap, rng, heartbeat_every=0.0,
                   ride=True) -> None:
    """Paced and scale-out: arrive, sign in, load, then a save every ``gap`` seconds (uniform) with a
    state poll every fifth action, and submit at the end."""
    email, attempt_id, device = entry
    await _sleep_until(rec, arrive_at)
    async with _session(rec, connector) as client:
        person = Candidate(client, route, rec, email, attempt_id, device)
        person.ride = ride
        person.looks = bool(heartbeat_every)
        try:
            await person.sign_in()
            await person.load_exam()
        except Refused:
            return
        beating = (asyncio.create_task(_heartbeats(rec, person, stop_at, heartbeat_every, random.Random(rng.random()),
                                                   ride)) if heartbeat_every else None)
        looking = asyncio.create_task(_message_looks(rec, person, stop_at)) if heartbeat_every else None
        actions = 0
        while True:
            await asyncio.sleep(rng.uniform(*gap))
            if rec.now() >= stop_at:
                break
            actions += 1
            if actions % 5 == 0:
                try:
                    await person.read_state()
                except Refused:
                    pass
            await person.save(rng)
        for task in (beating, looking):
            if task:
                await task
        try:
            await person.submit()
        except Refused:
            pass


async def _storm(rec, connector, route, entry, arrive_at, sitting_id) -> None:
    email, _, device = entry
    await _sleep_until(rec, arrive_at)
    async with _session(rec, connector) as client:
        person = Candidate(client, route, rec, email, None, device)
        try:
            await person.sign_in()
            pressed = rec.now()
            await person.start(sitting_id)
            await person.load_exam()
            rec.sample("start_to_exam", pressed, True)  # what the candidate waits for after pressing Start
        except Refused:
            pass


async def _closed(job, rec, connector, plan, routes, barrier) -> None:
    """Everyone signs in and loads first (not measured); then, from a common start shared with the
    other client processes, saves back to back for ``duration`` seconds."""
    async with AsyncExitStack() as stack:
        people = []
        for index, (entry, route) in enumerate(zip(plan, routes)):
            client = await stack.enter_async_context(_session(rec, connector))
            people.append(Candidate(client, route, rec, *entry))

        async def ready(person):
            try:
                await person.sign_in()
                await person.load_exam()
                return person
            except Refused:
                return None

        people = [p for p in await asyncio.gather(*(ready(p) for p in people)) if p]
        await asyncio.to_thread(barrier.wait)
        rec.begin()
        rec.samples.clear()
        rng = random.Random(job["seed"])

        async def loop(person):
            while rec.now() < job["duration"]:
                await person.save(rng)

        await asyncio.gather(*(loop(p) for p in people))


async def _ceiling(job, rec, connector, routes, barrier) -> None:
    """The same closed loop against the minimal upsert endpoint: one row per client."""
    await asyncio.to_thread(barrier.wait)
    rec.begin()
    async with _session(rec, connector) as client:
        async def loop(row, route):
            while rec.now() < job["duration"]:
                sent = rec.now()
                try:
                    async with client.post(f"{route.base(sent)}/save/{row}", data='{"answer": "B"}') as response:
                        await response.read()
                        ok = response.status == 200
                except Exception as error:  # noqa: BLE001
                    rec.error(f"ceiling: {type(error).__name__}")
                    continue
                rec.sample("ceiling", sent, ok)

        await asyncio.gather(*(loop(row, route) for row, route in zip(job["rows"], routes)))


def _routes(job) -> list[Route]:
    bases, routes = job["bases"], []
    for index in job["indexes"]:
        if job["scenario"] == "scaleout":
            # Even candidates alternate request by request; odd ones move to the other instance for
            # good halfway through (a load balancer draining one instance).
            policy = "alternate" if index % 2 == 0 else "switch"
        else:
            policy = "stick"
        routes.append(Route(bases, policy, index, job.get("switch_at", 0.0)))
    return routes


async def _run(job, barrier) -> Recorder:
    rec = Recorder()
    rec.timeout = aiohttp.ClientTimeout(total=job["timeout"])
    connector = aiohttp.TCPConnector(limit=job["connections"], force_close=False, keepalive_timeout=60)
    routes = _routes(job)
    try:
        if job["scenario"] == "closed":
            await _closed(job, rec, connector, job["plan"], routes, barrier)
        elif job["scenario"] == "ceiling":
            await _ceiling(job, rec, connector, routes, barrier)
        else:
            await asyncio.to_thread(barrier.wait)
            rec.begin()
            rng = random.Random(job["seed"])
            arrivals = job["arrivals"]
            if job["scenario"] == "storm":
                await asyncio.gather(*(_storm(rec, connector, route, entry, at, job["sitting_id"])
                                       for entry, route, at in zip(job["plan"], routes, arrivals)))
            else:
                beat = job["heartbeat_gap"] if job["heartbeats"] else 0.0
                await asyncio.gather(*(_sitting(rec, connector, route, entry, at, job["stop_at"], job["gap"],
                                                random.Random(rng.random()), beat, job["heartbeats_ride"])
                                       for entry, route, at in zip(job["plan"], routes, arrivals)))
    finally:
        await connector.close()
    rec.wall_s = rec.now()
    rec.cpu_s = cpu_seconds() - rec.cpu_at_start
    return rec


def client_process(job: dict, barrier, results) -> None:
    """Entry point of one client process: run its share, put its measurements on ``results``."""
    try:
        rec = asyncio.run(_run(job, barrier))
    except BaseException as error:  # noqa: BLE001 - the parent must hear of it rather than wait for ever
        results.put({"failed": f"{type(error).__name__}: {error}"})
        raise
    results.put({"samples": dict(rec.samples), "errors": dict(rec.errors),
                 "acks": {str(k): v for k, v in rec.acks.items()},
                     "per_instance": dict(rec.per_instance),
                     "heartbeats_acknowledged": rec.heartbeats_acknowledged,
                     "heartbeats_carried": rec.heartbeats_carried,
                     "messages_with_saves": rec.messages_with_saves,
                     "messages_with_heartbeats": rec.messages_with_heartbeats,
                 "cpu_s": rec.cpu_s, "wall_s": rec.wall_s})
