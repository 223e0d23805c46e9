"""The `csmm` command as a person runs it: real process, piped input, real database file/server."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conversations.questionnaire import Questionnaire
from conversations.questions import QuestionSequence

CSMM = [sys.executable, "-m", "bot"]


def cli_env(database_url: str, lang: str = "en_US.UTF-8") -> dict[str, str]:
    """The environment `csmm` runs in: this test's database, and a pinned language (English
    unless a test says otherwise), whatever the developer's own locale is."""
    return {**os.environ, "CSMM_DATABASE_URL": database_url, "LANG": lang, "LC_ALL": ""}


def csmm(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = cli_env(database_url)
    return subprocess.run(
        [*CSMM, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def lines(*answers: str) -> str:
    return "".join(f"{a}\n" for a in answers)


def take(database_url: str, team: str, user: str, answers: str, lang: str = "en") -> str:
    done = csmm(
        database_url, "console", "--team", team, "--user", user, "--lang", lang, stdin=answers
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.mark.parametrize(
    ("value", "level_line", "score_line"),
    [
        ("4", "Level 4 · Optimized", "Overall score: 100 of 100"),
        ("3", "Level 3 · Measured", "Overall score: 67 of 100"),
        ("1", "Level 1 · Initial", "Overall score: 0 of 100"),
    ],
)
def test_whole_assessment_from_a_pipe(
    database_url: str, value: str, level_line: str, score_line: str
) -> None:
    out = take(database_url, "t", "a", lines(*[value] * 80, "submit"))
    assert level_line in out
    assert score_line in out
    assert "1 response submitted" in out
    assert "Action plan" in out


def test_turkish_run_shows_turkish_levels_and_no_english_questions(
    database_url: str, questionnaire: Questionnaire
) -> None:
    out = take(database_url, "t", "a", lines(*["4"] * 80, "gönder"), lang="tr")
    assert "Yüksek Performans ve Kalite" in out
    assert "Optimized" not in out
    english = [p.statement for p in questionnaire.practices.values()]
    english += [q.text for q in questionnaire.numbers] + [q.text for q in questionnaire.free_text]
    assert not [text for text in english if text in out]
    low = take(database_url, "t2", "a", lines(*["1"] * 80, "gönder"), lang="tr")
    assert "Başlangıç" in low


def test_interrupted_run_resumes_at_the_next_question(
    database_url: str, sequence: QuestionSequence
) -> None:
    total = len(sequence)
    first = take(database_url, "t", "a", lines(*["3"] * 10))
    assert "csmm console --team t --user a" in first  # how to resume
    assert f"11/{total}" in first
    second = take(database_url, "t", "a", lines("3"))
    assert f"11/{total}" in second.split("› 3")[0]  # asked question 11 first
    assert f"12/{total}" in second
    rest = take(database_url, "t", "a", lines(*["3"] * (total - 11), "submit"))
    assert "Level 3 · Measured" in rest


def test_bad_lines_are_explained_and_nothing_is_lost(database_url: str) -> None:
    bad = ["😀", "", "x" * 10_000, "99", "maybe", "change 99", "submit", "language xx"]
    out = take(database_url, "t", "a", lines("2", "3", *bad, "4"))
    # The output after each echoed input line, up to the next one: one explanation per bad line.
    after_each = out.split("› ")[1:]
    assert len(after_each) == len(bad) + 3
    for typed, shown in zip(bad, after_each[2:-1], strict=True):
        explanations = [line for line in shown.splitlines() if line.startswith("! ")]
        assert len(explanations) == 1, (typed[:20], shown[:300])
    exported = csmm(database_url, "export", "--team", "t", "--format", "json")
    rows = json.loads(exported.stdout)["answers"]
    assert [(r["question_id"], r["value"]) for r in rows][:3] == [
        ("role", "team_lead"),
        ("ch_omni", 3),  # as typed: exports use the 1–4 scale people answer on
        ("ch_single_view", 4),
    ]
    assert len(rows) == 3


def test_two_people_make_one_report_and_exports(
    database_url: str, sequence: QuestionSequence, tmp_path: Path
) -> None:
    take(database_url, "support", "ayse", lines(*["4"] * 80, "submit"))
    take(database_url, "support", "bob", lines(*["2"] * 80, "submit"))
    report = csmm(database_url, "report", "--team", "support")
    assert report.returncode == 0
    assert "2 responses submitted" in report.stdout
    assert "Overall score: 67 of 100" in report.stdout  # mean of 100 and 33

    as_csv = csmm(database_url, "export", "--team", "support", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 2 * len(sequence)
    assert {r["respondent"] for r in rows} == {"R1", "R2"}
    assert "ayse" not in as_csv.stdout and "bob" not in as_csv.stdout

    target = tmp_path / "answers.json"
    written = csmm(
        database_url, "export", "--team", "support", "--format", "json", "--output", str(target)
    )
    assert written.returncode == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    assert len(document["answers"]) == 2 * len(sequence)
    assert document["overall_score"] == pytest.approx(200 / 3, abs=0.01)

    forget = csmm(database_url, "forget", "--team", "support", "--user", "bob", "--yes")
    assert forget.returncode == 0, forget.stderr
    assert f"Deleted {len(sequence)} answers" in forget.stdout
    exported = csmm(database_url, "export", "--team", "support", "--format", "json")
    after = json.loads(exported.stdout)["answers"]
    assert len(after) == len(sequence) and {r["respondent"] for r in after} == {"R1"}
    assert "1 response submitted" in csmm(database_url, "report", "--team", "support").stdout


def test_plan_ticking(database_url: str) -> None:
    take(database_url, "t", "a", lines(*["3"] * 80, "submit"))
    plan = csmm(database_url, "plan", "--team", "t")
    assert "Action plan (0 of" in plan.stdout
    done = csmm(database_url, "plan", "--team", "t", "done", "2", "--by", "Ayşe")
    assert "[x]" in done.stdout and "done by Ayşe" in done.stdout
    assigned = csmm(
        database_url, "plan", "--team", "t", "assign", "1", "--owner", "Bob", "--due", "2026-12-31"
    )
    assert "owner: Bob" in assigned.stdout and "December 31, 2026" in assigned.stdout
    tr = csmm(database_url, "plan", "--team", "t", "--lang", "tr")
    assert "31 Aralık 2026" in tr.stdout
    undo = csmm(database_url, "plan", "--team", "t", "undo", "2")
    assert "[x]" not in undo.stdout
    missing = csmm(database_url, "plan", "--team", "t", "done", "99")
    assert missing.returncode != 0 and "no item 99" in missing.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("report", "--team", "nobody"),
        ("export", "--team", "nobody", "--format", "csv"),
        ("plan", "--team", "nobody"),
        ("forget", "--team", "nobody", "--user", "x", "--yes"),
    ],
)
def test_errors_are_one_readable_line(database_url: str, args: tuple[str, ...]) -> None:
    done = csmm(database_url, *args)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: ")


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("export", "--team", "t", "--format", "xml"), "'xml' is not one of"),
        (("plan", "--team", "t", "done"), "needs the item's number"),
        (("plan", "--team", "t", "undo", "99999999999999999999"), "10000"),
        (("report", "--team", "x" * 300), "1 to 100 characters"),
        (("console", "--team", "t", "--user", " "), "1 to 100 characters"),
    ],
)
def test_usage_errors_say_what_is_wrong(
    database_url: str, args: tuple[str, ...], problem: str
) -> None:
    done = csmm(database_url, *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert problem in done.stderr.splitlines()[-1]


def test_outdated_schema_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    assert csmm(url, "db", "upgrade").returncode == 0
    import sqlite3

    with sqlite3.connect(tmp_path / "old.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0000'")
    refused = csmm(url, "console", "--team", "t", "--user", "a", stdin="1\n")
    assert refused.returncode != 0
    assert "csmm db upgrade" in refused.stderr and "Traceback" not in refused.stderr


def test_empty_database_is_created_on_first_use(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'new' / 'csmm.db'}"
    out = take(url, "t", "a", lines("1"))
    assert "2/" in out
    assert csmm(url, "db", "check").returncode == 0


def test_help_is_clear() -> None:
    main = subprocess.run([*CSMM, "--help"], capture_output=True, text=True, check=True)
    for command in ("console", "report", "plan", "export", "forget", "db"):
        assert command in main.stdout
    console = subprocess.run(
        [*CSMM, "console", "--help"], capture_output=True, text=True, check=True
    )
    assert "--team" in console.stdout and "--lang" in console.stdout


def test_a_new_person_starts_in_the_terminals_language(database_url: str) -> None:
    env = cli_env(database_url, "tr_TR.UTF-8")
    done = subprocess.run(
        [*CSMM, "console", "--team", "t", "--user", "a"],
        input="2\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert "Ekip lideri" in done.stdout
    # Their choice sticks: the next run in an English terminal still speaks Turkish.
    again = csmm(database_url, "console", "--team", "t", "--user", "a", stdin="")
    assert "Kanallar" in again.stdout


def test_in_memory_database_is_one_clear_line() -> None:
    done = csmm("sqlite+aiosqlite:///:memory:", "console", "--team", "t", "--user", "a")
    assert done.returncode == 1
    assert (
        done.stderr.startswith("Error: An in-memory SQLite database")
        and done.stderr.count("\n") == 1
    )


def test_forget_without_a_terminal_needs_yes(database_url: str) -> None:
    take(database_url, "t", "a", lines(*["3"] * 40, "submit"))
    csmm(database_url, "plan", "--team", "t", "assign", "1", "--owner", "a")
    refused = csmm(database_url, "forget", "--team", "t", "--user", "a", stdin="n\n")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert json.loads(csmm(database_url, "export", "--team", "t", "--format", "json").stdout)[
        "answers"
    ]
    assert csmm(database_url, "forget", "--team", "t", "--user", "a", "--yes").returncode == 0
    assert "owner: a" not in csmm(database_url, "plan", "--team", "t").stdout
