"""The scheduled deadline of a Telegram team below its anonymity threshold, under `csmm
serve` with the clock moved: the snapshot closes and the group is told how many responded and
that the results are withheld — no chart, no scores, no checklist."""

from __future__ import annotations

import pytest
import time_machine

from bot.assessments import Assessments
from conversations.i18n import Localizer
from conversations.questionnaire import Questionnaire
from storage.database import Database
from tests.scheduling.helpers import ISTANBUL, at, serving, snapshots, telegram
from tests.scheduling.test_telegram_cycle import (
    AYSE,
    GROUP,
    answer,
    checklist,
    link_token,
    scheduled_team,
    texts,
)
from tests.telegram.fake_bot_api import FakeBotApi


@pytest.fixture
def assessments(
    database: Database, questionnaire: Questionnaire, localizers: dict[str, Localizer]
) -> Assessments:
    """As `csmm serve` builds it: new teams take the default threshold, 3."""
    return Assessments(database, questionnaire, localizers)


async def test_the_deadline_withholds_the_results_of_one_respondent(
    bot_api: FakeBotApi, assessments: Assessments, questionnaire: Questionnaire
) -> None:
    api = bot_api
    api.group(GROUP, "Support")
    ayse = api.user(AYSE, "Ayşe")
    support = await scheduled_team(assessments, GROUP, "Support")

    with time_machine.travel(at(ISTANBUL, 2027, 3, 15, 9, 59, 59), tick=True) as traveller:
        async with serving(assessments, telegram(api)):
            await api.wait_for(lambda: bool(api.sent(GROUP)))
            await answer(api, ayse, link_token(api.sent(GROUP)[0]))
            posted = len(api.sent(GROUP))
            traveller.move_to(at(ISTANBUL, 2027, 3, 29, 18, 0, 0))
            await api.wait_for(lambda: len(api.sent(GROUP)) > posted)
            [report] = api.sent(GROUP)[posted:]

    text = str(report.get("text"))
    assert "Snapshot 1: 1 response submitted." in text and "withheld" in text
    assert "photo" not in report and not checklist(report)
    titles = [dimension.title for dimension in questionnaire.dimensions]
    assert not [title for title in titles for sent in texts(api, GROUP) if title in sent]
    assert [s.status for s in await snapshots(assessments.database, support.id)] == ["closed"]
