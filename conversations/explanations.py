"""What "why" says at each question: why it is asked and how to answer, in that question's own
terms (the questionnaire file holds an explanation for each practice, number and free-text
question; the generic text of the question's kind stands in where it has none)."""

from __future__ import annotations

from conversations.commands import Command, CommandWords
from conversations.i18n import Localizer
from conversations.questionnaire import NumberQuestion, Questionnaire, TextQuestion
from conversations.questions import Question, QuestionKind


def why_text(loc: Localizer, questionnaire: Questionnaire, question: Question) -> str:
    skip = CommandWords.word(loc, Command.SKIP)
    source = question.source
    if question.kind is QuestionKind.ROLE:
        # No number here: each team sets its own anonymity threshold.
        return loc._(
            "Your role lets the report compare how frontline staff and managers see things. "
            "Those comparisons appear only when every group is big enough that nobody can "
            "be singled out. Type {skip} if you'd rather not say.",
            skip=skip,
        )
    if isinstance(source, NumberQuestion):
        optional = loc._(
            "These numbers show where the team stands today and make progress visible in "
            "later snapshots. They are optional: type {skip} if you don't have one at hand.",
            skip=skip,
        )
        return f"{loc._(source.why)}\n{optional}" if source.why else optional
    if isinstance(source, TextQuestion):
        unnamed = loc._(
            "Your own words show what the scores miss. The report shows them without names, "
            "and counts identical answers together. Type {skip} if nothing comes to mind.",
            skip=skip,
        )
        return f"{loc._(source.why)}\n{unnamed}" if source.why else unnamed
    dimension = questionnaire.dimension_of[question.id]
    practice = questionnaire.practices[question.id]
    parts = [loc._(dimension.why)]
    if practice.why:
        parts.append(loc._(practice.why))
    if practice.example:
        parts.append(loc._("For example: {example}", example=loc._(practice.example)))
    parts.append(loc._("How to answer:"))
    for point in questionnaire.scale:
        parts.append(f"{point.value + 1} {loc._(point.label)} — {loc._(point.meaning)}")
    dont_know = questionnaire.dont_know
    parts.append(f"0 {loc._(dont_know.label)} — {loc._(dont_know.meaning)}")
    return "\n".join(parts)
