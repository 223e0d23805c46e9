"""Invitations, button presses per second and press-to-next-question latency through the Slack
app, beside a bare slack_bolt AsyncApp on the same fake Slack.

    python -m bench.slack [--people 50] [--seed 7] [--api-latency MS] [--shared-session]

Two runs, each against a fresh fake Slack (tests/slack/fake_slack.py: the Web API over real
HTTP, and signed requests into the app over real HTTP) in a process of its own:
  CSMM app  `SlackChannel` served by `run_http` (the app's own aiohttp server), on a fresh SQLite
            file migrated like the tests'. N people share one channel with the bot; the first
            is a workspace admin. (a) The admin types `/maturity start` and the app DMs all N
            an invitation: timed from the command to the last invitation posted. (b) Then all N
            at once press Start and answer the whole questionnaire by pressing buttons (a
            random answer option, Skip where a question has none, Submit at the review), each
            waiting for the app's next question before pressing again. (c) After the last
            Submit, the results reach the channel: the report's parent message, the radar chart
            in its thread, and the action-plan checklist.
  baseline  a bare slack_bolt AsyncApp served through the same aiohttp adapter
            (slack_bolt.adapter.aiohttp to_bolt_request / to_aiohttp_response), whose button
            listener acknowledges, edits the pressed message (chat.update) and posts a message
            with buttons (chat.postMessage): the Web API calls the CSMM app makes per answer.
            The same N people press as many times each as in the CSMM run, each waiting for the
            new message before pressing again.

Latency runs from the moment the fake sends a press to the moment the app's next message (the
next question, or for Submit the confirmation) is created at the fake; "ack" is the press's
HTTP round trip (the app acknowledges before it answers). The rate is presses over the wall time
from the first press to the last reply. "app cpu" is the app's process's CPU time per press
over that span (event loop, threads and, in brackets, the SQLite writer thread); "fake cpu" is
the fake's process's (people included), to show that the fake is not what limits the rate.
--api-latency adds a network's round trip to every Web API call. --shared-session gives both
apps' Web API clients one aiohttp session (kept-alive connections) instead of slack_sdk's
default of a new session, and so a new connection, per call. Prints figures; asserts nothing
about time.

Everyone presses at once, so the latencies are mostly queueing behind the others. 50 people take
about 40 seconds on two cores. Needs the test extra (aiohttp, for the fake).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import random
import re
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bench.common import p99, quiet_logs
from bot.assessments import Assessments
from bot.i18n import localizers
from bot.slack.app import EVENTS_PATH, SlackChannel, SlackConfig
from bot.slack.dm import START_ACTION
from bot.slack.server import MAX_BODY_BYTES, run_http
from conversations.questionnaire import load_questionnaire
from storage.database import Database
from tests.slack.fake_slack import JSON, FakeSlack, Message
from tests.slack.helpers import free_port, listening, settle
from tests.slack.journey import ANSWER, CONTROLS

CHANNEL = "C0BENCH"
WAIT_SECONDS = 120.0  # a person waiting longer than this for the app's reply fails the run
SUBMIT = "r:submit"  # the review's button value ends so
DATABASE_THREAD = "csmm-sqlite-writer"  # storage.database's thread name prefix
KEPT_CALLS = 1_000  # the fake's call log is trimmed to this many
ECHO_ACTION = "echo"
ECHO_PROGRESS = "7/35 · Measurement & KPIs"
ECHO_TEXT = (
    "We track first-contact resolution for every channel and review it with the team at least "
    "once a month."
)
ECHO_HINT = "Your answers stay private: the channel sees only the team's results."
ECHO_ROWS = (
    (("Missing", "e:1"), ("Ad hoc", "e:2"), ("Repeatable", "e:3"), ("Systematic", "e:4")),
    (("Don't know", "e:0"),),
    (("Skip", "e:skip"), ("Back", "e:back"), ("Pause", "e:pause"), ("Why?", "e:why")),
)


def user_id(index: int) -> str:
    return f"U{index:05d}"


def ms(seconds: float) -> float:
    return seconds * 1000


# ---------------------------------------------------------------------- the fake, instrumented


class BenchSlack(FakeSlack):
    """The fake Slack, plus a per-channel inbox of the messages the app posts (with the time
    each was created), so people wait on a queue instead of polling; the times of ephemeral
    notes and completed uploads; Web API calls and error replies by method. Its call log,
    which a benchmark never reads, stays short."""

    def __init__(self, latency: float) -> None:
        # Slack returns up to `limit` members a page; the tests' fake pages by 2 on purpose.
        super().__init__(members_page_size=1000)
        self.latency = latency  # seconds added to every Web API call, as a network's
        self.methods: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.ephemeral_times: list[float] = []
        self.upload_times: list[float] = []
        self.noted = asyncio.Event()  # set at every ephemeral note and upload
        self._inboxes: dict[str, asyncio.Queue[tuple[float, Message]]] = {}

    async def start(self) -> None:
        await super().start()
        # Every person presses at once: no connection limit (aiohttp's default is 100).
        assert self._session is not None
        await self._session.close()
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=60)
        )

    def inbox(self, channel: str) -> asyncio.Queue[tuple[float, Message]]:
        return self._inboxes.setdefault(channel, asyncio.Queue())

    async def seed(self, user: str, blocks: list[JSON]) -> Message:
        """A message from the bot in the person's DM, as if the app had posted it."""
        request: Any = None  # the method reads nothing from it
        await self._post_message(
            {"channel": self.dm_id(user), "text": ECHO_TEXT, "blocks": blocks},
            self._default,
            request,
        )
        return self.dm(user)[-1]

    async def _post_message(self, p: JSON, ws: Any, r: web.Request) -> JSON:
        result = await super()._post_message(p, ws, r)
        inbox = self._inboxes.get(str(result["channel"]))
        if inbox is not None:
            inbox.put_nowait((time.perf_counter(), self._messages[str(result["channel"])][-1]))
        return result

    async def _post_ephemeral(self, p: JSON, ws: Any, r: web.Request) -> JSON:
        result = await super()._post_ephemeral(p, ws, r)
        self.ephemeral_times.append(time.perf_counter())
        self.noted.set()
        return result

    async def _complete_upload(self, p: JSON, ws: Any, r: web.Request) -> JSON:
        result = await super()._complete_upload(p, ws, r)
        self.upload_times.append(time.perf_counter())
        self.noted.set()
        return result

    async def _api(self, request: web.Request) -> web.StreamResponse:
        if self.latency:
            await asyncio.sleep(self.latency)
        response = await super()._api(request)
        name = request.match_info["method"]
        self.methods[name] += 1
        body = response.body if isinstance(response, web.Response) else None
        if response.status != 200 or (isinstance(body, bytes) and b'"ok": false' in body[:20]):
            error = json.loads(body).get("error", "?") if isinstance(body, bytes) else "?"
            self.errors[f"{name} {response.status} {error}"] += 1
        if len(self.calls) > 2 * KEPT_CALLS:
            del self.calls[:-KEPT_CALLS]
        return response


# ---------------------------------------------------------------------- simulated people


@dataclass(frozen=True)
class Plan:
    """What the fake's process is to do: who, and which script."""

    people: int
    seed: int
    latency: float  # seconds the fake waits before answering a Web API call
    presses: dict[str, int] | None = None  # None: the CSMM script; else presses per person


@dataclass(frozen=True)
class Hello:
    """Where the fake listens, and what the app needs to talk to it."""

    base_url: str
    signing_secret: str
    bot_token: str


@dataclass
class Press:
    step: str  # "start", "answer", "submit" (the baseline: "press")
    latency_ms: float  # sent → the app's next message created at the fake
    ack_ms: float  # sent → the app's HTTP acknowledgement


@dataclass
class Person:
    user: str
    presses: list[Press] = field(default_factory=list)
    last_sent: float = 0.0  # perf_counter when their last press went out
    last_reply: float = 0.0  # … and when the reply to it arrived


@dataclass
class Outcome:
    """What the fake's process saw."""

    people: list[Person] = field(default_factory=list)
    press_seconds: float = 0.0  # first press sent → last reply
    command_ack_ms: float = 0.0  # /maturity start's HTTP round trip
    invited_seconds: float = 0.0  # /maturity start → the last invitation posted
    summary_seconds: float = 0.0  # /maturity start → the note telling the admin how many
    results: dict[str, float] = field(default_factory=dict)  # last Submit → each part, seconds
    methods: Counter[str] = field(default_factory=Counter)  # Web API calls while pressing
    errors: Counter[str] = field(default_factory=Counter)
    cpu_seconds: float = 0.0  # the fake's process while pressing, people included
    failure: str | None = None


async def next_message(
    inbox: asyncio.Queue[tuple[float, Message]], wanted: Callable[[Message], bool], who: str
) -> tuple[float, Message]:
    """The next message the app posts in this conversation that the person acts on."""
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                created, message = await inbox.get()
                if wanted(message):
                    return created, message
    except TimeoutError:
        raise AssertionError(f"{who}: no reply within {WAIT_SECONDS:.0f} s") from None


def values(message: Message) -> list[str]:
    return [str(b.get("value") or "") for b in FakeSlack.buttons(message)]


def is_question(message: Message) -> bool:
    """A question (answer buttons) or the review (Submit)."""
    return any(ANSWER.match(v) or v.endswith(SUBMIT) for v in values(message))


def has_start(message: Message) -> bool:
    return any(b["action_id"] == START_ACTION for b in FakeSlack.buttons(message))


def choose(message: Message, rng: random.Random) -> str:
    """The button value a person presses: Submit at the review, else a random answer option,
    else Skip (a number or free-text question)."""
    found = values(message)
    submit = [v for v in found if v.endswith(SUBMIT)]
    if submit:
        return submit[0]
    options = [v for v in found if (m := ANSWER.match(v)) and m.group("action") not in CONTROLS]
    if options:
        return rng.choice(options)
    skips = [v for v in found if v.endswith(":skip")]
    if not skips:
        raise AssertionError(f"nothing to press among {found}")
    return skips[0]


async def press(fake: BenchSlack, person: Person, message: Message, value: str) -> float:
    """Press the button with ``value`` in ``message``; when it went out."""

    def this_one(button: JSON) -> bool:
        return bool(button["value"] == value)

    sent = time.perf_counter()
    status, _body = await fake.press(person.user, this_one, message=message)
    if status != 200:
        raise AssertionError(f"{person.user}: press answered HTTP {status}")
    person.last_sent = sent
    return sent


async def csmm_person(fake: BenchSlack, person: Person, invitation: Message, seed: int) -> None:
    """Start, then answer every question the moment it arrives, then Submit."""
    rng = random.Random(seed)
    inbox = fake.inbox(fake.dm_id(person.user))
    message, step = invitation, "start"
    start = next(b for b in fake.buttons(invitation) if b["action_id"] == START_ACTION)
    value = str(start["value"])
    while True:
        sent = await press(fake, person, message, value)
        acked = time.perf_counter()
        wanted = (lambda _m: True) if step == "submit" else is_question
        created, message = await next_message(inbox, wanted, person.user)
        person.presses.append(Press(step, ms(created - sent), ms(acked - sent)))
        person.last_reply = created
        if step == "submit":
            return
        value = choose(message, rng)
        step = "submit" if value.endswith(SUBMIT) else "answer"


def echo_blocks() -> list[JSON]:
    """A question-like message: progress, text, the scale, Don't know, the controls, a hint."""
    count = iter(range(100))
    rows = [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": label},
                    "action_id": f"{ECHO_ACTION}-{next(count)}",
                    "value": value,
                }
                for label, value in row
            ],
        }
        for row in ECHO_ROWS
    ]
    return [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": ECHO_PROGRESS}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{ECHO_TEXT}*"}},
        *rows,
        {"type": "context", "elements": [{"type": "mrkdwn", "text": ECHO_HINT}]},
    ]


async def echo_person(fake: BenchSlack, person: Person, presses: int, seed: int) -> None:
    rng = random.Random(seed)
    inbox = fake.inbox(fake.dm_id(person.user))
    message = await fake.seed(person.user, echo_blocks())
    inbox.get_nowait()  # the seeded message itself
    for _ in range(presses):
        sent = await press(fake, person, message, rng.choice(values(message)))
        acked = time.perf_counter()
        created, message = await next_message(inbox, lambda _m: True, person.user)
        person.presses.append(Press("press", ms(created - sent), ms(acked - sent)))
        person.last_reply = created


async def until(fake: BenchSlack, ready: Callable[[], bool], what: str) -> None:
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while not ready():
                fake.noted.clear()
                await fake.noted.wait()
    except TimeoutError:
        raise AssertionError(f"no {what} within {WAIT_SECONDS:.0f} s") from None


async def invite_everyone(
    fake: BenchSlack, people: list[Person], outcome: Outcome
) -> list[Message]:
    """The admin's `/maturity start`; everyone's invitation."""
    admin = people[0].user
    inboxes = [fake.inbox(fake.dm_id(p.user)) for p in people]
    sent = time.perf_counter()
    status, _body = await fake.command(admin, CHANNEL, "start 14")
    outcome.command_ack_ms = ms(time.perf_counter() - sent)
    if status != 200:
        raise AssertionError(f"/maturity start answered HTTP {status}")
    invited = await asyncio.gather(
        *(next_message(inbox, has_start, p.user) for inbox, p in zip(inboxes, people, strict=True))
    )
    outcome.invited_seconds = max(created for created, _ in invited) - sent
    await until(fake, lambda: bool(fake.ephemeral_times), "note on the invitations")
    outcome.summary_seconds = fake.ephemeral_times[0] - sent
    return [message for _, message in invited]


async def results_posted(fake: BenchSlack, last_submit: float) -> dict[str, float]:
    """Seconds from the last Submit to the report's parent message, the radar chart and the
    checklist in the channel."""
    inbox = fake.inbox(CHANNEL)
    parent, _ = await next_message(inbox, lambda m: m.thread_ts is None, "the channel")
    checklist, _ = await next_message(inbox, lambda m: bool(fake.checkboxes(m)), "the channel")
    await until(fake, lambda: bool(fake.upload_times), "radar chart")
    return {
        "report": parent - last_submit,
        "chart": fake.upload_times[0] - last_submit,
        "checklist": checklist - last_submit,
    }


async def simulate(fake: BenchSlack, plan: Plan, connection: Connection) -> Outcome:
    outcome = Outcome()
    people = [Person(user_id(index)) for index in range(plan.people)]
    for index, person in enumerate(people):
        fake.add_user(person.user, f"Person {index}", is_admin=index == 0)
    fake.add_channel(CHANNEL, "bench", [p.user for p in people] + [fake.bot_user_id])
    channel_inbox = fake.inbox(CHANNEL)
    invitations: list[Message] = []
    if plan.presses is None:
        invitations = await invite_everyone(fake, people, outcome)
        while not channel_inbox.empty():  # the announcement
            channel_inbox.get_nowait()
    methods = Counter(fake.methods)
    connection.send(("mark", "pressing"))
    began, cpu = time.perf_counter(), time.process_time()
    if plan.presses is None:
        await asyncio.gather(
            *(
                csmm_person(fake, person, invitation, plan.seed + index)
                for index, (person, invitation) in enumerate(zip(people, invitations, strict=True))
            )
        )
    else:
        presses = plan.presses
        await asyncio.gather(
            *(
                echo_person(fake, person, presses[person.user], plan.seed + index)
                for index, person in enumerate(people)
            )
        )
    connection.send(("mark", "pressed"))
    outcome.cpu_seconds = time.process_time() - cpu
    outcome.press_seconds = max(p.last_reply for p in people) - began
    outcome.methods = Counter(fake.methods) - methods
    if plan.presses is None:
        outcome.results = await results_posted(fake, max(p.last_sent for p in people))
    outcome.people = people
    return outcome


def fake_side(connection: Connection, plan: Plan) -> None:
    """The fake Slack's process: serve, tell the app where, run the people, report back."""
    asyncio.run(_fake_side(connection, plan))


async def _fake_side(connection: Connection, plan: Plan) -> None:
    logs = quiet_logs("aiohttp", "asyncio", "slack_bolt", "slack_sdk")
    fake = BenchSlack(plan.latency)
    await fake.start()
    try:
        connection.send(Hello(fake.base_url, fake.signing_secret, fake.bot_token))
        fake.app_url = await asyncio.to_thread(connection.recv)
        try:
            outcome = await simulate(fake, plan, connection)
        except Exception as exc:  # the app's side must hear of it, not wait forever
            outcome = Outcome(failure=f"{type(exc).__name__}: {exc}")
        outcome.errors = fake.errors + logs.counts
        connection.send(outcome)
        await asyncio.to_thread(connection.recv)  # until the app has stopped
    finally:
        await fake.stop()


# ---------------------------------------------------------------------- the apps


@contextlib.asynccontextmanager
async def csmm_app(hello: Hello, session: aiohttp.ClientSession | None) -> AsyncIterator[str]:
    """`SlackChannel` on the app's own aiohttp server, on a fresh SQLite file; its URL."""
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await database.upgrade()
        assessments = Assessments(database, load_questionnaire(), localizers())
        config = SlackConfig(hello.signing_secret, hello.base_url, bot_token=hello.bot_token)
        channel = SlackChannel(assessments, config)
        if session is not None:
            channel.app.client.session = session  # Bolt's per-request clients take it over
        port, stop = free_port(), asyncio.Event()
        server = asyncio.create_task(run_http(channel, stop, host="127.0.0.1", port=port))
        try:
            await listening(port)
            yield f"http://127.0.0.1:{port}{EVENTS_PATH}"
        finally:
            await settle()  # listeners still running after their acknowledgement
            stop.set()
            await server
            await database.dispose()


def echo_listener(app: AsyncApp) -> None:
    @app.action(re.compile(rf"^{ECHO_ACTION}-\d+$"))
    async def pressed(ack: AsyncAck, body: JSON, client: AsyncWebClient) -> None:
        await ack()
        container = body["container"]
        value = body["actions"][0]["value"]
        answered = f"{ECHO_TEXT}\n✔️ *{value}*"
        await client.chat_update(
            channel=container["channel_id"],
            ts=container["message_ts"],
            text=answered,
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": answered}}],
        )
        await client.chat_postMessage(
            channel=container["channel_id"], text=ECHO_TEXT, blocks=echo_blocks()
        )


@contextlib.asynccontextmanager
async def baseline_app(hello: Hello, session: aiohttp.ClientSession | None) -> AsyncIterator[str]:
    """A bare AsyncApp behind aiohttp through Bolt's own adapter; its URL."""
    client = AsyncWebClient(token=hello.bot_token, base_url=hello.base_url, session=session)
    app = AsyncApp(signing_secret=hello.signing_secret, client=client)
    echo_listener(app)

    async def dispatch(request: web.Request) -> web.StreamResponse:
        response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    server = web.Application(client_max_size=MAX_BODY_BYTES)
    server.router.add_post(EVENTS_PATH, dispatch)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    port = free_port()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await listening(port)
        yield f"http://127.0.0.1:{port}{EVENTS_PATH}"
    finally:
        await settle()
        await runner.cleanup()


# ---------------------------------------------------------------------- runs


def thread_cpu(prefix: str) -> float:
    """CPU seconds of this process's live threads named ``prefix``… (Linux; elsewhere 0)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for thread in threading.enumerate():
        if not thread.name.startswith(prefix):
            continue
        try:
            stat = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # from field 3, the state, on
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@dataclass
class Figures:
    name: str
    outcome: Outcome
    app_cpu_seconds: float
    database_cpu_seconds: float  # of that, the SQLite writer thread's

    @property
    def presses(self) -> list[Press]:
        return [p for person in self.outcome.people for p in person.presses]

    @property
    def count(self) -> int:
        return len(self.presses)

    @property
    def rate(self) -> float:
        return self.count / self.outcome.press_seconds

    def p50(self, step: str | None = None) -> float:
        return statistics.median(p.latency_ms for p in self.presses if step in (None, p.step))

    HEADER = (
        f"  {'':<9} {'presses':>7} {'seconds':>7} {'presses/s':>9} {'latency p50':>11}"
        f" {'p99 ms':>7} {'ack p50':>7} {'p99 ms':>7}   app cpu ms/press (db thread)"
        "  fake cpu"
    )

    def line(self) -> str:
        latency = sorted(p.latency_ms for p in self.presses)
        acks = sorted(p.ack_ms for p in self.presses)
        per = 1000 / self.count
        database = f"({self.database_cpu_seconds * per:.2f})"
        return (
            f"  {self.name:<9} {self.count:7d} {self.outcome.press_seconds:7.2f}"
            f" {self.rate:9.1f} {statistics.median(latency):11.1f} {p99(latency):7.1f}"
            f" {statistics.median(acks):7.1f} {p99(acks):7.1f}"
            f"   {self.app_cpu_seconds * per:16.2f} {database:>11}"
            f"  {self.outcome.cpu_seconds * per:8.2f}"
        )

    def steps(self) -> str:
        """Latency by step: Start → first question, answer → next, Submit → confirmation."""
        columns = []
        for step in ("start", "answer", "submit"):
            ordered = sorted(p.latency_ms for p in self.presses if p.step == step)
            columns.append(f"{step} p50 {statistics.median(ordered):6.1f}  p99 {p99(ordered):6.1f}")
        return f"  {self.name:<9}   " + "   ".join(columns) + " ms"

    def calls(self) -> str:
        """Web API calls per press, by method."""
        each = [f"{m} {n / self.count:.2f}" for m, n in self.outcome.methods.most_common()]
        return f"  {self.name:<9}   " + ", ".join(each)


AppFactory = Callable[
    [Hello, aiohttp.ClientSession | None], contextlib.AbstractAsyncContextManager[str]
]


async def run(name: str, plan: Plan, app_for: AppFactory, shared_session: bool) -> Figures:
    """Start the fake's process and the app; run the people until everyone is done."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=fake_side, args=(theirs, plan), name="fake Slack")
    process.start()
    theirs.close()  # so that a fake process that dies reads as EOF here, not as a hang
    marks: dict[str, tuple[float, float]] = {}
    try:
        hello: Hello = await asyncio.to_thread(ours.recv)
        async with contextlib.AsyncExitStack() as stack:
            session = None
            if shared_session:
                session = await stack.enter_async_context(aiohttp.ClientSession())
            ours.send(await stack.enter_async_context(app_for(hello, session)))
            while True:
                received = await asyncio.to_thread(ours.recv)
                if isinstance(received, tuple):  # ("mark", name)
                    marks[received[1]] = (time.process_time(), thread_cpu(DATABASE_THREAD))
                    continue
                outcome: Outcome = received
                break
    except EOFError:
        raise SystemExit(f"{name} run failed: the fake's process died") from None
    finally:
        with contextlib.suppress(OSError):
            ours.send("stop")
        await asyncio.to_thread(process.join, 30)
        if process.is_alive():
            process.kill()
    if outcome.failure:
        raise SystemExit(f"{name} run failed: {outcome.failure}; {dict(outcome.errors)}")
    (cpu0, db0), (cpu1, db1) = marks["pressing"], marks["pressed"]
    return Figures(name, outcome, cpu1 - cpu0, db1 - db0)


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}×" if theirs else "–"


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--api-latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="milliseconds the fake waits before answering each Web API call,\n"
        "like a network's round trip to Slack (default 0)",
    )
    parser.add_argument(
        "--shared-session",
        action="store_true",
        help="one aiohttp session for each app's Web API calls (default: slack_sdk's,\n"
        "a new session and connection per call)",
    )
    args = parser.parse_args()
    threshold = load_questionnaire().anonymity_threshold
    if args.people < threshold:
        # below the anonymity threshold no results reach the channel, and the run waits for them
        parser.error(f"--people must be at least the anonymity threshold ({threshold})")
    logs = quiet_logs("aiohttp", "asyncio", "slack_bolt", "slack_sdk")
    latency = args.api_latency / 1000
    ours = await run(
        "CSMM app", Plan(args.people, args.seed, latency), csmm_app, args.shared_session
    )
    presses = {person.user: len(person.presses) for person in ours.outcome.people}
    baseline = await run(
        "baseline",
        Plan(args.people, args.seed, latency, presses),
        baseline_app,
        args.shared_session,
    )
    trouble = ours.outcome.errors + baseline.outcome.errors + logs.counts

    each = "/".join(str(n) for n in sorted(set(presses.values())))
    out = ours.outcome
    print(
        f"\nSlack: {args.people} people × {each} presses = {ours.count} presses per app; SQLite; "
        f"API latency {args.api_latency:g} ms; Web API session "
        f"{'shared' if args.shared_session else 'new per call (slack_sdk default)'}"
    )
    print(
        f"  {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"slack_bolt {version('slack_bolt')}, slack_sdk {version('slack_sdk')}, "
        f"aiohttp {version('aiohttp')}"
    )
    print(
        f"\n  invitations  /maturity start acknowledged in {out.command_ack_ms:.0f} ms;"
        f" {args.people} invited in {out.invited_seconds:.2f} s"
        f" ({args.people / out.invited_seconds:.1f}/s); admin told at {out.summary_seconds:.2f} s"
    )
    print("\n" + Figures.HEADER)
    print(baseline.line())
    print(ours.line())
    print(
        f"  CSMM app / baseline: latency p50 {ratio(ours.p50(), baseline.p50())}"
        f" (answer → next question {ratio(ours.p50('answer'), baseline.p50())}),"
        f" throughput {ratio(ours.rate, baseline.rate)},"
        f" app cpu per press {ratio(ours.app_cpu_seconds, baseline.app_cpu_seconds)}"
    )
    print("\n  latency by step")
    print(ours.steps())
    results = out.results
    print(
        f"\n  results  last Submit → report in the channel {results['report']:.2f} s,"
        f" radar chart {results['chart']:.2f} s, checklist {results['checklist']:.2f} s"
    )
    print("\n  Web API calls per press")
    print(baseline.calls())
    print(ours.calls())
    if trouble:
        lines = [f"    {n}× {text[:140]}" for text, n in sorted(trouble.items())]
        print("  warnings and error replies:\n" + "\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
