"""The `csmm` command line: the composition root for the terminal channel and admin tasks.

Each group of commands lives in a module of its own; this module gathers them under `csmm`.
"""

from __future__ import annotations

import click

from bot.cli.assessment import console
from bot.cli.channels import serve, slack, telegram
from bot.cli.database import db
from bot.cli.personal_data import export_me, forget
from bot.cli.results import export, history, plan, report
from bot.cli.team_settings import schedule, snapshot, team


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="csmm-bot", prog_name="csmm")
def cli() -> None:
    """CSMM Bot: run the Customer Service Maturity Model assessment and keep its action plan.

    Data lives in the database named by CSMM_DATABASE_URL (default: an SQLite file under
    ~/.local/share/csmm/). Run `csmm db upgrade` once to create or update it.
    """


for command in (
    console,
    report,
    history,
    plan,
    export,
    team,
    schedule,
    snapshot,
    telegram,
    slack,
    serve,
    forget,
    db,
    export_me,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="csmm")
