"""CSV and JSON exports speak the scale people answer on (1–4, 0 for don't know), and their
labels follow --lang (else the team's language, like the report)."""

from __future__ import annotations

import csv
import io
import json

from tests.bot.test_console import csmm, lines, take

# The role, then the practices answered 4, 3, 2, 1, 0, 4, 3, … as typed.
TYPED = [str(4 - i % 5) for i in range(27)]


def answers_csv(database_url: str, *lang: str) -> list[dict[str, str]]:
    done = csmm(database_url, "export", "--team", "t", "--format", "csv", *lang)
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def test_practice_values_are_what_people_typed(database_url: str) -> None:
    take(database_url, "t", "a", lines("2", *TYPED, "-0", *["skip"] * 6, "submit"))
    rows = answers_csv(database_url, "--lang", "en")
    practices = [r for r in rows if r["kind"] == "practice"]
    assert [r["value"] for r in practices] == TYPED
    by_typed = {r["value"]: (r["state"], r["label"]) for r in practices}
    assert by_typed == {
        "4": ("answered", "Systematic"),
        "3": ("answered", "Repeatable"),
        "2": ("answered", "Ad hoc"),
        "1": ("answered", "Missing"),
        "0": ("dont_know", "Don't know"),
    }
    contacts = next(r for r in rows if r["question_id"] == "contacts_month")
    assert contacts["value"] == "0"  # typed -0
    role = next(r for r in rows if r["question_id"] == "role")
    assert (role["value"], role["label"]) == ("team_lead", "Team lead")

    document = json.loads(
        csmm(database_url, "export", "--team", "t", "--format", "json", "--lang", "en").stdout
    )
    values = [a["value"] for a in document["answers"] if a["kind"] == "practice"]
    assert values == [int(typed) for typed in TYPED]
    contacts_value = next(a["value"] for a in document["answers"] if a["kind"] == "number")
    assert json.dumps(contacts_value) == "0"  # typed -0, not kept as -0.0


def test_labels_follow_lang(database_url: str) -> None:
    take(database_url, "t", "a", lines("2", *TYPED, *["skip"] * 7, "submit"))
    turkish = answers_csv(database_url, "--lang", "tr")
    practices = [r for r in turkish if r["kind"] == "practice"]
    assert {r["label"] for r in practices} == {
        "Sistematik",
        "Tekrarlanabilir",
        "Ara sıra",
        "Yok",
        "Bilmiyorum",
    }
    assert practices[0]["section"] == "Kanallar"
    assert practices[0]["question_id"] == "ch_omni"  # ids stay as they are, for scripts
    dimensions = csmm(
        database_url,
        "export",
        "--team",
        "t",
        "--format",
        "csv",
        "--table",
        "dimensions",
        "--lang",
        "tr",
    )
    rows = list(csv.DictReader(io.StringIO(dimensions.stdout)))
    assert rows[0]["dimension"] == "Kanallar" and rows[0]["dimension_id"] == "channels"
    assert rows[-1]["dimension_id"] == "overall" and rows[-1]["dimension"] == "Genel"
    document = json.loads(
        csmm(database_url, "export", "--team", "t", "--format", "json", "--lang", "tr").stdout
    )
    assert document["level"]["name"] == "Başlangıç"
    english = answers_csv(database_url, "--lang", "en")
    assert english[1]["section"] == "Channels" and english[1]["label"] == "Systematic"
