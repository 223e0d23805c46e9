"""`csmm forget` and `csmm export-me` as the operator runs them (real process, real database
file/server): forgetting leaves no cell with the person's id or name in any table, and
export-me hands over everything held about them — or says there is nothing."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from bot.assessments import Assessments
from tests.bot.test_console import csmm
from tests.person_traces import NOTE, Someone, leave_traces
from tests.table_dump import cells_containing, dump_tables

TEAM = "Support desk"
CONSOLE_PERSON = Someone("console", "gulsen.tekin", "Gülsen Tekin")
TELEGRAM_PERSON = Someone("telegram", "730015", "Gülsen Tekin")
COLLEAGUE = Someone("console", "derya.kaya", "Derya Kaya")


@pytest.mark.parametrize("person", [CONSOLE_PERSON, TELEGRAM_PERSON], ids=lambda p: p.platform)
async def test_csmm_forget_leaves_nothing_of_the_person(
    assessments: Assessments, database_url: str, person: Someone
) -> None:
    colleague = Someone(person.platform, "730099" if person.platform == "telegram" else "derya",
                        "Derya Kaya")  # fmt: skip
    team_external_id = "-100730" if person.platform == "telegram" else "support"
    await leave_traces(assessments, person, colleague, team_external_id, TEAM)
    await assessments.database.dispose()
    assert cells_containing(await dump_tables(database_url), [person.external_id])

    args = ["forget", "--team", TEAM, "--user", person.external_id, "--yes"]
    done = csmm(database_url, *args, "--platform", person.platform)
    assert done.returncode == 0, done.stderr
    assert "Deleted" in done.stdout and "anonymous numbers" in done.stdout

    left = cells_containing(await dump_tables(database_url), [person.external_id, person.name])
    assert left == []
    assert csmm(database_url, "export-me", "--user", colleague.external_id,
                "--platform", person.platform).returncode == 0  # fmt: skip


async def test_csmm_export_me_writes_the_document(
    assessments: Assessments, database_url: str, tmp_path: Path
) -> None:
    await leave_traces(assessments, CONSOLE_PERSON, COLLEAGUE, "support", TEAM)
    await assessments.database.dispose()

    shown = csmm(database_url, "export-me", "--user", CONSOLE_PERSON.external_id)
    assert shown.returncode == 0, shown.stderr
    held = json.loads(shown.stdout)
    assert held["person"]["name"] == CONSOLE_PERSON.name
    assert [r["snapshot"] for r in held["responses"]] == [1, 2, 3]
    assert any(a["note"] == NOTE for r in held["responses"] for a in r["answers"])

    output = tmp_path / "mine.json"
    output.write_text("old")
    output.chmod(0o644)
    written = csmm(
        database_url, "export-me", "--user", CONSOLE_PERSON.external_id,
        "--output", str(output), "--lang", "tr",
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    assert stat.S_IMODE(output.stat().st_mode) == 0o600  # it holds someone's answers
    turkish = json.loads(output.read_text())
    assert "hakkınızda" in turkish["about"]
    assert turkish["responses"][0]["answers"][0]["section"] == "Sizin hakkınızda"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--user", "nobody"], "Nothing is stored about “nobody” on console."),
        (["--user", "gulsen.tekin", "--platform", "slack"], "Nothing is stored about"),
        (["--user", "x", "--platform", "fax"], "Invalid value for '--platform'"),
        (["--user", ""], "must be 1 to 100 characters"),
    ],
)
async def test_csmm_export_me_unhappy_paths(
    assessments: Assessments, database_url: str, args: list[str], expected: str
) -> None:
    await leave_traces(assessments, CONSOLE_PERSON, COLLEAGUE, "support", TEAM)
    await assessments.database.dispose()
    done = csmm(database_url, "export-me", *args)
    assert done.returncode != 0
    assert expected in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
