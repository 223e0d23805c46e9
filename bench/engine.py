"""Answers per second and per-answer latency through engine + storage, beside a plain baseline.

    python -m bench.engine [--respondents 1000] [--interval 5] [--backends sqlite,postgresql]

Scenarios, each run on SQLite (WAL) and on PostgreSQL (CSMM_BENCH_POSTGRES_URL, else
CSMM_TEST_POSTGRES_URL, names a server; a scratch database is created and dropped):
  baseline  the same number of plain SQLAlchemy single-row INSERT + COMMIT calls, one at a time;
  (a) burst every respondent answers the whole questionnaire as fast as they can, all at once;
  (b) paced every respondent answers once every --interval seconds (1,000 × 1/5 s = 200/s offered),
            starting at random offsets, until they have submitted.
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, String, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.assessments import Assessments
from bot.i18n import localizers
from bot.service_types import Participant
from conversations.questionnaire import load_questionnaire
from conversations.questions import QuestionKind, QuestionSequence
from storage.database import Database

TEAM_SIZE = 10


class _BaselineBase(DeclarativeBase):
    pass


class BaselineRow(_BaselineBase):
    __tablename__ = "bench_baseline"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(Integer)


@dataclass
class Figures:
    name: str
    count: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def line(self, baseline: Figures | None = None) -> str:
        lat = sorted(self.latencies_ms)
        p50 = statistics.median(lat)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        ratio = f"  {self.rate / baseline.rate:5.2f}× baseline" if baseline else ""
        return (
            f"  {self.name:<28} {self.count:>7} in {self.seconds:7.2f} s = {self.rate:7.0f}/s"
            f"   p50 {p50:6.2f} ms   p99 {p99:7.2f} ms{ratio}"
        )


def answers_for(sequence: QuestionSequence, rng: random.Random) -> list[str]:
    """A complete, valid set of typed answers ending with submit."""
    typed = []
    for question in sequence.questions:
        if question.kind is QuestionKind.PRACTICE:
            typed.append(str(rng.choice([0, 1, 2, 3, 4])))
        elif question.kind is QuestionKind.ROLE:
            typed.append(str(rng.randint(1, 4)))
        elif question.kind is QuestionKind.NUMBER:
            typed.append(str(rng.randint(0, 100)))
        else:
            typed.append("Slow replies on busy days")
    return [*typed, "submit"]


@asynccontextmanager
async def scratch_database(backend: str) -> AsyncIterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        return
    server = os.environ.get("CSMM_BENCH_POSTGRES_URL") or os.environ.get("CSMM_TEST_POSTGRES_URL")
    if not server:
        raise SystemExit("set CSMM_BENCH_POSTGRES_URL (or CSMM_TEST_POSTGRES_URL) for PostgreSQL")
    name = f"csmm_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def _wal(dbapi_connection: Any, _record: Any) -> None:
    """The bot's durability settings (WAL, synchronous=NORMAL), nothing of its locking."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


async def baseline(url: str, count: int) -> Figures:
    """Plain SQLAlchemy: a default engine and session, one INSERT + COMMIT per call."""
    engine = create_async_engine(url)
    if make_url(url).get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _wal)
    sessions = async_sessionmaker(engine)
    async with engine.begin() as connection:
        await connection.run_sync(_BaselineBase.metadata.create_all)
    latencies = []
    started = time.perf_counter()
    for index in range(count):
        begin = time.perf_counter()
        async with sessions() as session:
            session.add(BaselineRow(question_id=f"q{index % 35}", value=index % 4))
            await session.commit()
        latencies.append((time.perf_counter() - begin) * 1000)
    figures = Figures("baseline insert+commit", count, time.perf_counter() - started, latencies)
    await engine.dispose()
    return figures


async def prepare(url: str, respondents: int) -> tuple[Assessments, Database, list[int]]:
    database = Database(url)
    await database.upgrade()
    assessments = Assessments(database, load_questionnaire(), localizers())
    ids = []
    for index in range(respondents):
        team = f"team-{index // TEAM_SIZE}"
        person = Participant("bench", team, team, f"person-{index}", f"Person {index}")
        ids.append((await assessments.open(person, "en")).response_id)
    return assessments, database, ids


async def run_scenario(
    name: str,
    url: str,
    respondents: int,
    pace: Callable[[random.Random], float] | None,
    interval: float,
) -> Figures:
    assessments, database, ids = await prepare(url, respondents)
    rng = random.Random(7)
    scripts = [answers_for(assessments.sequence, rng) for _ in ids]
    latencies: list[float] = []

    async def respondent(response_id: int, script: list[str], offset: float) -> None:
        if pace is not None:
            await asyncio.sleep(offset)
        next_at = time.perf_counter()
        for typed in script:
            begin = time.perf_counter()
            await assessments.handle_text(response_id, typed)
            latencies.append((time.perf_counter() - begin) * 1000)
            if pace is not None:
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    offsets = [pace(rng) if pace else 0.0 for _ in ids]
    started = time.perf_counter()
    await asyncio.gather(
        *(respondent(i, s, o) for i, s, o in zip(ids, scripts, offsets, strict=True))
    )
    seconds = time.perf_counter() - started
    await database.dispose()
    return Figures(name, len(latencies), seconds, latencies)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--respondents", type=int, default=1000)
    parser.add_argument(
        "--interval", type=float, default=5.0, help="seconds between answers in (b)"
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    questions = len(QuestionSequence(load_questionnaire())) + 1  # every answer, then submit
    total = args.respondents * questions
    offered = args.respondents / args.interval
    print(
        f"{args.respondents} respondents × {questions} inputs = {total} answers per scenario; "
        f"(b) offers {offered:.0f} answers/s"
    )
    for backend in args.backends.split(","):
        print(f"\n{backend}")
        async with scratch_database(backend) as url:
            base = await baseline(url, total)
            print(base.line())
        async with scratch_database(backend) as url:
            burst = await run_scenario("(a) as fast as they can", url, args.respondents, None, 0)
            print(burst.line(base))
        async with scratch_database(backend) as url:
            paced = await run_scenario(
                f"(b) one answer / {args.interval:g} s",
                url,
                args.respondents,
                lambda rng: rng.uniform(0, args.interval),
                args.interval,
            )
            print(paced.line(base))


if __name__ == "__main__":
    asyncio.run(main())
