"""The questionnaire file: the bundled model loads; a malformed file names file, entry, problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conversations.questionnaire import BUNDLED_DIR, QuestionnaireError, load_questionnaire


def test_bundled_model(questionnaire) -> None:  # type: ignore[no-untyped-def]
    assert questionnaire.id == "csmm"
    assert [d.id for d in questionnaire.dimensions] == [
        "channels",
        "processes",
        "knowledge",
        "measurement",
        "standards",
        "people",
        "complaints",
        "improvement",
        "automation",
    ]
    assert all(2 <= len(d.practices) <= 4 for d in questionnaire.dimensions)
    assert {p.level for p in questionnaire.practices.values()} == {2, 3, 4}
    assert [level.name for level in questionnaire.levels] == [
        "Initial",
        "Planned",
        "Measured",
        "Optimized",
    ]
    assert {q.id for q in questionnaire.numbers} == {
        "contacts_month",
        "csat",
        "fcr",
        "first_response",
        "nps",
    }
    assert len(questionnaire.free_text) == 2


def broken(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load((BUNDLED_DIR / "csmm.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["dimensions"][3]["practices"][1].update(level=5),
            "dimensions[3] (measurement) → practices[1]",
        ),
        (
            lambda d: d["dimensions"][0]["practices"][0].pop("action"),
            "dimensions[0] (channels) → practices[0] (ch_omni) → action: Field required",
        ),
        (
            lambda d: d["dimensions"][1]["practices"].extend(d["dimensions"][0]["practices"][:2]),
            "dimensions[1] (processes) → practices: List should have at most 4 items",
        ),
        (
            lambda d: d["dimensions"][2]["practices"][0].update(id="ch_omni"),
            "'ch_omni' is used twice",
        ),
        (lambda d: d["numbers"][1].update(min=100, max=0), "numbers[1] (csat)"),
        (lambda d: d["levels"][2].update(gates=[]), "level 3 needs gates"),
        (lambda d: d.update(surprise=True), "surprise: Extra inputs are not permitted"),
    ],
)
def test_malformed_file_names_file_entry_and_problem(tmp_path: Path, change, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = broken(tmp_path, change)
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    message = str(caught.value)
    assert str(path) in message
    assert expected in message


def test_not_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("dimensions: [unclosed", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"bad\.yaml: not valid YAML"):
        load_questionnaire(bad)
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="expected a mapping"):
        load_questionnaire(bad)
    with pytest.raises(QuestionnaireError, match=r"missing\.yaml: cannot be read"):
        load_questionnaire(tmp_path / "missing.yaml")
