"""`/maturity` in Turkish: the help lists the Turkish spelling of every subcommand (no English
`close`, `export`, `report` beside Turkish ones), and each spelling it lists works — typed by a
Turkish-speaking admin through signed slash commands into the running app."""

from __future__ import annotations

import datetime as dt
import re
from functools import partial

import time_machine
from sqlalchemy import select

from bot.assessments import Assessments
from bot.slack.app import SlackChannel
from bot.slack.command_call import ALIASES, SUBCOMMANDS
from bot.slack.common import PLATFORM, team_key
from conversations.i18n import fold
from storage import team_settings
from storage.models import Snapshot
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import ADMIN, AYSE, BOB, CHANNEL
from tests.slack.journey import answer_everything, start
from tests.slack.test_away import told

DENIZ = "UDENIZ"  # a workspace admin whose Slack is in Turkish
LISTED = re.compile(r"\*/maturity ([^*\s]+)\*")
TODAY = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def opened(fake: FakeSlack, count: int) -> bool:
    return len(fake.opened_views) >= count


def turkish_channel(fake: FakeSlack) -> None:
    fake.add_user(DENIZ, "Deniz Kaya", is_admin=True, locale="tr-TR", tz="Europe/Istanbul")
    fake.add_user(ADMIN, "Admin Ada", is_admin=True, tz="Europe/London")
    fake.add_user(AYSE, "Ayşe Yılmaz", locale="tr-TR", tz="Europe/Istanbul")
    fake.add_user(BOB, "Bob Stone")
    fake.add_channel(CHANNEL, "destek", [DENIZ, ADMIN, AYSE, BOB, fake.bot_user_id])


async def test_the_turkish_help_lists_turkish_subcommands(
    fake: FakeSlack, app: SlackChannel
) -> None:
    turkish_channel(fake)
    english = set(ALIASES) - {"plan"}  # "plan" is Turkish too
    for asked in ("yardım", "help"):  # the person's language decides, not the word typed
        helped = await told(fake, DENIZ, asked)
        listed = LISTED.findall(helped)
        assert len(listed) >= len(ALIASES) - 1, helped  # every subcommand but help itself
        assert [word for word in listed if word in english] == [], helped
        assert all(SUBCOMMANDS.get(fold(word)) for word in listed), listed
    english_help = await told(fake, BOB, "yardım")
    assert {"start", "close", "export", "report"} <= set(LISTED.findall(english_help))


async def test_the_turkish_subcommands_the_help_lists_work(
    fake: FakeSlack, app: SlackChannel, assessments: Assessments
) -> None:
    turkish_channel(fake)
    with time_machine.travel(TODAY, tick=True):
        opened = await told(fake, DENIZ, "başlat")
        assert "tanımıyorum" not in opened
        team = await assessments.team_at(PLATFORM, team_key(fake.team_id, CHANNEL))
        assert team is not None
        await start(fake, AYSE, "Başla")
        await answer_everything(fake, AYSE)

        assert "Ayşe Yılmaz" in await told(fake, DENIZ, "durum")
        await told(fake, DENIZ, "yönetici ekle <@UBOB>")
        async with assessments.database.reading() as session:
            assert BOB in await team_settings.team_admin_ids(session, team.id)
        await told(fake, DENIZ, "yönetici çıkar <@UBOB>")  # typed with ç and ı
        async with assessments.database.reading() as session:
            assert BOB not in await team_settings.team_admin_ids(session, team.id)

        said = await told(fake, DENIZ, "dil takım tr")  # "takım" as well as "ekip"
        assert said == "Bu kanaldaki paylaşımlar bundan sonra Türkçe olacak."

        said = await told(fake, DENIZ, "izin 2027-01-15")
        assert said.endswith("/maturity izin döndüm yazmanız yeterli.")
        said = await told(fake, DENIZ, "izin döndüm")
        assert said == "Tekrar hoş geldiniz: hatırlatmalarınız yeniden açık."

        await told(fake, DENIZ, "kapat")
        async with assessments.database.reading() as session:
            statuses = (await session.scalars(select(Snapshot.status))).all()
        assert statuses == ["closed"]
        assert "tanımıyorum" not in await told(fake, DENIZ, "rapor")
        exported = await told(fake, DENIZ, "aktar csv")  # one response: results withheld
        assert "tanımıyorum" not in exported and "/maturity aktar" not in exported


async def test_the_schedule_modal_says_the_nudge_days_in_words(
    fake: FakeSlack, app: SlackChannel
) -> None:
    turkish_channel(fake)
    for shown, (admin, typed) in enumerate(((DENIZ, "takvim"), (ADMIN, "schedule")), start=1):
        await fake.command(admin, CHANNEL, typed)
        await fake.wait_for(partial(opened, fake, shown))
        [nudges] = [b for b in fake.opened_views[-1]["blocks"] if b.get("block_id") == "nudge_days"]
        assert nudges["element"]["initial_value"] == "2,-1"  # what people edit stays short
        hints = str(nudges["hint"]["text"])
        assert hints.endswith(
            "Şu an: açılıştan 2 gün sonra, son tarihten 1 gün önce."
            if admin == DENIZ
            else "Now: 2 days after opening, 1 day before the deadline."
        ), hints
