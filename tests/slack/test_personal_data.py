"""`/maturity forget-me` and `/maturity export-me` through signed requests into the running
app: the person who installed the app (OAuth) is forgotten everywhere — no cell of any table,
slack-sdk's installation tables included, holds their id or name — while the workspace stays
installed and served; export-me uploads their data as a JSON file into their own DM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.assessments import Assessments
from bot.slack.common import team_key
from tests.conftest import database_url_for
from tests.person_traces import FREE_TEXT, NOTE, Someone, leave_traces
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import AYSE, BOB, CHANNEL, serving, team_channel
from tests.slack.test_oauth import (
    CODE,
    INSTALLER,
    NEW_CHANNEL,
    NEW_PERSON,
    NEW_TEAM,
    NEW_TOKEN,
    browser,
    install_page,
    new_workspace,
    redirect,
    stored,
)
from tests.table_dump import cells_containing, dump_tables

# slack_sdk's oauth_v2_access still builds an aiohttp BasicAuth
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

NUR = Someone("slack", INSTALLER, "Nur Admin")
CEM = Someone("slack", NEW_PERSON, "Cem Kaya")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url_for(request.param, request, tmp_path)


def notes_to(fake: FakeSlack, user_id: str) -> list[str]:
    return [e.text for e in fake.ephemerals if e.user == user_id]


async def test_forget_me_forgets_the_installer_everywhere_and_the_app_stays_installed(
    fake: FakeSlack, assessments: Assessments, database_url: str
) -> None:
    new_workspace(fake)
    async with serving(fake, assessments, oauth=True):
        async with browser(fake) as session:
            _url, state = await install_page(session, fake)
            assert (await redirect(session, fake, code=CODE, state=state))[0] == 200
        await leave_traces(assessments, NUR, CEM, team_key(NEW_TEAM, NEW_CHANNEL), "#help-desk")
        # Through the app too: her language, and the open snapshot sent to whoever still lacks it.
        await fake.command(INSTALLER, NEW_CHANNEL, "language en")
        await fake.command(INSTALLER, NEW_CHANNEL, "start")
        await fake.wait_for(lambda: len(notes_to(fake, INSTALLER)) == 2)
        before = await dump_tables(database_url)
        assert cells_containing(before, [INSTALLER])
        assert any(INSTALLER in row for row in before["slack_installations"])

        await fake.command(INSTALLER, NEW_CHANNEL, "forget-me")
        await fake.wait_for(lambda: len(notes_to(fake, INSTALLER)) == 3)
        question = [e for e in fake.ephemerals if e.user == INSTALLER][-1]
        await fake.press(INSTALLER, "Yes, delete my answers", message=question)
        await fake.wait_for(lambda: "answers deleted" in str(fake.responses))

        after = await dump_tables(database_url)
        assert cells_containing(after, [INSTALLER, NUR.name]) == []
        assert cells_containing(after, [NEW_PERSON])  # her colleague's stay
        # The workspace's bot token is the workspace's: it stays, and the app serves it.
        installations = (await stored(assessments))["installations"]
        assert installations == [(NEW_TEAM, NEW_TOKEN, "(forgotten)", fake.client_id)]
        await fake.command(NEW_PERSON, NEW_CHANNEL, "status")
        await fake.wait_for(lambda: any("Snapshot 3" in n for n in notes_to(fake, NEW_PERSON)))
        # And she is a stranger now.
        await fake.command(INSTALLER, NEW_CHANNEL, "export-me")
        await fake.wait_for(lambda: "I hold nothing" in notes_to(fake, INSTALLER)[-1])


async def test_export_me_uploads_a_json_file_into_the_persons_dm(
    fake: FakeSlack, assessments: Assessments
) -> None:
    team_channel(fake)
    ayse, bob = Someone("slack", AYSE, "Ayşe Yılmaz"), Someone("slack", BOB, "Bob Stone")
    await leave_traces(assessments, ayse, bob, team_key(fake.team_id, CHANNEL), "#support")
    async with serving(fake, assessments):
        await fake.command(AYSE, CHANNEL, "verilerim")  # in Turkish, as she chose
        await fake.wait_for(lambda: fake.uploads)
        [upload] = fake.uploads
        assert upload.channel_id == fake.dm_id(AYSE)  # never into the channel
        assert upload.filename == "csmm-my-data.json"
        assert upload.initial_comment and "JSON" in upload.initial_comment
        held = json.loads(upload.content)
        assert held["person"]["id"] == AYSE and held["person"]["name"] == "Ayşe Yılmaz"
        assert held["teams"] == ["#support"]
        answers = [a for r in held["responses"] for a in r["answers"]]
        assert any(a["note"] == NOTE for a in answers)
        assert any(a["value"] == FREE_TEXT for a in answers)
        assert BOB not in upload.content.decode()
        assert "mesajlarınızda" in notes_to(fake, AYSE)[-1]

        await fake.command(BOB, CHANNEL, "export-me")  # Bob answered too: he gets his own
        await fake.wait_for(lambda: len(fake.uploads) == 2)
        assert fake.uploads[1].channel_id == fake.dm_id(BOB)
        # Someone the app holds nothing about is told so, and gets no file.
        await fake.command("UADMIN", CHANNEL, "export-me")
        await fake.wait_for(lambda: notes_to(fake, "UADMIN"))
        assert "I hold nothing about you" in notes_to(fake, "UADMIN")[-1]
        assert len(fake.uploads) == 2
        await fake.command(BOB, CHANNEL, "help")
        await fake.wait_for(lambda: len(notes_to(fake, BOB)) == 2)
        assert "/maturity export-me" in notes_to(fake, BOB)[-1]
