"""The PDF report: real reports built from scored answers, read back with pypdf."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from pypdf import PdfReader

from bot.reports.pdf import report_pdf
from conversations.action_plan import PlanItem, build_plan
from conversations.history import SnapshotScore, change_since_previous, plan_outcome
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire
from conversations.report import build_report
from conversations.report_view import ChangeNote, ReportView, SnapshotInfo
from conversations.scoring import Respondent, Result, score
from conversations.state import Answer, AnswerState

NOTE = "Queue < 5 min & SLA agreed with İzmir şube, doğru"


def person(
    questionnaire: Questionnaire,
    value_of: dict[int, int | None],
    key: str,
    role: str = "agent",
    numbers: dict[str, float] | None = None,
) -> Respondent:
    """Answers every practice by its level tag (None = don't know), plus some numbers."""
    answers = {
        pid: Answer(pid, AnswerState.DONT_KNOW)
        if value_of[p.level] is None
        else Answer(pid, AnswerState.ANSWERED, value_of[p.level])
        for pid, p in questionnaire.practices.items()
    }
    for question_id, number in (numbers or {}).items():
        answers[question_id] = Answer(question_id, AnswerState.ANSWERED, number)
    return Respondent(key, answers, role)


def plan_items(questionnaire: Questionnaire, result: Result) -> list[PlanItem]:
    items = []
    for number, planned in enumerate(build_plan(questionnaire, result), start=1):
        done = number % 3 == 1
        items.append(
            PlanItem(
                number=number,
                key=planned.key,
                kind=planned.kind,
                text=planned.text,
                dimension_id=planned.dimension_id,
                done=done,
                done_by="İsmail" if done else None,
                done_at=dt.datetime(2026, 4, 20, 9, 30) if done else None,
                owner="R&D <ops>" if number == 2 else "Ayşe" if number % 2 else None,
                due=dt.date(2026, 6, 30) if number % 2 else None,
            )
        )
    return items


def snapshot(number: int, opened_on: dt.date, result: Result, closed: bool) -> SnapshotScore:
    closed_on = opened_on + dt.timedelta(days=30) if closed else None
    return SnapshotScore(number, opened_on, closed_on, "2026.1", result.respondents, 0, result)


def full_report(questionnaire: Questionnaire, loc: Localizer) -> ReportView:
    """Second snapshot of a team: level 2 after level 1, role groups, gaps, numbers, notes."""
    before = score(
        questionnaire, [person(questionnaire, {2: 1, 3: 1, 4: 0}, f"b{i}") for i in "123"]
    )
    numbers = {"contacts_month": 12000, "csat": 87.5, "fcr": 70, "first_response": 45, "nps": 20}
    team = [person(questionnaire, {2: 2, 3: 0, 4: 1}, f"a{i}", "agent", numbers) for i in "123"]
    team += [person(questionnaire, {2: 3, 3: 3, 4: 1}, f"m{i}", "manager") for i in "123"]
    result = score(questionnaire, team)
    history = [
        snapshot(1, dt.date(2026, 1, 15), before, closed=True),
        snapshot(2, dt.date(2026, 4, 1), result, closed=False),
    ]
    info = SnapshotInfo("Destek İstanbul", 2, dt.date(2026, 4, 1), "2026.1", 6, 1)
    blocker = result.blockers[0].practice_id
    return build_report(
        questionnaire,
        result,
        plan_items(questionnaire, result),
        info,
        loc,
        history=history,
        change=change_since_previous(history),
        previous_plan=plan_outcome(questionnaire, 1, plan_items(questionnaire, before)),
        notes=[ChangeNote(blocker, NOTE)],
    )


def single_report(
    questionnaire: Questionnaire, loc: Localizer, team: list[Respondent]
) -> ReportView:
    result = score(questionnaire, team)
    info = SnapshotInfo("support", 1, dt.date(2026, 4, 1), "2026.1", len(team), 1)
    return build_report(questionnaire, result, plan_items(questionnaire, result), info, loc)


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (47, 102, 144)).save(buffer, "PNG")
    return buffer.getvalue()


def read(pdf: bytes) -> tuple[PdfReader, str]:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def squeeze(text: str) -> str:
    """Text without whitespace: table cells and paragraphs wrap lines where they like."""
    return re.sub(r"\s+", "", text)


def images(reader: PdfReader) -> int:
    return sum(len(page.images) for page in reader.pages)


@pytest.fixture(scope="module")
def turkish(questionnaire: Questionnaire, localizers: dict[str, Localizer]) -> ReportView:
    return full_report(questionnaire, localizers["tr"])


def test_turkish_report_keeps_turkish_text(
    turkish: ReportView, localizers: dict[str, Localizer]
) -> None:
    reader, text = read(report_pdf(turkish, localizers["tr"], radar=png(400, 400)))
    assert turkish.level_name == "Planlı Çalışma"
    assert "Planlı Çalışma" in text
    assert "Destek İstanbul" in text
    for letter in "İığşçöü":
        assert letter in text
    flat = squeeze(text)
    for row in turkish.dimensions:
        assert squeeze(row.title) in flat
    for section in turkish.sections:
        assert squeeze(section.heading) in flat
    assert reader.metadata is not None
    assert reader.metadata.title == turkish.title
    assert reader.metadata.author == "CSMM Bot"
    assert str(reader.root_object["/Lang"]) == "tr"
    assert fonts(reader) <= {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"}
    assert "DejaVuSans" in fonts(reader)


def fonts(reader: PdfReader) -> set[str]:
    """The embedded fonts, without the subset prefix ("AAAAAA+DejaVuSans" → "DejaVuSans")."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():  # type: ignore[index]
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def test_full_report_has_every_part(turkish: ReportView, localizers: dict[str, Localizer]) -> None:
    loc = localizers["tr"]
    reader, text = read(report_pdf(turkish, loc, radar=png(600, 600), trend=png(900, 400)))
    flat = squeeze(text)
    assert 2 <= len(reader.pages) <= 6
    assert images(reader) == 2
    for line in (turkish.overall_line, turkish.responses_line, turkish.level_change or "?"):
        assert squeeze(line) in flat
    for item in turkish.plan:
        assert squeeze(item.text) in flat
        assert squeeze(item.details) in flat
    assert "☑" in text
    assert "☐" in text
    assert squeeze(NOTE) in flat
    assert squeeze("R&D <ops>") in flat
    assert "▲" in text  # the change column, since there is a previous snapshot
    last = reader.pages[-1].extract_text()
    assert loc._("Page {number}", number=len(reader.pages)) in last


def test_english_report(questionnaire: Questionnaire, localizers: dict[str, Localizer]) -> None:
    view = full_report(questionnaire, localizers["en"])
    _, text = read(report_pdf(view, localizers["en"]))
    assert "Level 2 · Planned" in text
    assert "Dimension" in text
    assert "Change" in text
    assert "Page 1" in text


def test_change_column_only_with_a_previous_snapshot(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    team = [person(questionnaire, {2: 2, 3: 2, 4: 2}, "a")]
    view = single_report(questionnaire, localizers["en"], team)
    _, text = read(report_pdf(view, localizers["en"]))
    assert "Level 3 · Measured" in text
    assert "Dimension" in text
    assert "Change" not in text
    assert "▲" not in text


def test_report_without_responses(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    view = single_report(questionnaire, localizers["tr"], [])
    assert view.empty_note is not None
    reader, text = read(report_pdf(view, localizers["tr"]))
    assert squeeze(view.empty_note) in squeeze(text)
    assert squeeze(view.responses_line) in squeeze(text)
    # No level, score or dimension table for a snapshot nobody answered.
    for absent in (view.level_line, view.overall_line, localizers["tr"]._("Dimension")):
        assert squeeze(absent) not in squeeze(text)
    assert squeeze(view.plan_heading) in squeeze(text)
    assert images(reader) == 0


def test_report_with_only_dont_know(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    team = [person(questionnaire, {2: None, 3: None, 4: None}, "a")]
    view = single_report(questionnaire, localizers["en"], team)
    assert all(row.score is None for row in view.dimensions)
    reader, text = read(report_pdf(view, localizers["en"], radar=png(300, 300)))
    assert "Overall score: – of 100" in text
    assert "Don't know" in text
    assert images(reader) == 1


def test_charts_are_optional(turkish: ReportView, localizers: dict[str, Localizer]) -> None:
    without, _ = read(report_pdf(turkish, localizers["tr"]))
    trend_only, _ = read(report_pdf(turkish, localizers["tr"], trend=png(800, 300)))
    assert images(without) == 0
    assert images(trend_only) == 1


def drawn_sizes(reader: PdfReader) -> list[tuple[float, float]]:
    """Width and height each image is drawn at: the scale of the last ``cm`` before ``Do``."""
    sizes = []
    for page in reader.pages:
        contents = page.get_contents()
        assert contents is not None
        scale = (0.0, 0.0)
        for operands, operator in contents.operations:
            if operator == b"cm":
                scale = (float(operands[0]), float(operands[3]))
            elif operator == b"Do":
                sizes.append(scale)
    return sizes


def test_charts_keep_their_aspect_ratio_and_fit_the_page(
    turkish: ReportView, localizers: dict[str, Localizer]
) -> None:
    radar, trend = png(500, 1000), png(3000, 1000)
    reader, _ = read(report_pdf(turkish, localizers["tr"], radar=radar, trend=trend))
    embedded = [image.image.size for page in reader.pages for image in page.images if image.image]
    assert sorted(embedded) == [(500, 1000), (3000, 1000)]  # the PNGs themselves, not resampled
    (radar_width, radar_height), (trend_width, trend_height) = drawn_sizes(reader)
    assert radar_width / radar_height == pytest.approx(0.5, rel=0.01)
    assert trend_width / trend_height == pytest.approx(3.0, rel=0.01)
    a4_width_less_margins = 595.28 - 2 * 2 * 72 / 2.54
    assert trend_width == pytest.approx(a4_width_less_margins, abs=1)  # as wide as the text
    assert radar_height < 842 / 2


def test_output_is_deterministic(turkish: ReportView, localizers: dict[str, Localizer]) -> None:
    chart = png(200, 200)
    first = report_pdf(turkish, localizers["tr"], radar=chart)
    assert report_pdf(turkish, localizers["tr"], radar=chart) == first


def test_long_team_name_is_shortened_in_the_footer(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    loc = localizers["tr"]
    result = score(questionnaire, [person(questionnaire, {2: 2, 3: 1, 4: 1}, "a")])
    team = "Müşteri Deneyimi & Çağrı Merkezi <İstanbul> " * 4
    info = SnapshotInfo(team, 1, dt.date(2026, 4, 1), "2026.1", 1, 0)
    view = build_report(questionnaire, result, [], info, loc)
    reader, text = read(report_pdf(view, loc))
    assert squeeze(view.title) in squeeze(text)  # the page itself shows the whole title
    for number, page in enumerate(reader.pages, start=1):
        lines = page.extract_text().splitlines()
        assert loc._("Page {number}", number=number) in lines
        footer = [line for line in lines if line.endswith("…")]
        assert len(footer) == 1
        assert view.title.startswith(footer[0].removesuffix("…"))
        assert len(footer[0]) < len(view.title) * 3 // 4
