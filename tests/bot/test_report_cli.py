"""Reports from the command line: three snapshots answered through `csmm console`, then
`history`, `report` with charts and a PDF, `export` in every format and `team` settings."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from tests.bot.test_console import CSMM, cli_env, csmm, lines, take

FIRST = lines(*["2"] * 28, *["atla"] * 7, "gönder")  # team lead; every practice Ad hoc
# Snapshot 2: the role kept, every practice now Repeatable; the first change gets a note.
SECOND = lines(
    "aynı",
    "3",
    "Yeni çağrı yazılımı & <ortak> kuyruk",
    *["3", "atla"] * 26,
    *["atla"] * 7,
    "gönder",
)
THIRD = lines(*["aynı"] * 28, *["atla"] * 7, "gönder")  # everything kept


@pytest.fixture
def three_snapshots(database_url: str) -> str:
    take(database_url, "destek", "ayse", FIRST, lang="tr")
    for number in ("1", "2"):
        assert csmm(database_url, "plan", "--team", "destek", "done", number).returncode == 0
    opened = csmm(database_url, "snapshot", "new", "--team", "destek")
    assert opened.returncode == 0, opened.stderr
    assert "2. değerlendirme turu açıldı" in opened.stdout  # the team speaks Turkish
    second = take(database_url, "destek", "ayse", SECOND, lang="tr")
    assert "Geçen sefer: Ara sıra" in second
    assert csmm(database_url, "snapshot", "new", "--team", "destek").returncode == 0
    take(database_url, "destek", "ayse", THIRD, lang="tr")
    return database_url


def test_history_lists_every_snapshot(three_snapshots: str) -> None:
    shown = csmm(three_snapshots, "history", "--team", "destek", "--lang", "tr")
    assert shown.returncode == 0, shown.stderr
    rows = shown.stdout.strip().splitlines()
    assert len(rows) == 3
    assert "Başlangıç" in rows[0] and "Ölçülebilir Performans" in rows[2]
    assert "kapalı" in rows[0] and "açık" in rows[2]


def test_report_writes_charts_and_a_turkish_pdf(three_snapshots: str, tmp_path: Path) -> None:
    radar, trend, pdf = tmp_path / "r.png", tmp_path / "t.png", tmp_path / "r.pdf"
    shown = csmm(
        three_snapshots,
        "report",
        "--team",
        "destek",
        "--lang",
        "tr",
        "--chart",
        str(radar),
        "--trend",
        str(trend),
        "--pdf",
        str(pdf),
    )
    assert shown.returncode == 0, shown.stderr
    assert "Seviye 3 · Ölçülebilir Performans" in shown.stdout
    for chart in (radar, trend):
        with Image.open(chart) as image:
            assert image.format == "PNG"
            assert 600 <= image.width <= 2000
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "Ölçülebilir Performans" in text
    assert "destek" in text


def test_second_snapshot_shows_deltas_notes_and_the_first_plan(
    database_url: str,
) -> None:
    take(database_url, "destek", "ayse", FIRST, lang="tr")
    csmm(database_url, "plan", "--team", "destek", "done", "1")
    csmm(database_url, "snapshot", "new", "--team", "destek")
    waiting = csmm(database_url, "plan", "--team", "destek", "--lang", "tr")
    assert "(1/" in waiting.stdout  # snapshot 1's plan, one item done, still the team's plan
    take(database_url, "destek", "ayse", SECOND, lang="tr")
    report = csmm(database_url, "report", "--team", "destek", "--lang", "en").stdout
    shown = " ".join(report.split())  # as read, whatever the terminal wrapping
    assert "Level: Initial → Measured" in shown
    assert "Overall score: 33 → 67 (▲ +34)" in shown
    assert "“Yeni çağrı yazılımı & <ortak> kuyruk”" in shown
    assert "Action plan of snapshot 1: 1 of" in shown


def test_exports_in_every_format(three_snapshots: str, tmp_path: Path) -> None:
    document = json.loads(
        csmm(three_snapshots, "export", "--team", "destek", "--format", "json").stdout
    )
    assert document["level"]["number"] == 3
    assert round(document["overall_score"]) == 67
    dimensions = csmm(
        three_snapshots, "export", "--team", "destek", "--format", "csv", "--table", "dimensions"
    )
    rows = list(csv.DictReader(io.StringIO(dimensions.stdout)))
    assert len(rows) == 10 and rows[-1]["dimension_id"] == "overall"
    assert {round(float(r["score"])) for r in rows} == {67}
    assert {float(r["change"]) for r in rows} == {0.0}  # snapshot 3 kept every answer of 2
    first = csmm(
        three_snapshots, "export", "--team", "destek", "--format", "csv", "--snapshot", "1"
    )
    values = {
        r["value"] for r in csv.DictReader(io.StringIO(first.stdout)) if r["kind"] == "practice"
    }
    assert values == {"2"}  # Ad hoc, as typed: the 1–4 scale people answer on

    target = tmp_path / "rapor.pdf"
    written = csmm(
        three_snapshots, "export", "--team", "destek", "--format", "pdf", "--output", str(target)
    )
    assert written.returncode == 0, written.stderr
    assert target.read_bytes().startswith(b"%PDF")
    assert len(pypdf.PdfReader(target).pages) >= 2
    piped = subprocess.run(
        [*CSMM, "export", "--team", "destek", "--format", "pdf"],
        capture_output=True,
        env=cli_env(three_snapshots),
        timeout=120,
        check=True,
    )
    assert piped.stdout.startswith(b"%PDF")


def test_team_names_in_exports_are_opt_in(database_url: str) -> None:
    take(database_url, "t", "ayse", lines(*["3"] * 40, "submit"))
    shown = csmm(database_url, "team", "--team", "t")
    assert "Exports name respondents: no" in shown.stdout
    assert "ayse" not in csmm(database_url, "export", "--team", "t", "--format", "csv").stdout
    changed = csmm(database_url, "team", "--team", "t", "--names")
    assert "Exports name respondents: yes" in changed.stdout
    assert "ayse" in csmm(database_url, "export", "--team", "t", "--format", "csv").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("snapshot", "new", "--team", "nobody"), "no team called"),
        (("history", "--team", "nobody"), "no team called"),
        (("export", "--team", "t", "--format", "csv", "--snapshot", "7"), "no snapshot 7"),
        (("export", "--team", "t", "--format", "pdf", "--snapshot", "1"), "latest snapshot"),
        (("export", "--team", "t", "--format", "csv", "--snapshot", "0"), "x>=1"),
    ],
)
def test_report_commands_refuse_bad_requests_clearly(
    database_url: str, args: tuple[str, ...], message: str
) -> None:
    take(database_url, "t", "a", lines(*["3"] * 40, "submit"))
    refused = csmm(database_url, *args)
    assert refused.returncode != 0
    assert message in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_second_snapshot_new_without_answers_is_refused(database_url: str) -> None:
    take(database_url, "t", "a", lines(*["3"] * 40, "submit"))
    assert csmm(database_url, "snapshot", "new", "--team", "t").returncode == 0
    again = csmm(database_url, "snapshot", "new", "--team", "t")
    assert again.returncode == 1
    assert "Snapshot 2 is still open" in again.stderr
    empty = csmm(database_url, "report", "--team", "t", "--chart", "/dev/null")
    assert empty.returncode == 0, empty.stderr
    assert "No one has submitted answers for this snapshot yet" in empty.stdout


def test_charts_go_to_files_that_can_be_written(database_url: str, tmp_path: Path) -> None:
    take(database_url, "t", "a", lines(*["3"] * 40, "submit"))
    missing = tmp_path / "no" / "such" / "dir" / "r.png"
    refused = csmm(database_url, "report", "--team", "t", "--chart", str(missing))
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr
