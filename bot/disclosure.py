"""What a chat may see of a team's results: the anonymity threshold, decided here and nowhere else.

A snapshot's scores, numbers, free text and notes are the answers of the people who submitted
it. Below the team's anonymity threshold they would show those few one by one, so no chat —
Telegram, Slack, their App Home, the charts and PDFs posted there — receives them: the chat is
told how many responded, that the results are withheld, and how an administrator changes the
threshold. `Assessments` applies this rule to every report, history, plan and export it builds
unless it serves the operator on the server (the CLI), who keeps full access.

A team of one person (a personal assessment in a private chat) shows that person their own
results: nobody else is there to single them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from conversations.history import SnapshotScore
from conversations.i18n import Localizer
from conversations.scoring import Result
from storage.models import Team

PERSONAL_PREFIX = "personal:"  # a person's own team, on every platform
MIN_THRESHOLD, MAX_THRESHOLD = 1, 50  # the bounds the settings and the questionnaire allow

# How an administrator changes the threshold, by platform (commands are not translated).
THRESHOLD_COMMANDS = {"telegram": "/threshold", "slack": "/maturity threshold"}


def is_personal(team: Team) -> bool:
    return team.external_id.startswith(PERSONAL_PREFIX)


def may_show(team: Team, submitted: int) -> bool:
    """Whether a chat may see the results of a snapshot of ``team`` that ``submitted`` people
    submitted. Nobody submitted: there is nothing to single anyone out with."""
    return is_personal(team) or submitted == 0 or submitted >= team.anonymity_threshold


@dataclass(frozen=True)
class Withheld:
    """A snapshot whose results a chat may not see, and what the chat is told instead."""

    number: int
    submitted: int
    threshold: int
    platform: str

    def text(self, loc: Localizer) -> str:
        responded = loc.ngettext(
            "Snapshot {number}: {n} response submitted.",
            "Snapshot {number}: {n} responses submitted.",
            self.submitted,
            number=self.number,
        )
        withheld = loc._(
            "Its results are withheld: this team shows results only once at least {needed} "
            "people have submitted, so no one's answers can be picked out.",
            needed=self.threshold,
        )
        command = THRESHOLD_COMMANDS.get(self.platform)
        if command is None:
            return f"{responded} {withheld}"
        how = loc._(
            "A team administrator can change the threshold with {command} and a number, "
            "for example {command} {example}.",
            command=command,
            example=max(MIN_THRESHOLD, min(self.threshold, self.submitted)),
        )
        return f"{responded} {withheld} {how}"


def withheld(team: Team, number: int, submitted: int) -> Withheld | None:
    """What a chat is told instead of the results of snapshot ``number``, which ``submitted``
    people submitted; None when it may see them."""
    if may_show(team, submitted):
        return None
    return Withheld(number, submitted, team.anonymity_threshold, team.platform)


def shown_history(
    team: Team, history: Sequence[SnapshotScore], nothing: Result
) -> list[SnapshotScore]:
    """``history`` as a chat may see it: a snapshot below the threshold keeps its dates and
    counts but loses its scores (``nothing``, the result of no answers), so no chart, trend
    or change since last time is drawn from it."""
    return [
        entry if may_show(team, entry.submitted) else replace(entry, result=nothing)
        for entry in history
    ]


def threshold_note(loc: Localizer, team: Team) -> str:
    """The promise made to someone who just submitted, with its condition: "Results are shown
    once at least 3 people have submitted." Empty where nothing is withheld anyway."""
    if is_personal(team) or team.anonymity_threshold <= 1:
        return ""
    return loc.ngettext(
        "Results are shown once at least {n} person has submitted.",
        "Results are shown once at least {n} people have submitted.",
        team.anonymity_threshold,
    )
