"""Scores, staged level, blockers and perception gaps of a team's snapshot (PRODUCT.md §2).

- practice score = adoption value / 3 × 100 ("don't know" and skipped answers left out);
- a respondent's dimension score = mean of their practice scores in the dimension;
- team dimension score = mean over respondents; overall = weighted mean of dimension scores;
- team adoption of a practice = median of respondents' values;
- level: the highest level whose gates — and every lower level's — all hold (staged).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from conversations.questionnaire import Questionnaire
from conversations.state import Answer, AnswerState

MAX_VALUE = 3


@dataclass(frozen=True)
class Respondent:
    """One person's answers; ``role`` is the role option id, when they gave one."""

    key: str
    answers: Mapping[str, Answer]
    role: str | None = None


@dataclass(frozen=True)
class PracticeResult:
    practice_id: str
    values: tuple[int, ...]  # adoption values given (don't know left out)
    dont_know: int

    @property
    def adoption(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    @property
    def spread(self) -> int:
        return max(self.values) - min(self.values) if self.values else 0


@dataclass(frozen=True)
class Blocker:
    practice_id: str
    adoption: float | None  # None: nobody could say
    required: int


@dataclass(frozen=True)
class GroupScores:
    group: str  # "frontline", "management", "other"
    respondents: int
    overall: float | None
    dimensions: Mapping[str, float | None]


@dataclass(frozen=True)
class NumberSummary:
    question_id: str
    respondents: int
    median: float


@dataclass(frozen=True)
class Result:
    respondents: int
    practices: Mapping[str, PracticeResult]
    dimensions: Mapping[str, float | None]
    overall: float | None
    level: int
    blockers: tuple[Blocker, ...]
    gaps: tuple[PracticeResult, ...]
    groups: tuple[GroupScores, ...]  # empty unless every group reaches the anonymity threshold
    dont_know_rate: float | None
    numbers: Mapping[str, NumberSummary] = field(default_factory=dict)
    # Free-text answers by question, in no particular person's order (sorted), without names.
    free_text: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def next_level(self) -> int | None:
        return self.level + 1 if self.level < 4 else None


def practice_score(value: int) -> float:
    return value / MAX_VALUE * 100


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _weighted_mean(
    scores: Mapping[str, float | None], weights: Mapping[str, float]
) -> float | None:
    present = [(score, weights[key]) for key, score in scores.items() if score is not None]
    total = sum(weight for _, weight in present)
    return sum(score * weight for score, weight in present) / total if present else None


def dimension_scores(
    questionnaire: Questionnaire, respondents: Sequence[Respondent]
) -> dict[str, float | None]:
    scores: dict[str, float | None] = {}
    for dimension in questionnaire.dimensions:
        per_person: list[float] = []
        for person in respondents:
            own = [
                practice_score(int(answer.value))
                for practice in dimension.practices
                if (answer := person.answers.get(practice.id)) is not None
                and answer.state is AnswerState.ANSWERED
                and isinstance(answer.value, int)
            ]
            if own:
                per_person.append(statistics.fmean(own))
        scores[dimension.id] = _mean(per_person)
    return scores


def _practice_results(
    questionnaire: Questionnaire, respondents: Sequence[Respondent]
) -> dict[str, PracticeResult]:
    results = {}
    for practice_id in questionnaire.practices:
        values: list[int] = []
        dont_know = 0
        for person in respondents:
            answer = person.answers.get(practice_id)
            if answer is None:
                continue
            if answer.state is AnswerState.DONT_KNOW:
                dont_know += 1
            elif answer.state is AnswerState.ANSWERED and isinstance(answer.value, int):
                values.append(answer.value)
        results[practice_id] = PracticeResult(practice_id, tuple(sorted(values)), dont_know)
    return results


def _failing(
    questionnaire: Questionnaire, practices: Mapping[str, PracticeResult], level: int
) -> list[Blocker]:
    """Practices that keep a team from ``level``, in questionnaire order."""
    required: dict[str, int] = {}
    for gate in questionnaire.level(level).gates:
        for practice_id, practice in questionnaire.practices.items():
            if practice.level not in gate.tags:
                continue
            adoption = practices[practice_id].adoption
            if adoption is None or adoption < gate.min_value:
                required[practice_id] = max(required.get(practice_id, 0), gate.min_value)
    return [
        Blocker(pid, practices[pid].adoption, need)
        for pid in questionnaire.practices
        if (need := required.get(pid)) is not None
    ]


def _groups(
    questionnaire: Questionnaire, respondents: Sequence[Respondent], threshold: int
) -> tuple[GroupScores, ...]:
    group_of = {option.id: option.group for option in questionnaire.role.options}
    members: dict[str, list[Respondent]] = {}
    for person in respondents:
        if person.role in group_of:
            members.setdefault(group_of[person.role], []).append(person)
    # Shown only when every group that has members is big enough, so that no group's average
    # can be worked out by subtracting the others from the team's.
    unassigned = len(respondents) - sum(len(group) for group in members.values())
    if len(members) < 2 or unassigned or any(len(g) < threshold for g in members.values()):
        return ()
    weights = {d.id: d.weight for d in questionnaire.dimensions}
    result = []
    for group in ("frontline", "management", "other"):
        if group in members:
            dims = dimension_scores(questionnaire, members[group])
            result.append(
                GroupScores(group, len(members[group]), _weighted_mean(dims, weights), dims)
            )
    return tuple(result)


def _numbers(
    questionnaire: Questionnaire, respondents: Sequence[Respondent]
) -> dict[str, NumberSummary]:
    summaries = {}
    for question in questionnaire.numbers:
        given = [
            float(answer.value)
            for person in respondents
            if (answer := person.answers.get(question.id)) is not None
            and answer.state is AnswerState.ANSWERED
            and isinstance(answer.value, int | float)
        ]
        if given:
            summaries[question.id] = NumberSummary(
                question.id, len(given), statistics.median(given)
            )
    return summaries


def _free_text(
    questionnaire: Questionnaire, respondents: Sequence[Respondent]
) -> dict[str, tuple[str, ...]]:
    answers = {}
    for question in questionnaire.free_text:
        given = sorted(
            answer.value
            for person in respondents
            if (answer := person.answers.get(question.id)) is not None
            and answer.state is AnswerState.ANSWERED
            and isinstance(answer.value, str)
        )
        if given:
            answers[question.id] = tuple(given)
    return answers


def score(
    questionnaire: Questionnaire,
    respondents: Sequence[Respondent],
    anonymity_threshold: int | None = None,
) -> Result:
    threshold = anonymity_threshold or questionnaire.anonymity_threshold
    practices = _practice_results(questionnaire, respondents)
    dimensions = dimension_scores(questionnaire, respondents)
    weights = {d.id: d.weight for d in questionnaire.dimensions}

    level = 1
    for candidate in (2, 3, 4):
        if _failing(questionnaire, practices, candidate):
            break
        level = candidate
    blockers = tuple(_failing(questionnaire, practices, level + 1)) if level < 4 else ()

    gaps = tuple(
        result
        for result in practices.values()
        if len(result.values) >= threshold and result.spread >= questionnaire.gap_steps
    )
    rated = sum(len(r.values) + r.dont_know for r in practices.values())
    dont_know = sum(r.dont_know for r in practices.values())
    return Result(
        respondents=len(respondents),
        practices=practices,
        dimensions=dimensions,
        overall=_weighted_mean(dimensions, weights),
        level=level,
        blockers=blockers,
        gaps=gaps,
        groups=_groups(questionnaire, respondents, threshold),
        dont_know_rate=dont_know / rated if rated else None,
        numbers=_numbers(questionnaire, respondents),
        free_text=_free_text(questionnaire, respondents),
    )
