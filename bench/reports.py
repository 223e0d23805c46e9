"""How long a report takes to build and render, beside baselines measured in the same run.

    python -m bench.reports [--snapshots 6] [--respondents 30] [--runs 20]

A team of --respondents people answers --snapshots snapshots on a scratch SQLite file; then:
  report     Assessments.report(): every snapshot scored, the change, notes and plan;
             baseline: fetching the latest snapshot's submitted answers alone;
  radar      the radar PNG;  trend  the trend PNG;
             baseline: an empty matplotlib figure of the same size saved as PNG;
  pdf        the whole PDF with both charts;
             baseline: a one-page reportlab document with a single paragraph.
Prints medians and p99s; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.assessments import Assessments
from bot.i18n import localizers
from bot.reports.charts import radar_png, trend_png
from bot.reports.pdf import report_pdf
from bot.service_types import Participant
from conversations.questionnaire import load_questionnaire
from conversations.questions import QuestionKind
from conversations.state import REVIEW
from storage import snapshot_lifecycle, snapshot_results
from storage.database import Database


def _figures(label: str, samples: list[float], baseline: list[float] | None = None) -> str:
    ordered = sorted(samples)
    median = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    line = f"  {label:<28} median {median * 1000:8.2f} ms   p99 {p99 * 1000:8.2f} ms"
    if baseline:
        line += f"   {median / statistics.median(baseline):6.1f}× baseline"
    return line


def _time(work: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return samples


async def _atime(work: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await work()
        samples.append(time.perf_counter() - start)
    return samples


async def _answer_all(assessments: Assessments, person: str, value: str) -> None:
    opened = await assessments.open(Participant("bench", "team", "team", person, person))
    state = opened.turn.state
    while state.position != REVIEW:
        if state.note_for is not None:
            text = "skip"
        else:
            kind = assessments.sequence.by_id(state.position).kind
            text = value if kind in (QuestionKind.PRACTICE, QuestionKind.ROLE) else "skip"
        state = (await assessments.handle_text(opened.response_id, text)).state
    await assessments.handle_text(opened.response_id, "submit")


def _blank_png() -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 10), dpi=110)
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _one_page_pdf() -> bytes:
    from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
    from reportlab.platypus import Paragraph, SimpleDocTemplate  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    SimpleDocTemplate(buffer).build([Paragraph("Level 3", getSampleStyleSheet()["Normal"])])
    return buffer.getvalue()


async def main(snapshots: int, respondents: int, runs: int) -> None:
    questionnaire = load_questionnaire()
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await database.upgrade()
        assessments = Assessments(database, questionnaire, localizers())
        for number in range(snapshots):
            value = str(2 + number % 3)
            for person in range(respondents):
                await _answer_all(assessments, f"p{person}", value)
            if number < snapshots - 1:
                await assessments.new_snapshot(await assessments.find_team("team"), "bench")
        team = await assessments.find_team("team")
        loc = assessments.localizer("tr")

        async def fetch_latest() -> object:
            async with database.reading() as session:
                latest = await snapshot_lifecycle.latest_snapshot(session, team.id)
                assert latest is not None
                return await snapshot_results.submitted_respondents(session, latest.id, "role")

        built = await assessments.report(team, "tr")
        print(
            f"{snapshots} snapshots × {respondents} respondents (SQLite); "
            f"{runs} runs each, Turkish report\n"
        )
        fetch = await _atime(fetch_latest, runs)
        print(_figures("baseline: fetch answers", fetch))
        print(
            _figures(
                "report (all snapshots)",
                await _atime(lambda: assessments.report(team, "tr"), runs),
                fetch,
            )
        )
        blank = _time(_blank_png, runs)
        print(_figures("baseline: blank PNG", blank))
        print(
            _figures(
                "radar PNG",
                _time(lambda: radar_png(questionnaire, built.history, loc), runs),
                blank,
            )
        )
        print(
            _figures(
                "trend PNG",
                _time(lambda: trend_png(questionnaire, built.history, loc), runs),
                blank,
            )
        )
        radar = radar_png(questionnaire, built.history, loc)
        trend = trend_png(questionnaire, built.history, loc)
        one_page = _time(_one_page_pdf, runs)
        print(_figures("baseline: one-page PDF", one_page))
        document = report_pdf(built.view, loc, radar=radar, trend=trend)
        print(
            _figures(
                "PDF with both charts",
                _time(lambda: report_pdf(built.view, loc, radar=radar, trend=trend), runs),
                one_page,
            )
        )
        print(
            f"\nsizes: radar {len(radar) / 1024:.0f} KB, trend {len(trend) / 1024:.0f} KB, "
            f"PDF {len(document) / 1024:.0f} KB"
        )
        await database.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=6)
    parser.add_argument("--respondents", type=int, default=30)
    parser.add_argument("--runs", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.snapshots, arguments.respondents, arguments.runs))
