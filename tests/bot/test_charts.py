"""The radar and trend PNGs: real images, drawn from real scores, in both languages."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from bot.reports.charts import radar_png, trend_png
from conversations.history import SnapshotScore
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire
from conversations.scoring import Respondent, score
from conversations.state import Answer, AnswerState

Chart = Callable[[Questionnaire, Sequence[SnapshotScore], Localizer], bytes]
CHARTS = [pytest.param(radar_png, id="radar"), pytest.param(trend_png, id="trend")]


def person(questionnaire: Questionnaire, value: int | None, key: str = "p") -> Respondent:
    """Answers every practice with ``value``; None answers "don't know" throughout."""
    answers = {
        practice_id: Answer(practice_id, AnswerState.DONT_KNOW)
        if value is None
        else Answer(practice_id, AnswerState.ANSWERED, value)
        for practice_id in questionnaire.practices
    }
    return Respondent(key, answers)


def mixed(questionnaire: Questionnaire, offset: int, key: str) -> Respondent:
    """Different adoption per practice, so that dimensions get different scores."""
    answers = {
        practice_id: Answer(practice_id, AnswerState.ANSWERED, (i + offset) % 4)
        for i, practice_id in enumerate(questionnaire.practices)
    }
    return Respondent(key, answers)


def snapshot(
    questionnaire: Questionnaire, number: int, respondents: Sequence[Respondent]
) -> SnapshotScore:
    return SnapshotScore(
        number=number,
        opened_on=dt.date(2026, 1, 5) + dt.timedelta(days=70 * number),
        closed_on=None,
        questionnaire_version=questionnaire.version,
        submitted=len(respondents),
        in_progress=0,
        result=score(questionnaire, respondents),
    )


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    image.load()
    return image.convert("RGB")


def differs(first: bytes, second: bytes) -> bool:
    a, b = decode(first), decode(second)
    return a.size != b.size or ImageChops.difference(a, b).getbbox() is not None


@pytest.fixture
def history(questionnaire: Questionnaire) -> list[SnapshotScore]:
    """Three snapshots over a year: low, then nobody answered, then better and mixed."""
    return [
        snapshot(questionnaire, 1, [person(questionnaire, 1, "a"), person(questionnaire, 0, "b")]),
        snapshot(questionnaire, 2, []),
        snapshot(questionnaire, 3, [mixed(questionnaire, k, f"p{k}") for k in range(3)]),
    ]


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("locale", ["en", "tr"])
def test_chart_is_a_readable_png(
    chart: Chart,
    locale: str,
    questionnaire: Questionnaire,
    localizers: dict[str, Localizer],
    history: list[SnapshotScore],
) -> None:
    png = chart(questionnaire, history, localizers[locale])
    image = decode(png)
    width, height = image.size
    assert 1000 <= width <= 1400
    assert 600 <= height <= 1400
    assert 10_000 < len(png) < 500_000
    assert image.getpixel((2, 2)) == (255, 255, 255)  # white background, not transparent
    assert len(image.getcolors(maxcolors=1_000_000) or []) > 50  # something is drawn on it


@pytest.mark.parametrize("chart", CHARTS)
def test_different_scores_draw_different_pictures(
    chart: Chart, questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    loc = localizers["en"]
    low = [snapshot(questionnaire, 1, [person(questionnaire, 1)])]
    high = [snapshot(questionnaire, 1, [person(questionnaire, 3)])]
    assert differs(chart(questionnaire, low, loc), chart(questionnaire, high, loc))


@pytest.mark.parametrize("chart", CHARTS)
def test_same_scores_draw_the_same_bytes(
    chart: Chart,
    questionnaire: Questionnaire,
    localizers: dict[str, Localizer],
    history: list[SnapshotScore],
) -> None:
    loc = localizers["tr"]
    assert chart(questionnaire, history, loc) == chart(questionnaire, history, loc)


def test_radar_overlays_the_previous_scored_snapshot(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    loc = localizers["en"]
    earlier = snapshot(questionnaire, 1, [person(questionnaire, 1)])
    empty = snapshot(questionnaire, 2, [])
    latest = snapshot(questionnaire, 3, [mixed(questionnaire, 0, "p")])
    alone = radar_png(questionnaire, [latest], loc)
    with_previous = radar_png(questionnaire, [earlier, empty, latest], loc)
    assert differs(alone, with_previous)
    # An empty snapshot after the latest scored one changes nothing: it has no scores to show.
    assert radar_png(questionnaire, [earlier, empty, latest, empty], loc) == with_previous


def test_radar_without_scores_is_the_empty_grid(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    loc = localizers["en"]
    nothing = radar_png(questionnaire, [], loc)
    decode(nothing)
    assert radar_png(questionnaire, [snapshot(questionnaire, 1, [])], loc) == nothing
    one = radar_png(questionnaire, [snapshot(questionnaire, 1, [person(questionnaire, 2)])], loc)
    assert differs(nothing, one)


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("case", ["no snapshots", "single", "zero responses", "all don't know"])
def test_edge_cases_render(
    chart: Chart,
    case: str,
    questionnaire: Questionnaire,
    localizers: dict[str, Localizer],
) -> None:
    histories = {
        "no snapshots": [],
        "single": [snapshot(questionnaire, 1, [mixed(questionnaire, 1, "p")])],
        "zero responses": [snapshot(questionnaire, 1, [])],
        "all don't know": [snapshot(questionnaire, 1, [person(questionnaire, None)])],
    }
    history = histories[case]
    if case == "all don't know":
        assert history[0].scored
        assert all(value is None for value in history[0].result.dimensions.values())
    for loc in localizers.values():
        image = decode(chart(questionnaire, history, loc))
        assert 1000 <= image.size[0] <= 1400


def test_unscored_snapshots_stay_on_the_trend_axis(
    questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> None:
    loc = localizers["en"]
    scored = snapshot(questionnaire, 1, [person(questionnaire, 2)])
    with_gap = trend_png(questionnaire, [scored, snapshot(questionnaire, 2, [])], loc)
    assert differs(trend_png(questionnaire, [scored], loc), with_gap)


def test_turkish_text_has_every_glyph(
    questionnaire: Questionnaire,
    localizers: dict[str, Localizer],
    history: list[SnapshotScore],
) -> None:
    tr = localizers["tr"]
    assert any(ch in tr._(d.title) for d in questionnaire.dimensions for ch in "İığşçöü")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        radar = radar_png(questionnaire, history, tr)
        trend = trend_png(questionnaire, history, tr)
    assert not [w for w in caught if "glyph" in str(w.message).lower()]
    assert differs(radar, radar_png(questionnaire, history, localizers["en"]))
    assert differs(trend, trend_png(questionnaire, history, localizers["en"]))


def test_threads_render_the_same_pictures(
    questionnaire: Questionnaire,
    localizers: dict[str, Localizer],
    history: list[SnapshotScore],
) -> None:
    loc = localizers["tr"]
    expected = [radar_png(questionnaire, history, loc), trend_png(questionnaire, history, loc)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [
            pool.submit(chart, questionnaire, history, loc)
            for _ in range(2)
            for chart in (radar_png, trend_png)
        ]
        results = [future.result() for future in futures]
    assert results == expected * 2


def test_importing_the_module_does_not_load_matplotlib() -> None:
    code = "import sys, bot.reports.charts; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert result.stdout.strip() == "False"
