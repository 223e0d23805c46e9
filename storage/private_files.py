"""The SQLite database is private to the account that runs CSMM Bot.

It holds every answer and free-text note and, with Slack OAuth, each workspace's bot token. We
create its folder 0700 (when we create the folder) and the file itself 0600 before SQLite opens
it; SQLite gives the -wal and -shm files it creates beside it the database file's own mode. A
file that already exists keeps its mode: ``loose_files`` lists those that others may read or
write, for a warning at start-up.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
OTHERS = stat.S_IRWXG | stat.S_IRWXO  # any permission for the group or for everyone
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def create_private_sqlite_file(path: Path) -> None:
    """Make ``path``'s folder (0700) and an empty database file (0600) when they are missing."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, PRIVATE_FOLDER)  # exactly: mkdir's mode is only a ceiling under umask
    with contextlib.suppress(FileExistsError):  # another process made it first: theirs stands
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def loose_files(path: Path) -> list[tuple[Path, int]]:
    """The database file and its companions that the group or everyone may use: (file, mode)."""
    found = []
    for candidate in (path, *(path.with_name(path.name + end) for end in SQLITE_COMPANIONS)):
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except OSError:
            continue
        if mode & OTHERS:
            found.append((candidate, mode))
    return found


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by this account alone (0600), replacing the file's
    mode too when it already existed."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as file:
        if stat.S_ISREG(os.fstat(descriptor).st_mode):  # not /dev/stdout or a pipe
            os.fchmod(descriptor, PRIVATE_FILE)
        file.write(data)
