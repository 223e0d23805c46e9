"""Scoring exactly as PRODUCT.md §2: scores, staged level, blockers, gaps, role groups."""

from __future__ import annotations

import pytest

from conversations.action_plan import ItemKind, build_plan
from conversations.questionnaire import Questionnaire
from conversations.scoring import Respondent, score
from conversations.state import Answer, AnswerState


def person(
    questionnaire: Questionnaire,
    values: dict[str, int | None] | int | None,
    role: str | None = "agent",
    key: str = "p",
) -> Respondent:
    """A respondent answering every practice with one value (or per practice); None = don't know."""
    answers = {}
    for practice_id in questionnaire.practices:
        value = values.get(practice_id, 2) if isinstance(values, dict) else values
        answers[practice_id] = (
            Answer(practice_id, AnswerState.DONT_KNOW)
            if value is None
            else Answer(practice_id, AnswerState.ANSWERED, value)
        )
    return Respondent(key, answers, role)


@pytest.mark.parametrize(
    ("value", "level", "overall"),
    [(0, 1, 0.0), (1, 1, 100 / 3), (2, 3, 200 / 3), (3, 4, 100.0)],
)
def test_uniform_answers(
    questionnaire: Questionnaire, value: int, level: int, overall: float
) -> None:
    result = score(questionnaire, [person(questionnaire, value)])
    assert result.level == level
    assert result.overall == pytest.approx(overall)
    assert round(result.overall or 0) == round(overall)
    assert all(s == pytest.approx(overall) for s in result.dimensions.values())


def practices_tagged(questionnaire: Questionnaire, *tags: int) -> list[str]:
    return [pid for pid, p in questionnaire.practices.items() if p.level in tags]


def test_level_is_staged(questionnaire: Questionnaire) -> None:
    # Everything systematic except one level-2 practice at Ad hoc: stuck at level 1.
    weak = practices_tagged(questionnaire, 2)[0]
    result = score(
        questionnaire,
        [person(questionnaire, {**dict.fromkeys(questionnaire.practices, 3), weak: 1})],
    )
    assert result.level == 1
    assert [b.practice_id for b in result.blockers] == [weak]
    assert result.blockers[0].required == 2


def test_level_2_and_its_blockers(questionnaire: Questionnaire) -> None:
    values: dict[str, int | None] = {pid: 2 for pid in practices_tagged(questionnaire, 2)}
    values |= {pid: 1 for pid in practices_tagged(questionnaire, 3, 4)}
    result = score(questionnaire, [person(questionnaire, values)])
    assert result.level == 2
    assert {b.practice_id for b in result.blockers} == set(practices_tagged(questionnaire, 3))


def test_level_4_needs_systematic_level_4_practices(questionnaire: Questionnaire) -> None:
    result = score(questionnaire, [person(questionnaire, 2)])
    assert result.level == 3
    assert {b.practice_id for b in result.blockers} == set(practices_tagged(questionnaire, 4))
    assert all(b.required == 3 for b in result.blockers)


def test_team_adoption_is_the_median(questionnaire: Questionnaire) -> None:
    pid = practices_tagged(questionnaire, 2)[0]
    team = [
        person(questionnaire, {pid: 0}, key="a"),
        person(questionnaire, {pid: 3}, key="b"),
        person(questionnaire, {pid: 2}, key="c"),
    ]
    result = score(questionnaire, team)
    assert result.practices[pid].adoption == 2
    two = score(questionnaire, team[:2])
    assert two.practices[pid].adoption == 1.5  # below Repeatable: a blocker for level 2
    assert pid in {b.practice_id for b in two.blockers}


def test_dimension_score_is_mean_of_respondent_means(questionnaire: Questionnaire) -> None:
    dimension = questionnaire.dimensions[0]
    first, second, *_ = (p.id for p in dimension.practices)
    a = person(questionnaire, {first: 3, second: None}, key="a")  # their mean over answered ones
    b = person(questionnaire, {first: 0, second: 0}, key="b")
    result = score(questionnaire, [a, b])
    a_mean = (100 + 200 / 3 * (len(dimension.practices) - 2)) / (len(dimension.practices) - 1)
    b_mean = (0 + 0 + 200 / 3 * (len(dimension.practices) - 2)) / len(dimension.practices)
    assert result.dimensions[dimension.id] == pytest.approx((a_mean + b_mean) / 2)


def test_dont_know_is_excluded_and_counted(questionnaire: Questionnaire) -> None:
    everyone_unsure = score(
        questionnaire, [person(questionnaire, None, key=str(i)) for i in range(3)]
    )
    assert everyone_unsure.overall is None
    assert everyone_unsure.dont_know_rate == 1.0
    assert everyone_unsure.level == 1
    assert all(b.adoption is None for b in everyone_unsure.blockers)
    half = {pid: (None if i % 2 else 3) for i, pid in enumerate(questionnaire.practices)}
    result = score(questionnaire, [person(questionnaire, half)])
    unsure = sum(1 for v in half.values() if v is None)
    assert result.dont_know_rate == pytest.approx(unsure / len(half))


def test_no_respondents(questionnaire: Questionnaire) -> None:
    result = score(questionnaire, [])
    assert result.respondents == 0 and result.overall is None and result.level == 1
    assert result.dont_know_rate is None


def test_dimension_weights(questionnaire: Questionnaire) -> None:
    weighted = questionnaire.model_copy(
        update={
            "dimensions": [
                d.model_copy(update={"weight": 3.0}) if i == 0 else d
                for i, d in enumerate(questionnaire.dimensions)
            ]
        }
    )
    first = questionnaire.dimensions[0]
    values = {
        pid: (3 if pid in {p.id for p in first.practices} else 0) for pid in questionnaire.practices
    }
    n = len(questionnaire.dimensions)
    assert score(questionnaire, [person(questionnaire, values)]).overall == pytest.approx(100 / n)
    assert score(weighted, [person(weighted, values)]).overall == pytest.approx(300 / (n + 2))


def test_perception_gaps_respect_the_anonymity_threshold(questionnaire: Questionnaire) -> None:
    pid = next(iter(questionnaire.practices))
    two = [person(questionnaire, {pid: 0}, key="a"), person(questionnaire, {pid: 2}, key="b")]
    assert score(questionnaire, two).gaps == ()
    assert [g.practice_id for g in score(questionnaire, two, anonymity_threshold=2).gaps] == [pid]
    three = [*two, person(questionnaire, {pid: 1}, key="c")]
    gaps = score(questionnaire, three).gaps
    assert [g.practice_id for g in gaps] == [pid]
    assert (min(gaps[0].values), max(gaps[0].values)) == (0, 2)
    close = [person(questionnaire, {pid: v}, key=str(v)) for v in (1, 2, 2)]
    assert score(questionnaire, close).gaps == ()


def test_role_groups_only_when_every_group_is_big_enough(questionnaire: Questionnaire) -> None:
    frontline = [person(questionnaire, 1, "agent", f"f{i}") for i in range(3)]
    managers = [person(questionnaire, 3, "manager", f"m{i}") for i in range(2)]
    assert score(questionnaire, frontline + managers).groups == ()
    managers.append(person(questionnaire, 3, "manager", "m3"))
    groups = {g.group: g for g in score(questionnaire, frontline + managers).groups}
    assert groups["frontline"].overall == pytest.approx(100 / 3)
    assert groups["management"].overall == pytest.approx(100)
    assert groups["frontline"].respondents == 3
    # One "other" person would be exposed by subtraction, so nothing is shown.
    lone = person(questionnaire, 2, "other", "o1")
    assert score(questionnaire, [*frontline, *managers, lone]).groups == ()
    assert score(questionnaire, [*frontline, *managers], anonymity_threshold=4).groups == ()


def test_action_plan_has_one_item_per_blocker_and_the_standard_steps(
    questionnaire: Questionnaire,
) -> None:
    result = score(questionnaire, [person(questionnaire, 2)])
    plan = build_plan(questionnaire, result)
    blockers = [item for item in plan if item.kind is ItemKind.BLOCKER]
    steps = [item for item in plan if item.kind is ItemKind.STEP]
    assert [b.key for b in blockers] == [f"practice:{b.practice_id}" for b in result.blockers]
    assert blockers[0].text == questionnaire.practices[result.blockers[0].practice_id].action
    assert [s.text for s in steps] == [s.text for s in questionnaire.level(3).steps]
    top = build_plan(questionnaire, score(questionnaire, [person(questionnaire, 3)]))
    assert [i.kind for i in top] == [ItemKind.STEP] * len(questionnaire.level(4).steps)
