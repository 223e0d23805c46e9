"""`csmm serve`: every configured channel in one process and one event loop, behind one HTTP
server that also answers a health check."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.assessments import Assessments
from bot.scheduling.runner import Scheduler
from bot.scheduling.sender import Courier
from bot.slack.app import SlackChannel, SlackConfig
from bot.slack.server import MAX_BODY_BYTES, add_slack_routes, run_socket_mode
from bot.telegram.app import build_application, run_polling, run_sending
from conversations.i18n import N_, Localizer

log = logging.getLogger("bot.serve")


@dataclass(frozen=True)
class Channels:
    """What to run: each channel whose settings are present."""

    telegram_token: str | None = None
    telegram_api_url: str = ""
    slack: SlackConfig | None = None
    slack_app_token: str | None = None  # set: Slack through Socket Mode, not HTTP
    telegram_polls: bool = True  # False: another replica polls; this one only sends


CHANNEL_LABELS = {"slack": N_("Slack"), "telegram": N_("Telegram"), "scheduler": N_("Scheduler")}


def describe(channels: Channels, *, host: str, port: int) -> dict[str, str]:
    """Each channel that runs → how it reaches its platform (in English: the health check's
    JSON is for machines; `startup_lines` says it in the operator's language)."""
    running: dict[str, str] = {}
    if channels.slack is not None:
        running["slack"] = (
            N_("socket mode") if channels.slack_app_token else f"http://{host}:{port}/slack/events"
        )
    if channels.telegram_token:
        running["telegram"] = N_("long polling") if channels.telegram_polls else N_("sending only")
    if running:
        running["scheduler"] = N_("on (one leader per database)")
    return running


def startup_lines(channels: Channels, loc: Localizer, *, host: str, port: int) -> list[str]:
    """What `csmm serve` prints as it starts: one line per channel, then the health check.
    A URL is not in the catalog, so gettext hands it back unchanged."""
    lines = [
        loc._("{channel}: {how}", channel=loc._(CHANNEL_LABELS[name]), how=loc._(how))
        for name, how in describe(channels, host=host, port=port).items()
    ]
    lines.append(loc._("Health: http://{address}:{port}/healthz", address=host, port=port))
    return lines


async def serve_channels(
    assessments: Assessments,
    channels: Channels,
    stop: asyncio.Event,
    *,
    host: str,
    port: int,
    scheduler_options: dict[str, float] | None = None,
) -> None:
    """Run every channel until ``stop`` is set, or until one fails (its error is raised once
    the others have stopped too). The scheduler stops first, so that the messages its
    senders have in hand go out while the channels' clients are still open."""
    channels_stop = asyncio.Event()
    running = describe(channels, host=host, port=port)
    jobs: dict[str, Coroutine[Any, Any, None]] = {}
    server = web.Application(client_max_size=MAX_BODY_BYTES)
    slack: SlackChannel | None = None
    if channels.slack is not None:
        slack = SlackChannel(assessments, channels.slack)
        if channels.slack_app_token:
            jobs["slack"] = run_socket_mode(
                slack, channels_stop, app_token=channels.slack_app_token
            )
        else:
            await slack.prepare()
            add_slack_routes(server, slack)
    couriers: list[Courier] = [] if slack is None else [slack.courier]
    if channels.telegram_token:
        application = build_application(
            assessments, channels.telegram_token, channels.telegram_api_url
        )
        jobs["telegram"] = (
            run_polling(application, channels_stop)
            if channels.telegram_polls
            else run_sending(application, channels_stop)
        )
        couriers.append(application.bot_data["channel"].courier)
    scheduler = Scheduler(assessments, couriers, **(scheduler_options or {}))
    if couriers:
        jobs["scheduler"] = scheduler.run(stop)

    async def health(_request: web.Request) -> web.StreamResponse:
        failed = [name for name, task in tasks.items() if task.done()]
        status = 503 if failed or stop.is_set() else 200
        body = {
            "status": "ok" if status == 200 else "stopping",
            "channels": running,
            "scheduler": scheduler.state,
        }
        return web.json_response(body, status=status)

    server.router.add_get("/healthz", health)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    # What start-up built lives as long as the process: full garbage collections skip it from
    # here on (bench/reminders.py: event-loop stalls of 100–240 ms while draining the outbox
    # became under 10 ms).
    gc.freeze()
    tasks = {name: asyncio.create_task(job, name=name) for name, job in jobs.items()}
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("serving %s", running)
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([stopping, *tasks.values()], return_when=asyncio.FIRST_COMPLETED)
        stop.set()  # one channel failed or a signal came: all of them stop
        stopping.cancel()
        if "scheduler" in tasks:
            await asyncio.wait([tasks["scheduler"]])
        channels_stop.set()
        # Each channel finishes what it has in hand; the first failure is raised.
        for result in await asyncio.gather(*tasks.values(), return_exceptions=True):
            if isinstance(result, BaseException):
                raise result
    finally:
        for task in tasks.values():
            task.cancel()
        await runner.cleanup()
        if slack is not None and not channels.slack_app_token:  # Socket Mode drains itself
            await slack.drain()
