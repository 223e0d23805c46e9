"""Files are private: the SQLite database (answers, free text and, with OAuth, Slack bot
tokens) is created 0600 in a 0700 folder, its -wal and -shm companions too, even under a
permissive umask; reports, charts and exports are written 0600; and a database file others can
read gets a localized warning from every command that opens it."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import Database
from tests.bot.test_console import CSMM, cli_env, lines, take

ONE_SNAPSHOT = lines(*["2"] * 28, *["atla"] * 7, "gönder")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(env: dict[str, str], *args: str, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CSMM, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.umask(umask),  # the child's umask only
    )


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["usual-umask", "no-umask"])
def test_a_new_database_is_private_in_a_private_folder(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "new-folder" / "csmm.db"
    done = run(cli_env(f"sqlite:///{path}"), "db", "upgrade", umask=umask)
    assert done.returncode == 0, done.stderr
    assert mode(path.parent) == 0o700
    assert mode(path) == 0o600
    assert "Warning" not in done.stderr


async def test_the_write_ahead_log_and_shared_memory_files_are_private_too(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data" / "csmm.db"
    previous = os.umask(0)  # whatever the umask, the companions follow the database's mode
    try:
        database = Database(f"sqlite:///{path}")
        try:
            await database.upgrade()
            async with database.engine.begin() as connection:  # open while we look
                await connection.execute(text("CREATE TABLE probe (x INTEGER)"))
                await connection.execute(text("INSERT INTO probe VALUES (1)"))
                companions = [path.with_name(path.name + end) for end in ("-wal", "-shm")]
                assert all(c.exists() for c in companions)
                assert [mode(c) for c in companions] == [0o600, 0o600]
        finally:
            await database.dispose()
    finally:
        os.umask(previous)
    assert mode(path) == 0o600


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    """We only set the mode of a folder we create: an existing one is the owner's choice."""
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    done = run(cli_env(f"sqlite:///{folder / 'csmm.db'}"), "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert mode(folder) == 0o755 and mode(folder / "csmm.db") == 0o600


WARNING = {
    "en_US.UTF-8": "holds answers (and any Slack tokens) but other accounts on this machine",
    "tr_TR.UTF-8": "yanıtları (ve varsa Slack belirteçlerini) içeriyor, ancak bu makinedeki",
}


@pytest.mark.parametrize("lang", list(WARNING))
def test_a_readable_database_gets_a_warning_at_start_up(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "csmm.db"
    url = f"sqlite:///{path}"
    assert run(cli_env(url), "db", "upgrade").returncode == 0
    os.chmod(path, 0o644)
    done = run(cli_env(url, lang), "db", "check")
    assert done.returncode == 0, done.stderr  # a warning, not a refusal
    (line,) = done.stderr.strip().splitlines()
    assert WARNING[lang] in line and str(path) in line and "644" in line
    assert "chmod 600" in line

    os.chmod(path, 0o600)
    quiet = run(cli_env(url, lang), "db", "check")
    assert quiet.returncode == 0 and quiet.stderr == ""


# Commands that serve a channel warn as they open the database, before they reach their
# platform (here an address where nothing listens, so they stop right after).
SERVING = {
    "serve": (["serve", "--port", "1"], {"TELEGRAM_BOT_TOKEN": "123456:ABCdef"}),
    "telegram": (["telegram"], {"TELEGRAM_BOT_TOKEN": "123456:ABCdef"}),
    "slack": (
        ["slack", "--port", "TAKEN"],
        {
            "SLACK_CLIENT_ID": "1.2",
            "SLACK_CLIENT_SECRET": "client-secret",
            "SLACK_SIGNING_SECRET": "signing-secret",
        },
    ),
    "history": (["history", "--team", "nobody"], {}),
}


@pytest.mark.parametrize("command", list(SERVING))
def test_every_command_that_opens_the_database_warns(tmp_path: Path, command: str) -> None:
    path = tmp_path / "csmm.db"
    url = f"sqlite:///{path}"
    assert run(cli_env(url), "db", "upgrade").returncode == 0
    os.chmod(path, 0o640)
    args, extra = SERVING[command]
    nowhere = "http://127.0.0.1:1/"
    env = {
        **cli_env(url),
        "TELEGRAM_API_URL": nowhere + "bot",
        "SLACK_API_URL": nowhere,
        **extra,
    }
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    with socket.socket() as taken:  # the Slack app's port: it stops when it cannot listen
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = run(env, *(port if arg == "TAKEN" else arg for arg in args))
    warned = [line for line in done.stderr.splitlines() if WARNING["en_US.UTF-8"] in line]
    assert len(warned) == 1, done.stderr


def test_reports_charts_and_exports_are_written_private(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'csmm.db'}"
    take(url, "destek", "ayse", ONE_SNAPSHOT, lang="tr")
    written = {name: tmp_path / name for name in ("r.png", "t.png", "r.pdf", "a.csv", "a.json")}
    # One of them is there already, readable by everyone: it is replaced, and made private.
    written["a.json"].write_text("{}")
    os.chmod(written["a.json"], 0o644)
    env = cli_env(url)
    for args in (
        ["report", "--team", "destek", "--chart", str(written["r.png"])],
        ["report", "--team", "destek", "--trend", str(written["t.png"])],
        ["report", "--team", "destek", "--pdf", str(written["r.pdf"])],
        ["export", "--team", "destek", "--format", "csv", "--output", str(written["a.csv"])],
        ["export", "--team", "destek", "--format", "json", "--output", str(written["a.json"])],
    ):
        done = run(env, *args, umask=0)
        assert done.returncode == 0, f"{args}: {done.stderr}"
    assert {name: oct(mode(path)) for name, path in written.items()} == {
        name: oct(0o600) for name in written
    }
    assert written["a.json"].read_text() != "{}"
