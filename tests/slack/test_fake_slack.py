"""The fake Slack itself, driven by the real slack_sdk / slack_bolt clients the app uses."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.slack.fake_slack import FakeSlack, sign

SECRET = "fake-signing-secret"
pytestmark = [
    # slack_sdk's own advice when a test posts blocks without text on purpose
    pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning"),
    # slack_sdk's oauth_v2_access still builds an aiohttp BasicAuth
    pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning"),
]


def button(text: str, action_id: str, value: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
        **extra,
    }


def question_blocks() -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*1/35* Do you measure CSAT?"}},
        {
            "type": "actions",
            "block_id": "answers",
            "elements": [
                button("Missing", "answer_1", "1"),
                button("Systematic", "answer_4", "4", style="primary"),
            ],
        },
    ]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(signing_secret=SECRET) as slack:
        slack.add_user("U1", "ayse", real_name="Ayşe Yılmaz", locale="tr-TR", tz="Europe/Istanbul")
        slack.add_user("U2", "bob", is_admin=True)
        slack.add_channel("C1", "support", ["U1", "U2", "UBOT"])
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.base_url)


class Receiver:
    """A stand-in app endpoint: checks Slack's signature and records what arrived."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], str]] = []
        self.reply: web.Response | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        headers = dict(request.headers)
        if not SignatureVerifier(SECRET).is_valid_request(body, headers):
            return web.Response(status=401, text="invalid signature")
        self.requests.append((headers, body))
        return self.reply or web.Response(text="")

    def payload(self, index: int = -1) -> dict[str, Any]:
        return dict(json.loads(parse_qs(self.requests[index][1])["payload"][0]))


async def serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, int(runner.addresses[0][1])


@pytest.fixture
async def receiver(fake: FakeSlack) -> AsyncIterator[Receiver]:
    recv = Receiver()
    app = web.Application()
    app.router.add_post("/slack/events", recv.handle)
    runner, port = await serve(app)
    fake.app_url = f"http://127.0.0.1:{port}/slack/events"
    yield recv
    await runner.cleanup()


# -- Web API ----------------------------------------------------------------------------------


async def test_auth_test_and_tokens(fake: FakeSlack, client: AsyncWebClient) -> None:
    me = await client.auth_test()
    assert (me["team_id"], me["user_id"], me["bot_id"]) == ("T0001", "UBOT", "B0001")
    fake.add_workspace("T0002", "Other Team", "xoxb-other", "UBOT2")
    other = await AsyncWebClient(token="xoxb-other", base_url=fake.base_url).auth_test()
    assert (other["team_id"], other["user_id"]) == ("T0002", "UBOT2")
    for token, error in [("xoxb-wrong", "invalid_auth"), ("xapp-test", "not_allowed_token_type")]:
        with pytest.raises(SlackApiError) as raised:
            await AsyncWebClient(token=token, base_url=fake.base_url).auth_test()
        assert raised.value.response["error"] == error
    with pytest.raises(SlackApiError, match="not_authed"):
        await AsyncWebClient(base_url=fake.base_url).auth_test()
    fake.revoke("xoxb-other")
    with pytest.raises(SlackApiError, match="token_revoked"):
        await AsyncWebClient(token="xoxb-other", base_url=fake.base_url).auth_test()
    with pytest.raises(SlackApiError, match="unknown_method"):
        await client.api_call("chat.nonsense")
    assert [c.token for c in fake.calls[:2]] == ["xoxb-test", "xoxb-other"]


async def test_post_message_to_channel_user_and_dm(fake: FakeSlack, client: AsyncWebClient) -> None:
    first = await client.chat_postMessage(channel="C1", text="hello", blocks=question_blocks())
    to_user = await client.chat_postMessage(channel="U1", text="hi Ayşe")
    in_thread = await client.chat_postMessage(
        channel=fake.dm_id("U1"), text="reply", thread_ts=to_user["ts"]
    )
    assert first["channel"] == "C1" and to_user["channel"] == "DU1"
    assert first["ts"] < to_user["ts"] < in_thread["ts"]
    assert first["message"]["blocks"][1]["elements"][0]["action_id"] == "answer_1"
    assert first["message"]["blocks"][0]["block_id"]  # Slack fills in missing block ids
    assert [m.text for m in fake.dm("U1")] == ["hi Ayşe", "reply"]
    assert fake.dm("U1")[1].thread_ts == to_user["ts"]
    assert [b["text"] for b in fake.buttons(fake.messages("C1")[0])] == ["Missing", "Systematic"]
    assert fake.buttons(first["message"])[1]["value"] == "4"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "C1"}, "no_text"),
        ({"channel": "C404", "text": "x"}, "channel_not_found"),
        ({"channel": "U404", "text": "x"}, "channel_not_found"),
        ({"channel": "", "text": "x"}, "channel_not_found"),
        ({"channel": "C1", "text": "x", "thread_ts": "yesterday"}, "invalid_thread_ts"),
        ({"channel": "C1", "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": "C1", "blocks": [button("x" * 76, "a", "1")]}, "invalid_blocks"),
        ({"channel": "C1", "blocks": [{"type": "actions", "elements": [button("", "a", "1")]}]},
         "invalid_blocks"),
        ({"channel": "C1", "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]},
         "invalid_blocks"),
    ],
)  # fmt: skip
async def test_post_message_rejects_what_slack_rejects(
    client: AsyncWebClient, kwargs: dict[str, Any], error: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(**kwargs)
    assert raised.value.response["error"] == error


async def test_invalid_blocks_point_at_the_problem(client: AsyncWebClient) -> None:
    blocks = [{"type": "actions", "elements": [button("x" * 76, "a", "1")]}]
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1", blocks=blocks)
    assert raised.value.response["errors"] == [
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"
    ]


async def test_bot_must_be_in_the_channel(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.add_channel("C2", "random", ["U1"])
    with pytest.raises(SlackApiError, match="not_in_channel"):
        await client.chat_postMessage(channel="C2", text="x")


async def test_form_encoded_calls_get_json_fields_decoded(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    blocks = question_blocks()
    sent = await client.api_call(
        "chat.postMessage", data={"channel": "C1", "text": "t", "blocks": json.dumps(blocks)}
    )
    assert fake.calls_to("chat.postMessage")[0]["blocks"] == blocks
    assert sent["message"]["blocks"][1]["elements"][1]["value"] == "4"
    with pytest.raises(SlackApiError, match="invalid_blocks_format"):
        await client.api_call("chat.postMessage", data={"channel": "C1", "blocks": "[{"})


async def test_update_keeps_thread_and_history(fake: FakeSlack, client: AsyncWebClient) -> None:
    root = await client.chat_postMessage(channel="U1", text="root")
    sent = await client.chat_postMessage(
        channel="U1", text="q1", blocks=question_blocks(), thread_ts=root["ts"]
    )
    await client.chat_update(channel=sent["channel"], ts=sent["ts"], text="answered")
    message = fake.dm("U1")[1]
    assert (message.text, message.thread_ts, message.ts) == ("answered", root["ts"], sent["ts"])
    assert len(fake.buttons(message)) == 2  # blocks left out of chat.update are kept
    await client.chat_update(channel=sent["channel"], ts=sent["ts"], text="done", blocks=[])
    assert [e.text for e in message.edits] == ["q1", "answered"]
    assert fake.buttons(message) == [] and fake.buttons(message.edits[0])
    for kwargs, error in [
        ({"channel": "DU1", "ts": "1.000001", "text": "x"}, "message_not_found"),
        ({"channel": "C404", "ts": sent["ts"], "text": "x"}, "channel_not_found"),
    ]:
        with pytest.raises(SlackApiError) as raised:
            await client.chat_update(**kwargs)
        assert raised.value.response["error"] == error
    with pytest.raises(SlackApiError, match="no_text"):
        await client.api_call("chat.update", json={"channel": "DU1", "ts": sent["ts"]})
    await client.chat_delete(channel="DU1", ts=sent["ts"])
    assert [m.text for m in fake.dm("U1")] == ["root"]


async def test_ephemeral(fake: FakeSlack, client: AsyncWebClient) -> None:
    sent = await client.chat_postEphemeral(channel="C1", user="U2", text="only you")
    assert sent["message_ts"]
    assert [(e.channel, e.user, e.text) for e in fake.ephemerals] == [("C1", "U2", "only you")]
    fake.add_user("U3", "carol")
    with pytest.raises(SlackApiError, match="user_not_in_channel"):
        await client.chat_postEphemeral(channel="C1", user="U3", text="x")
    with pytest.raises(SlackApiError, match="user_not_found"):
        await client.chat_postEphemeral(channel="C1", user="U404", text="x")


async def test_open_dm_and_users_info(fake: FakeSlack, client: AsyncWebClient) -> None:
    opened = await client.conversations_open(users="U1")
    assert opened["channel"]["id"] == "DU1"
    with pytest.raises(SlackApiError, match="user_not_found"):
        await client.conversations_open(users="U404")
    info = (await client.users_info(user="U1", include_locale=True))["user"]
    assert (info["locale"], info["tz"], info["tz_offset"]) == ("tr-TR", "Europe/Istanbul", 10800)
    assert info["profile"]["real_name"] == "Ayşe Yılmaz" and info["is_bot"] is False
    assert "locale" not in (await client.users_info(user="U2"))["user"]
    assert (await client.users_info(user="UBOT"))["user"]["is_bot"] is True
    with pytest.raises(SlackApiError, match="user_not_found"):
        await client.users_info(user="U404")
    fake.add_workspace("T0002", "Other", "xoxb-other", "UBOT2")
    other = AsyncWebClient(token="xoxb-other", base_url=fake.base_url)
    with pytest.raises(SlackApiError, match="user_not_found"):
        await other.users_info(user="U1")  # a person of another workspace
    with pytest.raises(SlackApiError, match="channel_not_found"):
        await other.chat_postMessage(channel="C1", text="x")


async def test_members_are_paginated(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.add_channel("C5", "big", ["U1", "U2", "U3", "U4", "UBOT"])
    pages = [page["members"] async for page in await client.conversations_members(channel="C5")]
    assert pages == [["U1", "U2"], ["U3", "U4"], ["UBOT"]]
    with pytest.raises(SlackApiError, match="channel_not_found"):
        await client.conversations_members(channel="C404")
    with pytest.raises(SlackApiError, match="invalid_cursor"):
        await client.conversations_members(channel="C5", cursor="%%%")


async def test_views(fake: FakeSlack, client: AsyncWebClient) -> None:
    home = {"type": "home", "blocks": question_blocks()}
    published = await client.views_publish(user_id="U1", view=home)
    assert fake.published["U1"]["id"] == published["view"]["id"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        await client.views_publish(user_id="U1", view=home, hash="stale")
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Plan"}, "blocks": []}
    with pytest.raises(SlackApiError, match="invalid_trigger_id"):
        await client.views_open(trigger_id="made-up", view=modal)
    trigger = fake.new_trigger_id()
    opened = await client.views_open(trigger_id=trigger, view=modal)
    assert fake.opened_views[0]["id"] == opened["view"]["id"]
    with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
        await client.views_open(trigger_id=trigger, view=modal)
    long_title = {**modal, "title": {"type": "plain_text", "text": "x" * 25}}
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        await client.views_open(trigger_id=fake.new_trigger_id(), view=long_title)
    renamed = {**modal, "title": {"type": "plain_text", "text": "Plan 2"}}
    await client.views_update(view_id=opened["view"]["id"], view=renamed)
    assert fake.opened_views[0]["title"]["text"] == "Plan 2"


async def test_files_upload_v2(fake: FakeSlack, client: AsyncWebClient) -> None:
    root = await client.chat_postMessage(channel="C1", text="report")
    done = await client.files_upload_v2(
        channel="C1",
        content=b"%PDF-1.4 fake",
        filename="report.pdf",
        title="Report",
        thread_ts=root["ts"],
        initial_comment="Here it is",
    )
    [upload] = fake.uploads
    assert (upload.filename, upload.title, upload.content) == (
        "report.pdf",
        "Report",
        b"%PDF-1.4 fake",
    )
    assert (upload.channel_id, upload.thread_ts, upload.initial_comment) == (
        "C1",
        root["ts"],
        "Here it is",
    )
    assert done["file"]["id"] == upload.file_id
    shared = fake.messages("C1")[-1]
    assert shared.files[0]["name"] == "report.pdf" and shared.thread_ts == root["ts"]
    with pytest.raises(SlackApiError, match="file_not_found"):
        await client.files_completeUploadExternal(files=[{"id": "F404", "title": "x"}])


async def test_rate_limit_then_success(fake: FakeSlack) -> None:
    retrying = AsyncWebClient(
        token="xoxb-test",
        base_url=fake.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail_next("chat.postMessage", retry_after=0)
    await retrying.chat_postMessage(channel="U1", text="after a pause")
    assert fake.rate_limited == 1
    assert len(fake.calls_to("chat.postMessage")) == 2
    assert [m.text for m in fake.dm("U1")] == ["after a pause"]

    plain = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
    fake.fail_next("users.info", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        await plain.users_info(user="U1")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    fake.fail_next("auth.test", status=200, error="internal_error")
    with pytest.raises(SlackApiError, match="internal_error"):
        await plain.auth_test()
    assert fake.rate_limited == 2


async def test_oauth_install(fake: FakeSlack) -> None:
    fake.add_oauth_code(
        "code-1",
        team_id="T0009",
        team_name="Acme",
        bot_token="xoxb-acme",
        bot_user_id="UBOTA",
        installer_user_id="UINST",
    )
    anonymous = AsyncWebClient(base_url=fake.base_url)
    with pytest.raises(SlackApiError, match="bad_client_secret"):
        await anonymous.oauth_v2_access(client_id="1111.2222", client_secret="no", code="code-1")
    grant = await anonymous.oauth_v2_access(
        client_id="1111.2222", client_secret="test-client-secret", code="code-1"
    )
    assert grant["access_token"] == "xoxb-acme" and grant["team"] == {"id": "T0009", "name": "Acme"}
    assert grant["authed_user"] == {"id": "UINST"} and grant["token_type"] == "bot"
    assert grant["enterprise"] is None and grant["is_enterprise_install"] is False
    me = await AsyncWebClient(token="xoxb-acme", base_url=fake.base_url).auth_test()
    assert (me["team_id"], me["user_id"]) == ("T0009", "UBOTA")
    with pytest.raises(SlackApiError, match="invalid_code"):
        await anonymous.oauth_v2_access(
            client_id="1111.2222", client_secret="test-client-secret", code="code-1"
        )


# -- requests into the app --------------------------------------------------------------------


def test_sign_matches_slack_sdk_verifier() -> None:
    body = "token=x&text=%2Fmaturity"
    headers = sign(body, secret=SECRET)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    stale = sign(body, secret=SECRET, timestamp=1_600_000_000)
    assert not verifier.is_valid_request(body, stale)  # Slack apps refuse replays


async def test_command_and_events_over_http(fake: FakeSlack, receiver: Receiver) -> None:
    receiver.reply = web.json_response({"text": "ok"})
    status, body = await fake.command("U1", "C1", "start")
    assert (status, body) == (200, {"text": "ok"})
    assert (fake.ephemerals[-1].text, fake.ephemerals[-1].source) == ("ok", "ack")
    fields = {k: v[0] for k, v in parse_qs(receiver.requests[0][1]).items()}
    assert fields["command"] == "/maturity" and fields["text"] == "start"
    assert (fields["channel_name"], fields["user_name"], fields["team_id"]) == (
        "support",
        "ayse",
        "T0001",
    )
    assert fields["response_url"].startswith(fake.origin) and fields["trigger_id"]
    assert "enterprise_id" not in fields and fields["is_enterprise_install"] == "false"

    receiver.reply = None
    await fake.send_dm("U1", "hello")
    headers, raw = receiver.requests[-1]
    envelope = json.loads(raw)
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert envelope["authorizations"][0] == {
        "enterprise_id": None,
        "team_id": "T0001",
        "user_id": "UBOT",
        "is_bot": True,
        "is_enterprise_install": False,
    }
    event = envelope["event"]
    assert (event["type"], event["channel"], event["channel_type"]) == ("message", "DU1", "im")
    assert "X-Slack-Retry-Num" not in headers

    await fake.event(event, event_id=envelope["event_id"], retry_num=1)
    headers, raw = receiver.requests[-1]
    assert (headers["X-Slack-Retry-Num"], headers["X-Slack-Retry-Reason"]) == ("1", "http_timeout")
    assert json.loads(raw)["event_id"] == envelope["event_id"]

    status, _ = await fake.post_to_app("x=1", "application/x-www-form-urlencoded", secret="bad")
    assert status == 401


async def test_press_sends_block_actions(
    fake: FakeSlack, client: AsyncWebClient, receiver: Receiver
) -> None:
    await client.chat_postMessage(channel="U1", text="old", blocks=question_blocks())
    newest = await client.chat_postMessage(channel="U1", text="q", blocks=question_blocks())
    await client.chat_postMessage(channel="U1", text="no buttons")
    await fake.press("U1", "Systematic")
    payload = receiver.payload()
    assert payload["type"] == "block_actions"
    assert payload["user"] == {"id": "U1", "username": "ayse", "name": "ayse", "team_id": "T0001"}
    assert payload["container"] == {
        "type": "message",
        "message_ts": newest["ts"],
        "channel_id": "DU1",
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": "DU1", "name": "directmessage"}
    assert payload["message"]["ts"] == newest["ts"] and payload["message"]["blocks"]
    assert payload["state"] == {"values": {}} and payload["enterprise"] is None
    [action] = payload["actions"]
    assert (action["action_id"], action["block_id"], action["value"], action["type"]) == (
        "answer_4",
        "answers",
        "4",
        "button",
    )
    assert action["text"]["text"] == "Systematic" and action["action_ts"]
    assert payload["trigger_id"] and payload["response_url"].startswith(fake.origin)

    await fake.press("U1", lambda b: b["value"] == "1", message=fake.dm("U1")[0])
    assert receiver.payload()["container"]["message_ts"] == fake.dm("U1")[0].ts
    with pytest.raises(AssertionError, match="Missing"):
        await fake.press("U1", "Maybe")
    with pytest.raises(AssertionError, match="can't see"):
        await fake.press("U2", "Missing", message=fake.dm("U1")[0])

    await client.chat_postEphemeral(channel="C1", user="U1", text="e", blocks=question_blocks())
    await fake.press("U1", "Missing", message=fake.ephemerals[-1])
    payload = receiver.payload()
    assert payload["container"]["is_ephemeral"] is True and "message" not in payload


async def test_tick_checkboxes(fake: FakeSlack, client: AsyncWebClient, receiver: Receiver) -> None:
    options = [
        {"text": {"type": "mrkdwn", "text": f"Item {n}"}, "value": f"item-{n}"} for n in (1, 2, 3)
    ]
    plan = [
        {
            "type": "section",
            "block_id": "plan",
            "text": {"type": "mrkdwn", "text": "Plan"},
            "accessory": {
                "type": "checkboxes",
                "action_id": "plan_done",
                "options": options,
                "initial_options": [options[0]],
            },
        },
        {"type": "actions", "elements": [button("Save", "save", "s")]},
    ]
    sent = await client.chat_postMessage(channel="C1", text="plan", blocks=plan)
    await fake.tick("U1", "C1", sent["ts"], "plan_done", ["item-1", "item-3"])
    action = receiver.payload()["actions"][0]
    assert action["type"] == "checkboxes" and action["block_id"] == "plan"
    assert [o["value"] for o in action["selected_options"]] == ["item-1", "item-3"]
    await fake.press("U2", "Save", channel="C1")
    # Another person's view still shows the initial ticks; the ticker's own state is theirs.
    state = receiver.payload()["state"]["values"]["plan"]["plan_done"]["selected_options"]
    assert [o["value"] for o in state] == ["item-1"]
    await fake.press("U1", "Save", channel="C1")
    state = receiver.payload()["state"]["values"]["plan"]["plan_done"]["selected_options"]
    assert [o["value"] for o in state] == ["item-1", "item-3"]
    bad = [
        {
            **plan[0],
            "accessory": {
                **plan[0]["accessory"],
                "initial_options": [
                    {"text": {"type": "mrkdwn", "text": "Other"}, "value": "item-1"}
                ],
            },
        }
    ]
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await client.chat_postMessage(channel="C1", text="plan", blocks=bad)


async def test_submit_view_and_home_opened(
    fake: FakeSlack, client: AsyncWebClient, receiver: Receiver
) -> None:
    modal = {
        "type": "modal",
        "callback_id": "assign",
        "private_metadata": "item-3",
        "title": {"type": "plain_text", "text": "Assign"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {
                "type": "input",
                "block_id": "owner",
                "label": {"type": "plain_text", "text": "Owner"},
                "element": {"type": "plain_text_input", "action_id": "name"},
            }
        ],
    }
    opened = await client.views_open(trigger_id=fake.new_trigger_id(), view=modal)
    values = {"owner": {"name": {"type": "plain_text_input", "value": "Ayşe"}}}
    receiver.reply = web.json_response({"response_action": "errors", "errors": {"owner": "no"}})
    status, body = await fake.submit_view("U1", opened["view"], values)
    assert status == 200 and body["response_action"] == "errors"
    view = receiver.payload()["view"]
    assert (view["id"], view["callback_id"], view["private_metadata"]) == (
        opened["view"]["id"],
        "assign",
        "item-3",
    )
    assert view["state"] == {"values": values} and receiver.payload()["type"] == "view_submission"

    receiver.reply = None
    await client.views_publish(user_id="U1", view={"type": "home", "blocks": question_blocks()})
    await fake.home_opened("U1")
    event = json.loads(receiver.requests[-1][1])["event"]
    assert (event["type"], event["tab"], event["user"]) == ("app_home_opened", "home", "U1")
    assert event["view"]["id"] == fake.published["U1"]["id"]


# -- response URLs ----------------------------------------------------------------------------


async def test_response_url_replies(
    fake: FakeSlack, client: AsyncWebClient, receiver: Receiver
) -> None:
    await client.chat_postMessage(channel="U1", text="q", blocks=question_blocks())
    await fake.press("U1", "Missing")
    url = receiver.payload()["response_url"]
    hook = AsyncWebhookClient(url)
    await hook.send(text="Saved: Missing", replace_original=True)
    assert fake.responses == [{"text": "Saved: Missing", "replace_original": True}]
    assert [m.text for m in fake.dm("U1")] == ["Saved: Missing"]
    assert fake.dm("U1")[0].edits[0].text == "q"
    await hook.send(text="just for you")
    assert (fake.ephemerals[-1].text, fake.ephemerals[-1].source) == (
        "just for you",
        "response_url",
    )
    await hook.send(text="for all", response_type="in_channel")
    assert fake.dm("U1")[-1].text == "for all"
    assert (await hook.send(text="")).status_code == 400
    await hook.send(delete_original=True)
    assert [m.text for m in fake.dm("U1")] == ["for all"]


# -- Socket Mode ------------------------------------------------------------------------------


@pytest.fixture
async def socket_client(fake: FakeSlack) -> AsyncIterator[tuple[SocketModeClient, list[Any]]]:
    received: list[SocketModeRequest] = []

    async def listener(client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        received.append(request)
        payload = {"text": "got it"} if request.type == "slash_commands" else None
        await client.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload=payload)
        )

    client = SocketModeClient(
        app_token="xapp-test", web_client=AsyncWebClient(base_url=fake.base_url)
    )
    client.socket_mode_request_listeners.append(listener)  # type: ignore[arg-type]
    await client.connect()
    yield client, received
    await client.close()


async def test_socket_mode_envelopes_and_acks(
    fake: FakeSlack, socket_client: tuple[SocketModeClient, list[SocketModeRequest]]
) -> None:
    _, received = socket_client
    await fake.wait_socket_connected()
    assert fake.calls_to("apps.connections.open") == [{}]
    assert fake.calls[0].token == "xapp-test"
    ack = await fake.socket_send("events_api", {"type": "event_callback", "event": {}})
    assert ack == {} and received[0].type == "events_api"
    assert received[0].accepts_response_payload is False

    fake.transport = "socket"
    status, body = await fake.command("U1", "DU1", "start")
    assert (status, body) == (200, {"text": "got it"})
    assert (fake.ephemerals[-1].user, fake.ephemerals[-1].text) == ("U1", "got it")
    assert received[-1].type == "slash_commands" and received[-1].payload["text"] == "start"
    await fake.event(fake.message_event("U1", "hi"), retry_num=2)
    assert (received[-1].retry_attempt, received[-1].retry_reason) == (2, "http_timeout")


async def test_socket_mode_reconnects(
    fake: FakeSlack, socket_client: tuple[SocketModeClient, list[SocketModeRequest]]
) -> None:
    _, received = socket_client
    await fake.wait_socket_connected()
    for graceful in (False, True):
        before = fake.socket_connections
        await fake.drop_socket(graceful=graceful)
        await fake.wait_for(lambda n=before: fake.socket_connections > n)
        await fake.wait_socket_connected()
        await fake.socket_send("interactive", {"type": "block_actions"})
    assert len(received) == 2
    assert len(fake.calls_to("apps.connections.open")) == 3


async def test_app_token_only_opens_connections(fake: FakeSlack, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        await client.apps_connections_open(app_token="xoxb-test")
    with pytest.raises(SlackApiError, match="invalid_auth"):
        await client.apps_connections_open(app_token="xapp-wrong")


# -- end to end with slack_bolt ---------------------------------------------------------------


async def test_bolt_app_end_to_end(fake: FakeSlack) -> None:
    app = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token="xoxb-test", base_url=fake.base_url),
    )

    @app.command("/maturity")
    async def start(ack: Any, respond: Any, command: dict[str, Any], client: Any) -> None:
        await ack()
        await respond("Starting the assessment")
        await client.chat_postMessage(
            channel=command["user_id"], text="Question 1", blocks=question_blocks()
        )

    @app.action("answer_4")
    async def answer(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        await client.chat_update(
            channel=body["channel"]["id"],
            ts=body["message"]["ts"],
            text=f"You answered {body['actions'][0]['value']}",
            blocks=[],
        )

    runner, port = await serve(app.web_app(path="/slack/events"))
    fake.app_url = f"http://127.0.0.1:{port}/slack/events"
    try:
        status, _ = await fake.command("U1", "C1", "")
        assert status == 200
        await fake.wait_for(lambda: fake.dm("U1"))
        assert fake.ephemerals[0].text == "Starting the assessment"
        status, _ = await fake.press("U1", "Systematic")
        assert status == 200
        await fake.wait_for(lambda: fake.dm("U1")[0].text == "You answered 4")
        assert fake.buttons(fake.dm("U1")[0]) == []
    finally:
        await runner.cleanup()
        await asyncio.sleep(0)
