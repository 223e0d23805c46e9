"""The operator's side of anonymity, through `csmm`: the CLI sees a team's results below its
threshold (chats don't), `csmm team` changes the threshold and anonymous mode, and turning
anonymous mode on unlinks answers already given. `csmm console` stays resumable mid-way
under anonymous mode and refuses changes after submitting."""

from __future__ import annotations

import asyncio
import json

from tests.anonymity_checks import assert_answers_name_nobody, linked_rows, rows_by_name
from tests.bot.test_console import csmm, lines, take

EVERYTHING = lines(*["2"] * 28, *["skip"] * 7, "submit")


def rows(database_url: str) -> dict[str, list[dict[str, str]]]:
    return asyncio.run(linked_rows(database_url))


def test_the_cli_sees_results_below_the_threshold_and_changes_the_settings(
    database_url: str,
) -> None:
    take(database_url, "solo", "bob", EVERYTHING)
    shown = csmm(database_url, "team", "--team", "solo")
    assert shown.returncode == 0, shown.stderr
    assert "Anonymity threshold: 3" in shown.stdout and "Anonymous mode: off" in shown.stdout

    # One respondent, threshold 3: the operator still gets the whole report and the answers.
    report = csmm(database_url, "report", "--team", "solo")
    assert report.returncode == 0, report.stderr
    assert "1 response submitted" in report.stdout and "withheld" not in report.stdout
    exported = csmm(database_url, "export", "--team", "solo", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["answers"]

    refused = csmm(database_url, "team", "--team", "solo", "--threshold", "0")
    assert refused.returncode == 2 and "0" in refused.stderr
    changed = csmm(database_url, "team", "--team", "solo", "--threshold", "5", "--by", "ops")
    assert changed.returncode == 0, changed.stderr
    assert "Anonymity threshold: 5" in changed.stdout
    [audit] = [
        r for r in rows_by_name(rows(database_url), "audit_events") if "threshold" in r["action"]
    ]
    assert audit["actor"] == "ops"


def test_anonymous_mode_from_the_cli_unlinks_what_was_given_and_keeps_resume(
    database_url: str,
) -> None:
    take(database_url, "solo", "bob", EVERYTHING)
    turned = csmm(database_url, "team", "--team", "solo", "--anonymous")
    assert turned.returncode == 0, turned.stderr
    assert "Anonymous mode: on" in turned.stdout
    stored = rows(database_url)
    [bob] = [r for r in rows_by_name(stored, "people") if r["external_id"] == "bob"]
    assert_answers_name_nobody(stored, bob["id"])

    # Coming back: nothing to show him or change.
    again = take(database_url, "solo", "bob", lines("change 5"))
    assert "This team answers anonymously" in again

    # A new respondent stops half-way and resumes where they were; at submit they are unlinked.
    half = take(database_url, "solo", "cem", lines(*["3"] * 10))
    assert "11/35" in half
    resumed = take(database_url, "solo", "cem", lines(*["3"] * 18, *["skip"] * 7, "submit"))
    assert "12/35" in resumed
    stored = rows(database_url)
    [cem] = [r for r in rows_by_name(stored, "people") if r["external_id"] == "cem"]
    assert_answers_name_nobody(stored, cem["id"])
    assert len({a["response_id"] for a in rows_by_name(stored, "answers")}) == 2
