"""Updates per second and answer-to-next-question latency through the Telegram bot, beside a
bare python-telegram-bot echo bot on the same fake Bot API.

    python -m bench.telegram [--people 100,1000] [--seed 7] [--flood-limit] [--api-latency MS]

For each number of people, two runs, each against a fresh fake Bot API server
(tests/telegram/fake_bot_api.py: real HTTP, and the bot's own getUpdates long polling):
  CSMM bot  `build_application` + `run_polling`, on a fresh SQLite file migrated like the tests'.
            Every person, all at once: /start, then answers each question the moment it
            arrives: presses a random option of the question message (the role, a scale point
            or "Don't know"), types a valid number or a short text where a question has no
            options (the question message then turns into its answer), and presses Submit at the
            review. A person is done when their report arrives.
  echo bot  a bare python-telegram-bot Application: a CallbackQueryHandler that answers the
            query, edits the message and sends a message back (with a keyboard), and a
            MessageHandler that replies (with a keyboard). As many people send the same
            sequences of typed and pressed updates as in the CSMM run.
The echo bot gets the update processor `build_application` gives (sequential or concurrent) and
the same rate limiter. Telegram's broadcast flood limit (the limiter's overall 30 requests/s that
carry a chat_id) is lifted in both runs: the fake has none, and the limit would hold either bot
to ~15 answers/s and measure nothing else. --flood-limit keeps it. The fake answers at once;
--api-latency adds a network's round trip to every call but getUpdates.

The fake and the simulated people run in a process of their own, so the bot's process does only
the bot's work. Latency runs from the moment a person's update is queued at the fake to the
moment the bot's next question message (or the review, or the final report) is created there;
it is shown overall and by step. The rate is updates over the wall time from the first update
queued to the last reply. "bot cpu" is the bot process's CPU time per update over that span
(event loop and, in brackets, the SQLite writer thread); "fake cpu" is the fake's process's
(people included), to show that the fake is not what limits the rate. The ratio compares
per-update cost with the echo bot's, in wall time and in bot CPU time (the target is within
3×). Also printed: Bot API calls per update by method, and any error replies of the fake or
warnings logged. Prints figures; asserts nothing about time.

Every person presses at once, so the latencies are mostly queueing behind the others. A run
takes as long as the bots need for 2 × N × 37 updates: about 20 minutes for 1,000 people on two
cores, 2 minutes for 100 (`make bench` runs 100). Needs the test extra (aiohttp, for the fake).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    SimpleUpdateProcessor,
    filters,
)

from bench.common import LogCounter, p99, quiet_logs
from bot.assessments import Assessments
from bot.i18n import localizers
from bot.telegram.app import build_application, run_polling
from conversations.questionnaire import NumberQuestion, load_questionnaire
from conversations.questions import QuestionKind, QuestionSequence
from storage.database import Database
from tests.telegram.fake_bot_api import JSON, FakeBotApi

TOKEN = "123456:BENCH-token"
FIRST_USER_ID = 100_000
WAIT_SECONDS = 300.0  # a person waiting longer than this for the bot's reply fails the run
SUBMIT = "r:submit"  # the review's button
CONTROLS = frozenset({"back", "skip", "why", "pause", "keep"})  # buttons that are not answers
FREE_TEXT = "Slow replies on busy days"
POLL_TIMEOUT = 10  # as run_polling
DATABASE_THREAD = "csmm-sqlite-writer"  # storage.database's thread name prefix
KEPT_CALLS = 1_000  # the fake's call and sent-message logs are trimmed to this many
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


# ---------------------------------------------------------------------- the fake, instrumented


class BenchBotApi(FakeBotApi):
    """The fake Bot API, plus a per-chat inbox of the messages the bot creates (with the time
    each was created), so thousands of simulated people wait on a queue instead of polling.
    Its logs of calls and sent messages, which a benchmark never reads, stay short."""

    def __init__(self, token: str, latency: float = 0.0) -> None:
        super().__init__(token)
        self.latency = latency  # seconds added to every call but getUpdates, as a network's
        self.polling = asyncio.Event()
        self.errors: Counter[str] = Counter()  # error replies, by method and description
        self.polls = 0  # getUpdates calls answered
        self.methods: Counter[str] = Counter()  # Bot API calls, by method
        self._inboxes: dict[int, asyncio.Queue[tuple[float, JSON]]] = {}

    def inbox(self, chat_id: int) -> asyncio.Queue[tuple[float, JSON]]:
        return self._inboxes.setdefault(chat_id, asyncio.Queue())

    def _create(self, chat: JSON, fields: JSON) -> JSON:
        message = super()._create(chat, fields)
        inbox = self._inboxes.get(chat["id"])
        if inbox is not None:
            inbox.put_nowait((time.perf_counter(), message))
        return message

    async def _get_updates(self, p: JSON) -> list[JSON]:
        self.polling.set()
        batch = await super()._get_updates(p)
        self.polls += 1
        return batch

    async def _handle(self, request: web.Request) -> web.Response:
        if self.latency and request.match_info["method"].lower() != "getupdates":
            await asyncio.sleep(self.latency)
        response = await super()._handle(request)
        self.methods[request.match_info["method"]] += 1
        if response.status != 200:
            description = json.loads(response.text or "{}").get("description", "")
            self.errors[f"{request.match_info['method']} {response.status} {description}"] += 1
        if len(self.calls) > 2 * KEPT_CALLS:
            del self.calls[:-KEPT_CALLS]
        if len(self._sent) > 2 * KEPT_CALLS:
            del self._sent[:-KEPT_CALLS]
        return response


# ---------------------------------------------------------------------- simulated people


@dataclass(frozen=True)
class Plan:
    """What the fake's process is to do: who, and which script."""

    people: int
    seed: int
    latency: float  # seconds the fake waits before answering a call (not getUpdates)
    echo_kinds: dict[int, list[str]] | None = None  # None: the CSMM script, recording kinds


@dataclass
class Outcome:
    """What the fake's process saw: wall time, latencies, what each person sent, errors."""

    seconds: float
    latencies_ms: list[list[float]]  # per person, in order: /start, the answers, submit
    kinds: dict[int, list[str]]  # user id → "text" or "press", per update sent
    errors: Counter[str]
    methods: Counter[str]  # Bot API calls by method
    polls: int = 0  # getUpdates calls answered
    cpu_seconds: float = 0.0  # the fake's process, people included
    failure: str | None = None


@dataclass
class Person:
    user_id: int
    latencies_ms: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


def payloads(message: JSON) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [str(b["callback_data"]) for row in rows for b in row if "callback_data" in b]


async def next_message(
    inbox: asyncio.Queue[tuple[float, JSON]], wanted: Callable[[JSON], bool], who: int
) -> tuple[float, JSON]:
    """The next message the bot creates in this chat that the person acts on."""
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                created, message = await inbox.get()
                if wanted(message):
                    return created, message
    except TimeoutError:
        raise AssertionError(f"person {who}: no reply within {WAIT_SECONDS:.0f} s") from None


def typed_answer(sequence: QuestionSequence, question_id: str, rng: random.Random) -> str:
    """A valid typed answer to a question without options: a number, or a short text."""
    question = sequence.by_id(question_id)
    if question.kind is QuestionKind.NUMBER and isinstance(question.source, NumberQuestion):
        low, high = max(question.source.min, 0), min(question.source.max, 100)
        return str(rng.randint(int(low), int(high)))
    return FREE_TEXT


async def csmm_person(
    api: BenchBotApi, person: Person, sequence: QuestionSequence, report_title: str, seed: int
) -> None:
    rng = random.Random(seed)
    user = api.user(person.user_id, f"Person {person.user_id}", language_code="en")
    inbox = api.inbox(person.user_id)

    def actionable(message: JSON) -> bool:
        return bool(payloads(message)) or str(message.get("text", "")).startswith(report_title)

    api.send_text(user, "/start")
    queued = time.perf_counter()
    person.kinds.append("text")
    while True:
        created, message = await next_message(inbox, actionable, person.user_id)
        person.latencies_ms.append((created - queued) * 1000)
        # The engine's payload, after the bot's "<response id>/" prefix: callback data by payload.
        buttons = {data.rpartition("/")[2]: data for data in payloads(message)}
        questions = [payload for payload in buttons if payload.startswith("q:")]
        if not buttons:  # the report
            return
        if SUBMIT in buttons:
            api.press(user, message, buttons[SUBMIT])
            person.kinds.append("press")
        elif not questions:
            raise AssertionError(f"person {person.user_id}: unexpected buttons {list(buttons)}")
        elif options := [q for q in questions if q.split(":")[-1] not in CONTROLS]:
            api.press(user, message, buttons[rng.choice(options)])
            person.kinds.append("press")
        else:
            api.send_text(user, typed_answer(sequence, questions[0].split(":")[1], rng))
            person.kinds.append("text")
        queued = time.perf_counter()


async def echo_person(api: BenchBotApi, person: Person, kinds: list[str], seed: int) -> None:
    """A CSMM person's sequence of typed and pressed updates, sent to the echo bot."""
    rng = random.Random(seed)
    user = api.user(person.user_id, f"Person {person.user_id}", language_code="en")
    inbox = api.inbox(person.user_id)
    message: JSON | None = None
    for kind in kinds:
        if kind == "press" and message is not None:
            api.press(user, message, rng.choice(payloads(message)))
        else:
            api.send_text(user, "/start" if message is None else "42")
        person.kinds.append(kind)
        queued = time.perf_counter()
        created, message = await next_message(inbox, lambda _message: True, person.user_id)
        person.latencies_ms.append((created - queued) * 1000)


async def simulate(api: BenchBotApi, plan: Plan) -> list[Person]:
    people = [Person(FIRST_USER_ID + index) for index in range(plan.people)]
    if plan.echo_kinds is not None:
        kinds = plan.echo_kinds
        await asyncio.gather(
            *(echo_person(api, p, kinds[p.user_id], plan.seed + p.user_id) for p in people)
        )
        return people
    sequence = QuestionSequence(load_questionnaire())
    loc = localizers()["en"]

    async def one(person: Person) -> None:
        title = loc._("Customer service maturity · {team}", team=f"Person {person.user_id}")
        await csmm_person(api, person, sequence, title, plan.seed + person.user_id)

    await asyncio.gather(*(one(person) for person in people))
    return people


def fake_side(connection: Connection, plan: Plan) -> None:
    """The fake Bot API's process: serve, tell the bot where, run the people, report back."""
    asyncio.run(_fake_side(connection, plan))


async def _fake_side(connection: Connection, plan: Plan) -> None:
    logs = quiet_logs("httpx", "httpcore", "telegram", "aiohttp", "asyncio")
    api = BenchBotApi(TOKEN, plan.latency)
    await api.start()
    try:
        connection.send(api.base_url)
        async with asyncio.timeout(60):
            await api.polling.wait()
        connection.send("started")
        started, cpu = time.perf_counter(), time.process_time()
        try:
            people = await simulate(api, plan)
        except Exception as exc:  # the bot's side must hear of it, not wait forever
            errors = api.errors + logs.counts
            failure = f"{type(exc).__name__}: {exc}"
            connection.send(Outcome(0.0, [], {}, errors, api.methods, failure=failure))
        else:
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            latencies = [person.latencies_ms for person in people]
            kinds = {person.user_id: person.kinds for person in people}
            errors = api.errors + logs.counts
            outcome = Outcome(seconds, latencies, kinds, errors, api.methods, api.polls, cpu)
            connection.send(outcome)
        await asyncio.to_thread(connection.recv)  # until the bot has stopped polling
    finally:
        await api.stop()


# ---------------------------------------------------------------------- the echo bot

ECHO_TEXT = (
    "7/35 · Measurement & KPIs\n\nWe track first-contact resolution for every channel and "
    "review it with the team at least once a month."
)
ECHO_KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Missing", callback_data="e:1"),
         InlineKeyboardButton("Ad hoc", callback_data="e:2")],
        [InlineKeyboardButton("Repeatable", callback_data="e:3"),
         InlineKeyboardButton("Systematic", callback_data="e:4")],
        [InlineKeyboardButton("Don't know", callback_data="e:0")],
    ]
)  # fmt: skip


async def echo_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    await query.answer()
    await query.edit_message_text(f"{ECHO_TEXT}\n\n✔️ {query.data}")
    await query.get_bot().send_message(query.message.chat.id, ECHO_TEXT, reply_markup=ECHO_KEYBOARD)


async def echo_text(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(f"{ECHO_TEXT}\n\n{message.text}", reply_markup=ECHO_KEYBOARD)


def mirror(processor: BaseUpdateProcessor) -> BaseUpdateProcessor:
    """A fresh update processor like the CSMM bot's: same class, same concurrency."""
    try:
        return type(processor)(processor.max_concurrent_updates)
    except TypeError:
        return SimpleUpdateProcessor(processor.max_concurrent_updates)


def rate_limiter(flood_limit: bool) -> AIORateLimiter:
    """build_application's limiter (max_retries=3), with or without the overall 30/s."""
    if flood_limit:
        return AIORateLimiter(max_retries=3)
    return AIORateLimiter(overall_max_rate=0, max_retries=3)


def echo_application(
    api_url: str, processor: BaseUpdateProcessor, limiter: AIORateLimiter | None
) -> AnyApplication:
    builder = ApplicationBuilder().token(TOKEN).base_url(api_url).concurrent_updates(processor)
    application: AnyApplication = (
        builder.build() if limiter is None else builder.rate_limiter(limiter).build()
    )
    application.add_handler(CallbackQueryHandler(echo_button))
    application.add_handler(MessageHandler(filters.TEXT, echo_text))
    return application


async def echo_polling(application: AnyApplication, stop: asyncio.Event) -> None:
    """The same polling as run_polling, without the menus."""
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES
        )
        await stop.wait()
        await application.updater.stop()
        await application.stop()


# ---------------------------------------------------------------------- runs


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    return f"p50 {statistics.median(ordered):6.0f}  p99 {p99(ordered):6.0f} ms"


def thread_cpu() -> dict[str, float]:
    """CPU seconds of this process's live threads, by name prefix (Linux; elsewhere empty)."""
    ticks = os.sysconf("SC_CLK_TCK")
    times: dict[str, float] = defaultdict(float)
    for thread in threading.enumerate():
        try:
            stat = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # from field 3, the state, on
        times[thread.name.split("_")[0]] += (int(fields[11]) + int(fields[12])) / ticks
    return times


@dataclass
class Figures:
    name: str
    seconds: float
    bot_cpu_seconds: float
    database_cpu_seconds: float  # of that, the SQLite writer thread's
    latencies_ms: list[list[float]]  # per person: /start, the answers, submit
    polls: int
    methods: Counter[str]
    fake_cpu_seconds: float

    @property
    def updates(self) -> int:
        return sum(len(person) for person in self.latencies_ms)

    @property
    def per_update_ms(self) -> float:
        return self.seconds / self.updates * 1000

    @property
    def cpu_per_update_ms(self) -> float:
        return self.bot_cpu_seconds / self.updates * 1000

    HEADER = (
        f"  {'':<9} {'seconds':>8} {'updates/s':>9} {'ms/update':>9}   bot cpu ms/update"
        f" (db thread)  fake cpu  latency p50 ms   p99 ms  updates/poll"
    )

    def line(self, echo: Figures | None = None) -> str:
        every = [ms for person in self.latencies_ms for ms in person]
        ordered = sorted(every)
        per = 1000 / self.updates
        ratio = ""
        if echo is not None:
            wall = self.per_update_ms / echo.per_update_ms
            cpu = self.cpu_per_update_ms / echo.cpu_per_update_ms
            ratio = f"   per-update cost {wall:4.2f}× echo (bot cpu {cpu:4.2f}×)"
        return (
            f"  {self.name:<9} {self.seconds:8.2f} {self.updates / self.seconds:9.0f}"
            f" {self.per_update_ms:9.2f}   {self.cpu_per_update_ms:17.2f}"
            f" {f'({self.database_cpu_seconds * per:.2f})':>11}  {self.fake_cpu_seconds * per:8.2f}"
            f"  {statistics.median(ordered):14.1f} {p99(ordered):8.1f}"
            f"  {self.updates / max(self.polls, 1):12.1f}{ratio}"
        )

    def phases(self) -> str:
        """Latency by step: /start to the first question, each answer to the next question,
        submit to the report (for the echo bot, the same positions in each person's run)."""
        start = [person[0] for person in self.latencies_ms]
        answers = [ms for person in self.latencies_ms for ms in person[1:-1]]
        submit = [person[-1] for person in self.latencies_ms]
        columns = "".join(f"   {percentiles(step):<26}" for step in (start, answers, submit))
        return f"  {self.name:<9}{columns}".rstrip()

    def calls(self) -> str:
        """Bot API calls per update, by method (the measured span and the bot's start)."""
        each = [f"{m} {n / self.updates:.2f}" for m, n in self.methods.most_common()]
        return f"  {self.name:<9}   " + ", ".join(each)


Polling = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


async def run(name: str, plan: Plan, bot_for: Callable[[str], Polling]) -> tuple[Figures, Outcome]:
    """Start the fake's process, run the bot against it until every person is done."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=fake_side, args=(theirs, plan), name="fake Bot API")
    process.start()
    theirs.close()  # so that a fake process that dies reads as EOF here, not as a hang
    bot: asyncio.Task[None] | None = None
    stop = asyncio.Event()
    try:
        base_url: str = await asyncio.to_thread(ours.recv)
        bot = asyncio.create_task(bot_for(base_url)(stop))
        started = await asyncio.to_thread(ours.recv)
        assert started == "started", started
        cpu, threads = time.process_time(), thread_cpu()
        outcome: Outcome = await asyncio.to_thread(ours.recv)
        cpu = time.process_time() - cpu
        database = thread_cpu().get(DATABASE_THREAD, 0.0) - threads.get(DATABASE_THREAD, 0.0)
    except EOFError:
        raise SystemExit(f"{name} run failed: the fake's process died") from None
    finally:
        stop.set()
        if bot is not None:
            await asyncio.wait_for(bot, 60)
        with contextlib.suppress(OSError):
            ours.send("stop")
        await asyncio.to_thread(process.join, 30)
        if process.is_alive():
            process.kill()
    if outcome.failure:
        raise SystemExit(f"{name} run failed: {outcome.failure}; {dict(outcome.errors)}")
    figures = Figures(
        name,
        outcome.seconds,
        cpu,
        database,
        outcome.latencies_ms,
        outcome.polls,
        outcome.methods,
        outcome.cpu_seconds,
    )
    return figures, outcome


@dataclass
class Setup:
    """What build_application gave, for the echo bot to mirror."""

    processor: BaseUpdateProcessor
    limited: bool  # whether it has a rate limiter at all


@dataclass(frozen=True)
class Settings:
    """The command line's choices, for both runs alike."""

    seed: int
    flood_limit: bool
    latency: float  # seconds


async def csmm_run(count: int, settings: Settings) -> tuple[Figures, Outcome, Setup]:
    questionnaire = load_questionnaire()
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await database.upgrade()
        assessments = Assessments(database, questionnaire, localizers())
        built: list[AnyApplication] = []

        def bot_for(base_url: str) -> Polling:
            application = build_application(assessments, TOKEN, base_url)
            if not settings.flood_limit and application.bot.rate_limiter is not None:
                application.bot._rate_limiter = rate_limiter(flood_limit=False)
            built.append(application)
            return lambda stop: run_polling(application, stop)

        try:
            plan = Plan(count, settings.seed, settings.latency)
            figures, outcome = await run("CSMM bot", plan, bot_for)
        finally:
            await database.dispose()
    application = built[0]
    limited = application.bot.rate_limiter is not None
    return figures, outcome, Setup(application.update_processor, limited)


async def echo_run(
    kinds: dict[int, list[str]], settings: Settings, setup: Setup
) -> tuple[Figures, Outcome]:
    def bot_for(base_url: str) -> Polling:
        limiter = rate_limiter(settings.flood_limit) if setup.limited else None
        application = echo_application(base_url, mirror(setup.processor), limiter)
        return lambda stop: echo_polling(application, stop)

    plan = Plan(len(kinds), settings.seed, settings.latency, kinds)
    return await run("echo bot", plan, bot_for)


def problems(name: str, outcome: Outcome, logs: LogCounter) -> list[str]:
    """Error replies of the fake, and warnings logged on either side, during one run."""
    found = outcome.errors + logs.counts
    logs.counts.clear()
    return [f"    {name}: {count}× {text[:140]}" for text, count in sorted(found.items())]


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--people", default="100,1000", help="comma-separated head counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--flood-limit",
        action="store_true",
        help="keep the rate limiter's overall 30 requests/s (Telegram's broadcast limit)",
    )
    parser.add_argument(
        "--api-latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="milliseconds the fake waits before answering each call but getUpdates,\n"
        "like a network's round trip to Telegram (default 0)",
    )
    args = parser.parse_args()
    settings = Settings(args.seed, args.flood_limit, args.api_latency / 1000)
    logs = quiet_logs("httpx", "httpcore", "telegram", "aiohttp", "asyncio")
    for count in (int(n) for n in args.people.split(",")):
        ours, outcome, setup = await csmm_run(count, settings)
        trouble = problems("CSMM bot", outcome, logs)
        echo, echo_outcome = await echo_run(outcome.kinds, settings, setup)
        trouble += problems("echo bot", echo_outcome, logs)
        each = "/".join(str(n) for n in sorted({len(k) for k in outcome.kinds.values()}))
        processor = setup.processor
        limiter = "no rate limiter"
        if setup.limited:
            limiter = f"flood limit {'kept' if args.flood_limit else 'lifted'}"
        print(
            f"\n{count} people × {each} updates = {ours.updates} updates per bot; "
            f"{type(processor).__name__}(max {processor.max_concurrent_updates}), {limiter}, "
            f"API latency {args.api_latency:g} ms"
        )
        print(Figures.HEADER)
        print(echo.line())
        print(ours.line(echo))
        steps = ("/start → 1st question", "answer → next question", "submit → report")
        print(f"\n  {'latency':<9}" + "".join(f"   {step:<26}" for step in steps).rstrip())
        print(echo.phases())
        print(ours.phases())
        print("\n  Bot API calls per update")
        print(echo.calls())
        print(ours.calls())
        if trouble:
            print("  warnings and error replies:\n" + "\n".join(trouble))


if __name__ == "__main__":
    asyncio.run(main())
