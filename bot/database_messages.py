"""What the operator is told about CSMM_DATABASE_URL and the database files, in their
language: a URL we cannot use or a database we cannot open (one line, naming the setting), and
database files others can read (a warning at start-up)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from conversations.i18n import Localizer
from storage.database_url import DatabaseUnavailable, UnsupportedDatabase

EXAMPLES = "sqlite:////var/lib/csmm/csmm.db, postgresql://user:password@host/csmm"


def unsupported_database_message(loc: Localizer, error: UnsupportedDatabase) -> str:
    if error.problem == "in-memory":
        return loc._(
            "An in-memory SQLite database would lose every answer when the process ends; "
            "point CSMM_DATABASE_URL at a file."
        )
    if error.problem == "backend":
        return loc._(
            "CSMM_DATABASE_URL names a {kind} database, but CSMM Bot keeps its data in SQLite "
            "or PostgreSQL. Use a URL like one of these: {examples}.",
            kind=error.backend,
            examples=EXAMPLES,
        )
    return loc._(
        "CSMM_DATABASE_URL is not a database URL. Use one like these: {examples}.",
        examples=EXAMPLES,
    )


def unavailable_database_message(loc: Localizer, error: DatabaseUnavailable) -> str:
    return loc._(
        "Could not open the database that CSMM_DATABASE_URL names ({where}): {reason}",
        where=error.where,
        reason=error.reason,
    )


def loose_file_warnings(loc: Localizer, files: Iterable[tuple[Path, int]]) -> list[str]:
    """One line per database file that others may read or write."""
    return [
        loc._(
            "Warning: {path} holds answers (and any Slack tokens) but other accounts on this "
            "machine may read it (mode {mode}). Make it private: chmod 600 {path}",
            path=str(path),
            mode=f"{mode:o}",
        )
        for path, mode in files
    ]
