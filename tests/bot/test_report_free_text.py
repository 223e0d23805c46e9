"""People's free-text answers in `csmm report` and its PDF: there, without names, identical
answers counted together; the numbers block names each number by its short label."""

from __future__ import annotations

from pathlib import Path

import pypdf

from tests.bot.test_console import csmm, lines, take

ANSWERS = {
    "user-ayse": ("Not enough staff", "A shared inbox"),
    "user-bora": ("not enough staff", "Training"),
    "user-cem": ("Old ticketing tool", "A shared inbox"),
}


def answered(problem: str, need: str) -> str:
    # Role, 27 practices, then the five numbers (the csat one 87.5) and the two free texts.
    return lines(*["3"] * 28, "4800", "87.5", "70", "45", "-0", problem, need, "submit")


def test_report_and_pdf_show_free_text_grouped_and_unnamed(
    database_url: str, tmp_path: Path
) -> None:
    for user, (problem, need) in ANSWERS.items():
        take(database_url, "destek", user, answered(problem, need))
    pdf = tmp_path / "report.pdf"
    shown = csmm(database_url, "report", "--team", "destek", "--lang", "en", "--pdf", str(pdf))
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "Biggest problem today (3 answers)" in text
    assert "“Not enough staff” (2 people)" in text and "“Old ticketing tool”" in text
    assert "Most important need (3 answers)" in text
    assert "“A shared inbox” (2 people)" in text and "“Training”" in text
    assert "CSAT: 87.5% (median of 3 answers)" in text
    assert "NPS: 0 points (median of 3 answers)" in text
    assert "customer satisfaction score (CSAT), as a percentage" not in text
    assert "user-" not in text  # no one's name, not even their console --user
    read = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages).split())
    assert "Biggest problem today (3 answers)" in read
    assert "Not enough staff” (2 people)" in read
    assert "Monthly contacts: 4,800" in read

    turkish = " ".join(
        csmm(database_url, "report", "--team", "destek", "--lang", "tr").stdout.split()
    )
    assert "Bugünkü en büyük sorun (3 yanıt)" in turkish
    assert "“Not enough staff” (2 kişi)" in turkish
    assert "CSAT: %87,5" in turkish and "-%0" not in turkish
