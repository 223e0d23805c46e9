"""The terminal in Turkish: a team whose name already says "Ekibi" reads right, the schedule
says its nudge days in words, and `csmm serve` starts up in the operator's language."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import time_machine
from click.testing import CliRunner

from bot.cli import cli
from conversations.questionnaire import Questionnaire
from tests.bot.test_schedule_cli import NOW, team, words
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import free_port
from tests.slack.test_cli import CSMM, Running, slack_env
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.helpers import TOKEN

TEAM = "Destek Ekibi"


def csmm(database_url: str, *args: str) -> str:
    env = {
        "CSMM_DATABASE_URL": database_url,
        "LANG": "tr_TR.UTF-8",
        "LC_ALL": "",
        "LC_MESSAGES": "",
    }
    result = CliRunner().invoke(cli, [*args, "--lang", "tr"], env=env)
    assert result.exit_code == 0, result.output
    return words(result)


def test_a_team_called_destek_ekibi_is_never_ekibi_ekibi(
    database_url: str, questionnaire: Questionnaire
) -> None:
    team(database_url, questionnaire, TEAM)
    with time_machine.travel(NOW, tick=True):
        schedule = csmm(database_url, "schedule", "--team", TEAM, "--nudge-days", "3,-2")
        opened = csmm(database_url, "snapshot", "new", "--team", TEAM)
        history = csmm(database_url, "history", "--team", TEAM)
    printed = schedule + opened + history
    assert "ekibi ekib" not in printed.casefold(), printed
    lines = schedule.splitlines()
    assert lines[0] == "Destek Ekibi için takvim (saat dilimi: UTC):"
    assert lines[3] == (
        "Mesaj saati: 10:00 (Pazartesi, Salı, Çarşamba, Perşembe, Cuma); mesajlar yalnızca "
        "09:00–18:00 arasında gönderilir. Hatırlatmalar: açılıştan 3 gün sonra, son tarihten "
        "2 gün önce."
    )
    assert opened.startswith("“Destek Ekibi” için 1. değerlendirme turu açıldı.")
    assert history.startswith("1. değerlendirme turu · ")


def test_the_schedule_without_nudges_says_so(
    database_url: str, questionnaire: Questionnaire
) -> None:
    team(database_url, questionnaire, TEAM)
    with time_machine.travel(NOW, tick=True):
        schedule = csmm(database_url, "schedule", "--team", TEAM, "--nudge-days", "")
    assert "Hatırlatmalar: hatırlatma yok." in schedule


async def test_serve_starts_up_in_turkish(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    telegram = FakeBotApi(TOKEN)
    await telegram.start()
    try:
        async with FakeSlack() as fake:
            env = slack_env(
                fake, database_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.base_url
            )
        env.pop("SLACK_BOT_TOKEN")  # Telegram alone
        out, err = tmp_path / "out.txt", tmp_path / "err.txt"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                *CSMM, "serve", "--port", str(port), "--lang", "tr",
                env=env, stdout=stdout, stderr=stderr, stdin=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            running = Running(process, out, err)
            try:
                async with asyncio.timeout(30):
                    while "healthz" not in out.read_text():
                        assert process.returncode is None, running.output()
                        await asyncio.sleep(0.05)
                    while True:  # the health check stays for machines, in English
                        try:
                            async with (
                                aiohttp.ClientSession() as session,
                                session.get(f"http://127.0.0.1:{port}/healthz") as response,
                            ):
                                body = await response.json()
                            break
                        except aiohttp.ClientError:
                            await asyncio.sleep(0.05)
                assert await running.stopped() == 0
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
        printed, errors = running.output()
        assert printed.splitlines() == [
            "Telegram: uzun yoklama (long polling)",
            "Zamanlayıcı: açık (her veritabanında tek lider)",
            f"Durum denetimi: http://127.0.0.1:{port}/healthz",
        ], errors
        assert body["channels"] == {
            "telegram": "long polling",
            "scheduler": "on (one leader per database)",
        }
    finally:
        await telegram.stop()
