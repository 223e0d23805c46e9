"""CSMM_DATABASE_URL as people paste it: `sqlite:///…`, `postgresql://…`, `postgres://…`,
`postgresql+psycopg2://…` all work (we choose the drivers), and a URL we cannot use, or a
database we cannot open, is one localized line that names the setting, from every command
that opens the database — never a driver's traceback or its raw message alone."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.scheduling.runner import job_store_engine
from storage.database import Database
from storage.database_url import UnsupportedDatabase, async_database_url
from tests.bot.test_console import CSMM, cli_env


def pasted_forms(database_url: str) -> list[str]:
    """The URL of this test's database as people write it elsewhere."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return [f"sqlite:///{url.database}", f"sqlite+pysqlite:///{url.database}"]
    rendered = url.render_as_string(hide_password=False)
    rest = rendered.split("://", 1)[1]
    return [
        f"postgresql://{rest}",
        f"postgres://{rest}",
        f"postgresql+psycopg2://{rest}",
        f"postgresql+psycopg://{rest}",
    ]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CSMM, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_every_pasted_form_opens_the_same_database(database_url: str) -> None:
    for pasted in pasted_forms(database_url):
        done = run(cli_env(pasted), "db", "check")
        assert done.returncode == 0, f"{pasted}: {done.stderr}"
        assert "Schema is current" in done.stdout


async def test_the_scheduler_job_store_gets_the_same_database_through_a_blocking_driver(
    database_url: str,
) -> None:
    for pasted in pasted_forms(database_url):
        database = Database(pasted)
        try:
            assert database.url == async_database_url(database_url)
            engine = job_store_engine(database.url)
            with engine.connect() as connection:
                assert connection.execute(text("SELECT 1")).scalar() == 1
            engine.dispose()
        finally:
            await database.dispose()


@pytest.mark.parametrize(
    ("pasted", "wanted"),
    [
        ("sqlite:////data/csmm.db", "sqlite+aiosqlite:////data/csmm.db"),
        ("sqlite+pysqlite:///csmm.db", "sqlite+aiosqlite:///csmm.db"),
        ("  postgres://u:p%40ss@db:5432/csmm  ", "postgresql+asyncpg://u:p%40ss@db:5432/csmm"),
        ("postgresql+psycopg2://u@db/csmm", "postgresql+asyncpg://u@db/csmm"),
        ("postgresql+asyncpg://u@db/csmm", "postgresql+asyncpg://u@db/csmm"),
        # libpq's TLS setting becomes asyncpg's, and back for the job store's psycopg.
        ("postgresql://u@db/csmm?sslmode=require", "postgresql+asyncpg://u@db/csmm?ssl=require"),
    ],
)
def test_urls_get_our_drivers(pasted: str, wanted: str) -> None:
    assert async_database_url(pasted) == wanted
    if "ssl=" in wanted:
        from storage.database_url import blocking_database_url

        assert blocking_database_url(wanted).query == {"sslmode": "require"}


@pytest.mark.parametrize(
    ("pasted", "problem"),
    [
        ("mysql://u@db/csmm", "backend"),
        ("oracle+cx_oracle://u@db", "backend"),
        ("not a url", "unreadable"),
        ("", "unreadable"),
        ("sqlite://", "in-memory"),
    ],
)
def test_urls_we_cannot_use_are_refused_with_the_reason(pasted: str, problem: str) -> None:
    with pytest.raises(UnsupportedDatabase) as refused:
        Database(pasted)
    assert refused.value.problem == problem


def bad_urls(tmp_path: Path) -> dict[str, str]:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    return {
        "mysql": "mysql://user@db.example/csmm",
        "unreadable": "not a url",
        "no-server": "postgresql://user:secret-pw@127.0.0.1:1/csmm",
        "no-folder": f"sqlite:///{blocker}/csmm.db",
    }


EXPECTED = {
    "en_US.UTF-8": {
        "mysql": "names a mysql database, but CSMM Bot keeps its data in SQLite or PostgreSQL",
        "unreadable": "is not a database URL. Use one like these: sqlite:///",
        "no-server": "Could not open the database that CSMM_DATABASE_URL names",
        "no-folder": "/a-file/csmm.db): Not a directory",
    },
    "tr_TR.UTF-8": {
        "mysql": "bir mysql veritabanını gösteriyor, ancak CSMM Bot verilerini SQLite ya da",
        "unreadable": "bir veritabanı adresi değil. Şunlara benzer bir adres kullanın",
        "no-server": "ayarındaki veritabanı (postgresql+asyncpg://user:***@127.0.0.1:1/csmm)",
        "no-folder": "/a-file/csmm.db) açılamadı",
    },
}


def assert_one_line_naming_the_setting(done: subprocess.CompletedProcess[str], part: str) -> None:
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(("Error: ", "Hata: "))
    assert "CSMM_DATABASE_URL" in lines[0] and part in lines[0], lines[0]
    assert "secret-pw" not in done.stderr  # the password stays out


@pytest.mark.parametrize("lang", ["en_US.UTF-8", "tr_TR.UTF-8"])
@pytest.mark.parametrize("kind", ["mysql", "unreadable", "no-server", "no-folder"])
def test_a_url_we_cannot_use_is_one_localized_line(tmp_path: Path, kind: str, lang: str) -> None:
    done = run(cli_env(bad_urls(tmp_path)[kind], lang), "db", "check")
    assert_one_line_naming_the_setting(done, EXPECTED[lang][kind])


# Every command that opens the database, with what it needs to get that far.
COMMANDS = {
    "db upgrade": (["db", "upgrade"], {}),
    "console": (["console", "--team", "t", "--user", "u"], {}),
    "report": (["report", "--team", "t"], {}),
    "history": (["history", "--team", "t"], {}),
    "export": (["export", "--team", "t", "--format", "json"], {}),
    "plan": (["plan", "--team", "t"], {}),
    "forget": (["forget", "--team", "t", "--user", "u", "--yes"], {}),
    "serve": (["serve", "--port", "1"], {"TELEGRAM_BOT_TOKEN": "123456:ABCdef"}),
    "telegram": (["telegram"], {"TELEGRAM_BOT_TOKEN": "123456:ABCdef"}),
    "slack": (
        ["slack", "--port", "1"],
        {
            "SLACK_CLIENT_ID": "1.2",
            "SLACK_CLIENT_SECRET": "client-secret",
            "SLACK_SIGNING_SECRET": "signing-secret",
        },
    ),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_says_it_in_one_line(tmp_path: Path, command: str) -> None:
    args, extra = COMMANDS[command]
    env = {**cli_env(bad_urls(tmp_path)["mysql"]), **extra}
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    assert_one_line_naming_the_setting(run(env, *args), EXPECTED["en_US.UTF-8"]["mysql"])
