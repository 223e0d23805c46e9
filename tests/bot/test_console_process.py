"""The console as a process among others: killed, run in parallel, run in a real terminal."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.bot.test_console import CSMM, cli_env, csmm, lines, take


def spawn(database_url: str, *args: str) -> subprocess.Popen[str]:
    env = cli_env(database_url)
    return subprocess.Popen(
        [*CSMM, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def read_until(stream, marker: str, limit_s: float = 60) -> str:  # type: ignore[no-untyped-def]
    seen = ""
    deadline = time.monotonic() + limit_s
    while marker not in seen:
        assert time.monotonic() < deadline, f"no {marker!r} in {seen[-500:]!r}"
        line = stream.readline()
        assert line, f"process ended before {marker!r}"
        seen += line
    return seen


def test_kill_9_loses_no_acknowledged_answer(database_url: str) -> None:
    process = spawn(database_url, "console", "--team", "t", "--user", "a")
    assert process.stdin is not None and process.stdout is not None
    acknowledged = 0
    for value in ["2", "3", "4", "1", "0", "3"]:
        process.stdin.write(value + "\n")
        process.stdin.flush()
        read_until(process.stdout, "✓")  # the echo comes only after the commit
        acknowledged += 1
    process.send_signal(signal.SIGKILL)
    process.wait()
    rows = json.loads(csmm(database_url, "export", "--team", "t", "--format", "json").stdout)[
        "answers"
    ]
    assert len(rows) == acknowledged
    # And the next run picks up right after the last acknowledged answer.
    resumed = take(database_url, "t", "a", "")
    assert f"{acknowledged + 1}/" in resumed


def test_parallel_processes_share_one_database(database_url: str) -> None:
    processes = [
        spawn(database_url, "console", "--team", "shared", "--user", f"p{i}") for i in range(4)
    ]
    script = lines(*["3"] * 40, "submit")
    for process in processes:  # all input up front, so the four really answer at the same time
        assert process.stdin is not None
        process.stdin.write(script)
        process.stdin.close()
    for process in processes:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read()
        err = process.stderr.read()
        process.wait(timeout=180)
        assert process.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    report = csmm(database_url, "report", "--team", "shared").stdout
    assert "4 responses submitted" in report and "Level 3 · Measured" in report


class Terminal:
    """`csmm` on a pseudo-terminal, as a person at a keyboard would run it."""

    def __init__(self, database_url: str, *args: str) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child becomes csmm on the terminal
            os.environ.update(
                CSMM_DATABASE_URL=database_url, TERM="xterm", LANG="en_US.UTF-8", LC_ALL=""
            )
            os.execvp(CSMM[0], [*CSMM, *args])
        self.screen = b""

    def wait_for(self, marker: str) -> None:
        deadline = time.monotonic() + 60
        while marker.encode() not in self.screen:
            assert time.monotonic() < deadline, self.screen[-400:]
            ready, _, _ = select.select([self.fd], [], [], 1)
            if ready:
                try:
                    self.screen += os.read(self.fd, 4096)
                except OSError:  # the child exited and closed the terminal
                    break

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def exit_code(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_interactive_terminal(database_url: str) -> None:
    """In a real TTY: prompt, colours, and Ctrl-D saves and says how to go on."""
    terminal = Terminal(database_url, "console", "--team", "tty", "--user", "a", "--lang", "tr")
    terminal.wait_for("› ")
    terminal.type("sistematik\r")  # not valid for the role question
    terminal.wait_for("Lütfen")
    terminal.type("2\r")
    terminal.wait_for("2/35")
    terminal.type("\x04")  # Ctrl-D
    terminal.wait_for("çalıştırın")
    assert terminal.exit_code() == 0
    text = terminal.screen.decode()
    assert "\x1b[" in text  # coloured output on a terminal
    assert "Ekip lideri" in text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ctrl_c_in_a_terminal_saves_and_says_how_to_go_on(database_url: str) -> None:
    terminal = Terminal(database_url, "console", "--team", "tty", "--user", "a")
    terminal.wait_for("› ")
    # readline shows the prompt before it waits for keys: a Ctrl-C in between is only noticed
    # with the next key (CPython checks signals when its wait is interrupted), and on a busy
    # machine that gap is long enough to hit. A person is never that fast.
    time.sleep(0.5)
    terminal.type("\x03")  # Ctrl-C at the prompt
    terminal.wait_for("To continue, run")
    assert terminal.exit_code() == 0
    assert b"Traceback" not in terminal.screen and b"Aborted" not in terminal.screen


def test_cli_speaks_the_persons_language(database_url: str, tmp_path: Path) -> None:
    turkish = csmm(database_url, "report", "--team", "yok", "--lang", "tr")
    assert turkish.returncode != 0
    assert turkish.stderr.strip() == "Hata: “yok” adında bir ekip henüz yok."
    env_turkish = subprocess.run(
        [*CSMM, "plan", "--team", "yok"],
        capture_output=True,
        text=True,
        check=False,
        env=cli_env(database_url, "tr_TR.UTF-8"),
    )
    assert env_turkish.stderr.startswith("Hata: ")
    english = csmm(database_url, "report", "--team", "nobody", "--lang", "en")
    assert english.stderr.strip() == "Error: There is no team called “nobody” yet."


def test_invalid_utf8_input_is_answered_not_crashed(database_url: str) -> None:
    env = cli_env(database_url)
    done = subprocess.run(
        [*CSMM, "console", "--team", "t", "--user", "a"],
        input=b"\xff\xfe\n\x00\n2\n",
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert out.count("! ") == 2 and "✓ Team lead" in out


def test_forgotten_while_answering_gets_a_clear_message(database_url: str) -> None:
    process = spawn(database_url, "console", "--team", "t", "--user", "a")
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("2\n")
    process.stdin.flush()
    read_until(process.stdout, "✓")
    assert csmm(database_url, "forget", "--team", "t", "--user", "a", "--yes").returncode == 0
    _, err = process.communicate("3\n", timeout=60)
    assert process.returncode == 1
    assert err.startswith("Error: Your answers here were deleted") and "Traceback" not in err


def test_a_reader_that_stops_early_gets_no_error(database_url: str) -> None:
    env = cli_env(database_url)
    pipeline = subprocess.run(
        f"(yes 2 | head -n 40) | {' '.join(CSMM)} console --team t --user a | head -n 3",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert pipeline.stderr == ""
    assert len(pipeline.stdout.splitlines()) == 3


def test_first_runs_in_parallel_on_a_new_file(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    processes = [spawn(url, "console", "--team", "t", "--user", f"p{i}") for i in range(5)]
    for process in processes:
        out, err = process.communicate("2\n", timeout=120)
        assert process.returncode == 0, err
        assert "✓" in out
    rows = json.loads(csmm(url, "export", "--team", "t", "--format", "json").stdout)["answers"]
    assert len(rows) == 5


README_SCRIPT = (
    "(yes {value} | head -n 80; echo {submit}) | {csmm} console --team t --user a --lang {lang}"
)


@pytest.mark.parametrize(
    ("first", "lang", "submit"),
    [("3", "en", "submit"), ("4", "en", "submit"), ("2", "tr", "gönder")],
)
def test_the_readme_script_re_assesses_snapshot_after_snapshot(
    database_url: str, first: str, lang: str, submit: str
) -> None:
    """The README's scripted run, through a real shell pipe, in snapshot 2 after answering
    snapshot 1 differently: each "4" at a "what changed?" note answers the next question
    instead of being refused, the script submits, and the next snapshot opens."""

    def script(value: str) -> subprocess.CompletedProcess[str]:
        command = README_SCRIPT.format(value=value, submit=submit, csmm=" ".join(CSMM), lang=lang)
        done = subprocess.run(
            ["bash", "-c", command],
            capture_output=True,
            text=True,
            env=cli_env(database_url),
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        return done

    script(first)
    assert csmm(database_url, "snapshot", "new", "--team", "t", "--by", "lead").returncode == 0
    second = script("4").stdout
    assert "A note needs words" not in second and "Not notu" not in second
    level = "Level 4 · Optimized" if lang == "en" else "Yüksek Performans ve Kalite"
    assert level in second
    opened = csmm(database_url, "snapshot", "new", "--team", "t", "--by", "lead", "--lang", "en")
    assert opened.returncode == 0, opened.stderr
    assert "Snapshot 3 is open" in opened.stdout
    answers = json.loads(
        csmm(database_url, "export", "--team", "t", "--format", "json", "--snapshot", "2").stdout
    )["answers"]
    practices = [a for a in answers if a["kind"] == "practice"]
    assert practices and all(a["state"] == "answered" and not a["note"] for a in practices)
