"""How `csmm` reports expected failures: one readable, localized line and a non-zero exit."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import IO, Any, ParamSpec, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.options import cli_localizer
from bot.database_messages import unavailable_database_message, unsupported_database_message
from bot.service_errors import UserError
from conversations.i18n import Localizer
from conversations.questionnaire import QuestionnaireError
from storage.database import DatabaseUnavailable, SchemaError, UnsupportedDatabase

P = ParamSpec("P")
T = TypeVar("T")


class CliError(click.ClickException):
    """A one-line, localized error with a non-zero exit."""

    def __init__(self, loc: Localizer, message: str) -> None:
        super().__init__(message)
        self.loc = loc

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.loc._("Error: {message}", message=self.message), err=True)


def _schema_message(loc: Localizer, error: SchemaError) -> str:
    if error.revision is None:
        return loc._(
            "The database ({where}) has no CSMM schema yet. Run `csmm db upgrade` to create it.",
            where=error.where,
        )
    return loc._(
        "The database ({where}) is at schema revision {revision}, but this version of CSMM Bot "
        "needs {head}. Run `csmm db upgrade` first.",
        where=error.where,
        revision=error.revision,
        head=error.head or "",
    )


def friendly_errors(func: Callable[P, T]) -> Callable[P, T]:
    """Turn expected failures into one readable, localized line and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        lang = kwargs.get("lang")
        loc = cli_localizer(lang if isinstance(lang, str) else None)
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            raise CliError(loc, exc.localized(loc)) from None
        except SchemaError as exc:
            raise CliError(loc, _schema_message(loc, exc)) from None
        except UnsupportedDatabase as exc:
            raise CliError(loc, unsupported_database_message(loc, exc)) from None
        except DatabaseUnavailable as exc:
            raise CliError(loc, unavailable_database_message(loc, exc)) from None
        except QuestionnaireError as exc:  # for whoever edits the file: names file, entry, problem
            raise CliError(loc, str(exc)) from None
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise CliError(loc, loc._("Database error: {reason}", reason=reason)) from None
        except BrokenPipeError:
            # Whoever read our output stopped early (`| head`); there is nobody left to tell.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as exc:
            reason = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
            raise CliError(loc, reason) from None

    return wrapper
