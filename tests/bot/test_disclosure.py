"""What the service lets a chat see of a team's snapshots (bot/disclosure.py), against what
the operator sees: snapshot 1 answered by two (the team's threshold), snapshot 2 by one."""

from __future__ import annotations

import pytest

from bot import anonymity
from bot.assessments import Assessments
from bot.service_errors import ResultsWithheld
from tests.bot.test_history import TEAM, as_operator, take


async def test_a_snapshot_below_the_threshold_is_withheld_from_chats_only(
    assessments: Assessments,
) -> None:
    await take(assessments, "ayse", lambda _: "2")
    await take(assessments, "bob", lambda _: "3")
    team = await assessments.find_team(TEAM)
    await anonymity.set_threshold(assessments.database, team, 2, "lead")
    await assessments.new_snapshot(team, "lead")
    await take(assessments, "ayse", lambda _: "4")
    operator = as_operator(assessments)

    with pytest.raises(ResultsWithheld) as raised:
        await assessments.report(team, "en")
    withheld = raised.value.withheld
    assert (withheld.number, withheld.submitted, withheld.threshold) == (2, 1, 2)
    with pytest.raises(ResultsWithheld):
        await assessments.export(team)
    assert await assessments.withheld(team) is not None

    # Snapshot 2 keeps its count but loses its scores; its plan is not the team's in chats.
    shown = await assessments.history(team)
    assert [(s.number, s.submitted, s.scored) for s in shown] == [(1, 2, True), (2, 1, False)]
    plan = await assessments.plan(team)
    assert plan.snapshot_number == 1 and plan.items

    # The operator sees everything.
    full = await operator.history(team)
    assert [s.scored for s in full] == [True, True]
    assert (await operator.report(team, "en")).snapshot_number == 2
    assert list((await operator.export(team)).records)
    assert (await operator.plan(team)).snapshot_number == 2
    assert await operator.withheld(team) is None

    # A ticked item lands on the plan the chat sees, snapshot 1's.
    ticked = await assessments.tick(team, 1, True, "Bob")
    assert ticked.snapshot_number == 1 and ticked.items[0].done
