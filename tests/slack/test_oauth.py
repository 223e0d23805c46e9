"""Installing the app into many workspaces (OAuth v2): /slack/install sends the browser to
Slack's authorize page with a state bound to a cookie, Slack redirects back to
/slack/oauth_redirect with a code, the app exchanges it (oauth.v2.access) and stores the
workspace's bot token in our database (slack-sdk's SQLAlchemy stores, tables from migration
0004). Requests from that workspace are then served with its own token; requests from a
workspace without an installation are not served at all."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import aiohttp
import pytest
from sqlalchemy import text

from bot.assessments import Assessments
from bot.settings import SLACK_API
from bot.slack.app import AUTHORIZE_PATH, SCOPES, SlackChannel
from tests.conftest import database_url_for
from tests.slack.fake_slack import FakeSlack
from tests.slack.helpers import ADMIN, CHANNEL, serving, settle, team_channel

NEW_TEAM, NEW_TOKEN, NEW_BOT = "T0NEW", "xoxb-new", "UBOTNEW"
INSTALLER, NEW_PERSON, NEW_CHANNEL = "UNEWADMIN", "UNEWCEM", "C0NEWDESK"
CODE = "code-for-t0new"
AUTHORIZE = "/oauth/v2/authorize"  # on the host of SLACK_API_URL: here, the fake's
COOKIE = "slack-app-oauth-state"
HREF = re.compile(r"""href=["']([^"']*oauth/v2/authorize[^"']*)["']""")
# slack_sdk's oauth_v2_access still builds an aiohttp BasicAuth
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """slack-sdk's stores write our tables through our engine: on both databases."""
    yield from database_url_for(request.param, request, tmp_path)


def new_workspace(fake: FakeSlack) -> None:
    """A workspace that is about to install the app: its admin, a colleague, a channel with
    the app's (future) bot user in it, and the code Slack's redirect will carry."""
    fake.add_user(INSTALLER, "Nur Admin", is_admin=True, team_id=NEW_TEAM)
    fake.add_user(NEW_PERSON, "Cem Kaya", team_id=NEW_TEAM)
    fake.add_channel(NEW_CHANNEL, "help-desk", [INSTALLER, NEW_PERSON, NEW_BOT], team_id=NEW_TEAM)
    fake.add_oauth_code(
        CODE,
        team_id=NEW_TEAM,
        team_name="New Corp",
        bot_token=NEW_TOKEN,
        bot_user_id=NEW_BOT,
        installer_user_id=INSTALLER,
        scope=",".join(SCOPES),
    )


@pytest.fixture
async def oauth_app(fake: FakeSlack, assessments: Assessments) -> AsyncIterator[SlackChannel]:
    async with serving(fake, assessments, oauth=True) as channel:
        yield channel


def site(fake: FakeSlack) -> str:
    assert fake.app_url is not None
    return fake.app_url.removesuffix("/slack/events")


def browser(fake: FakeSlack) -> aiohttp.ClientSession:
    """A browser: keeps cookies for 127.0.0.1, and (as browsers do for a local origin) sends
    the Secure state cookie over plain HTTP."""
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[site(fake)])
    return aiohttp.ClientSession(cookie_jar=jar)


async def install_page(session: aiohttp.ClientSession, fake: FakeSlack) -> tuple[str, str]:
    """GET /slack/install: (Slack's authorize URL it links or redirects to, its state)."""
    async with session.get(f"{site(fake)}/slack/install", allow_redirects=False) as response:
        body = await response.text()
        if response.status in (301, 302, 303, 307):
            url = response.headers["Location"]
        else:
            assert response.status == 200, body
            found = HREF.search(body)
            assert found, f"no authorize link in the install page: {body[:500]}"
            url = html.unescape(found.group(1))
    assert url.startswith(fake.origin + AUTHORIZE + "?"), url
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == [fake.client_id]
    assert set(query["scope"][0].split(",")) == set(SCOPES)
    (state,) = query["state"]
    assert state
    return url, state


async def redirect(
    session: aiohttp.ClientSession, fake: FakeSlack, **query: str
) -> tuple[int, str]:
    """Slack's redirect back to the app, as the browser follows it."""
    url = f"{site(fake)}/slack/oauth_redirect"
    async with session.get(url, params=query, allow_redirects=False) as response:
        return response.status, await response.text()


async def stored(assessments: Assessments) -> dict[str, list[tuple[Any, ...]]]:
    """What slack-sdk's stores hold: bots and installations, by team."""
    async with assessments.database.engine.connect() as connection:
        bots = await connection.execute(
            text("SELECT team_id, bot_token, bot_user_id, bot_id FROM slack_bots")
        )
        installs = await connection.execute(
            text("SELECT team_id, bot_token, user_id, client_id FROM slack_installations")
        )
        return {"bots": [tuple(r) for r in bots], "installations": [tuple(r) for r in installs]}


def exchanges(fake: FakeSlack) -> list[dict[str, Any]]:
    return fake.calls_to("oauth.v2.access")


async def test_a_workspace_installs_the_app_and_is_served_with_its_own_token(
    fake: FakeSlack, assessments: Assessments, oauth_app: SlackChannel
) -> None:
    new_workspace(fake)
    assert await stored(assessments) == {"bots": [], "installations": []}
    async with browser(fake) as session:
        _url, state = await install_page(session, fake)
        status, page = await redirect(session, fake, code=CODE, state=state)
    assert status == 200, page
    assert "Thank you!" in page and f"team={NEW_TEAM}" in page
    assert NEW_TOKEN not in page
    assert [c["code"] for c in exchanges(fake)] == [CODE]

    found = await stored(assessments)
    assert found["bots"] == [(NEW_TEAM, NEW_TOKEN, NEW_BOT, f"B{NEW_TEAM}")]
    assert found["installations"] == [(NEW_TEAM, NEW_TOKEN, INSTALLER, fake.client_id)]
    # The installation is also what the app's store finds for the workspace.
    flow = oauth_app.app.oauth_flow
    assert flow is not None
    bot = await flow.settings.installation_store.async_find_bot(
        enterprise_id=None, team_id=NEW_TEAM
    )
    assert bot is not None and bot.bot_token == NEW_TOKEN and bot.bot_user_id == NEW_BOT

    # The new workspace's admin starts an assessment: everything it takes is done with the
    # workspace's own bot token.
    before = len(fake.calls)
    status, _ack = await fake.command(INSTALLER, NEW_CHANNEL, "start")
    assert status == 200
    for person in (INSTALLER, NEW_PERSON):
        await fake.wait_for(lambda p=person: any(fake.buttons(m) for m in fake.dm(p)))
    served = fake.calls[before:]
    for method in ("chat.postMessage", "users.info"):
        tokens = {c.token for c in served if c.method == method}
        assert tokens == {NEW_TOKEN}, (method, tokens)
    assert {c.token for c in served} <= {NEW_TOKEN, None}


async def test_the_state_is_good_for_one_redirect(
    fake: FakeSlack, assessments: Assessments, oauth_app: SlackChannel
) -> None:
    new_workspace(fake)
    async with browser(fake) as session:
        _url, state = await install_page(session, fake)
        assert (await redirect(session, fake, code=CODE, state=state))[0] == 200
        # The same redirect again (a reload, or someone replaying it): the state is spent.
        fake.add_oauth_code(
            "code-again",
            team_id=NEW_TEAM,
            team_name="New Corp",
            bot_token="xoxb-replayed",
            bot_user_id=NEW_BOT,
            installer_user_id=INSTALLER,
        )
        status, _page = await redirect(session, fake, code="code-again", state=state)
    assert 400 <= status < 500
    assert [c["code"] for c in exchanges(fake)] == [CODE]
    assert [b[1] for b in (await stored(assessments))["bots"]] == [NEW_TOKEN]


@pytest.mark.parametrize(
    "tamper",
    [
        "wrong-state",  # the state in the URL is not the one this browser was given
        "no-state",
        "no-cookie",  # the redirect opened in another browser than the one that started
        "forged-cookie",  # a state and cookie that match each other, but were never issued
    ],
)
async def test_a_redirect_without_this_browsers_state_installs_nothing(
    fake: FakeSlack, assessments: Assessments, oauth_app: SlackChannel, tamper: str
) -> None:
    new_workspace(fake)
    async with browser(fake) as session:
        _url, state = await install_page(session, fake)
        query = {"code": CODE, "state": state}
        if tamper == "wrong-state":
            query["state"] = state[:-4] + "abcd" if not state.endswith("abcd") else state[:-4]
        elif tamper == "no-state":
            del query["state"]
        elif tamper == "no-cookie":
            session.cookie_jar.clear()
        elif tamper == "forged-cookie":
            forged = "f0rged-state-0123456789"
            session.cookie_jar.update_cookies({COOKIE: forged})
            query["state"] = forged
        status, page = await redirect(session, fake, **query)
    assert 400 <= status < 500, (status, page)
    assert exchanges(fake) == []  # the code was never even exchanged
    assert await stored(assessments) == {"bots": [], "installations": []}
    assert NEW_TOKEN not in page


async def test_a_code_slack_rejects_installs_nothing(
    fake: FakeSlack, assessments: Assessments, oauth_app: SlackChannel
) -> None:
    new_workspace(fake)
    async with browser(fake) as session:
        _url, state = await install_page(session, fake)
        status, page = await redirect(session, fake, code="not-a-code-slack-issued", state=state)
    assert 400 <= status < 500, (status, page)
    assert "invalid_code" in page and "/slack/install" in page  # says why, and how to retry
    assert [c["code"] for c in exchanges(fake)] == ["not-a-code-slack-issued"]
    assert await stored(assessments) == {"bots": [], "installations": []}
    assert NEW_TOKEN not in fake.bot_tokens  # and Slack issued no token


async def test_a_workspace_without_an_installation_is_not_served(
    fake: FakeSlack, assessments: Assessments, oauth_app: SlackChannel
) -> None:
    # The fake's default workspace never installed the app through OAuth here.
    team_channel(fake)
    status, _ack = await fake.command(ADMIN, CHANNEL, "start")
    assert status == 200  # acknowledged (Slack would show an error otherwise), not served
    status, _ack = await fake.event(fake.message_event(ADMIN, "hello"))
    assert status == 200
    await settle()
    assert fake.calls == []  # no Web API call, with any token
    assert fake.dm(ADMIN) == [] and fake.messages(CHANNEL) == []
    # The person who typed the command is told, privately, that the app needs installing.
    await fake.wait_for(lambda: any("install" in e.text for e in fake.ephemerals))
    assert await stored(assessments) == {"bots": [], "installations": []}

    # A workspace that did install is served meanwhile; the other one still is not.
    new_workspace(fake)
    async with browser(fake) as session:
        _url, state = await install_page(session, fake)
        assert (await redirect(session, fake, code=CODE, state=state))[0] == 200
    await fake.command(INSTALLER, NEW_CHANNEL, "start")
    await fake.wait_for(lambda: any(fake.buttons(m) for m in fake.dm(NEW_PERSON)))
    await settle()
    before = len(fake.calls)
    await fake.command(ADMIN, CHANNEL, "start")
    await fake.event(fake.message_event(ADMIN, "hello"))
    await settle()
    assert fake.calls[before:] == []
    assert {c.token for c in fake.calls} <= {NEW_TOKEN, None}


def test_people_authorize_on_the_slack_the_web_api_is_on() -> None:
    assert urljoin(SLACK_API, AUTHORIZE_PATH) == "https://slack.com/oauth/v2/authorize"
    assert urljoin("https://slack-gov.com/api/", AUTHORIZE_PATH) == (
        "https://slack-gov.com/oauth/v2/authorize"
    )
