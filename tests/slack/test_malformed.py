"""Signed Slack requests of the wrong shape: `actions` as text, `event` as text, a number
for a button's value, a press without `user`, a `payload` that is a list. Slack never sends
these, but anyone with the signing secret can. Each is refused with a 400 (Socket Mode: an ack
and nothing else) and exactly one warning line, never a 500 with a traceback; no table
changes, and the app keeps answering."""

from __future__ import annotations

import json
import logging
import time
from typing import Any, cast
from urllib.parse import quote, urlencode

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.errors import SlackApiError

from bot.assessments import Assessments
from bot.slack.app import SlackChannel
from bot.slack.request_shape import EVENTS
from tests.json_shapes import JUNK_SETTINGS, json_values, mutated
from tests.slack.fake_slack import JSON, FakeSlack
from tests.slack.helpers import BOB, CHANNEL, settle, team_channel
from tests.slack.test_manifest import MANIFEST
from tests.slack.test_socket_mode import over_the_socket
from tests.table_dump import TableDump, dump_changeable_tables

FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
REFUSED = "Slack request refused"


def press(**changes: Any) -> JSON:
    """A block_actions payload as Slack sends it for Bob's press, with ``changes`` applied
    (a value of ``...`` removes the field)."""
    payload: JSON = {
        "type": "block_actions",
        "team": {"id": "T0001", "domain": "fake"},
        "user": {"id": BOB, "username": "bob", "team_id": "T0001"},
        "api_app_id": "A0FAKE",
        "trigger_id": "1.2.3",
        "container": {"type": "message", "channel_id": "DUBOB", "message_ts": "1.000001"},
        "channel": {"id": "DUBOB", "name": "directmessage"},
        "message": {"ts": "1.000001", "text": "1/35", "blocks": []},
        "actions": [
            {
                "action_id": "answer-1",
                "block_id": "b1",
                "value": "1/q:role:team_lead",
                "type": "button",
                "action_ts": "1.5",
            }
        ],
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


def event(inner: Any, **changes: Any) -> JSON:
    envelope: JSON = {
        "type": "event_callback",
        "team_id": "T0001",
        "api_app_id": "A0FAKE",
        "event_id": f"EvJUNK{time.monotonic_ns()}",
        "event_time": int(time.time()),
        "event": inner,
    }
    envelope.update(changes)
    return {k: v for k, v in envelope.items() if v is not ...}


def as_form(payload: Any) -> str:
    return urlencode({"payload": json.dumps(payload)})


DM_MESSAGE = {"type": "message", "channel": "DUBOB", "channel_type": "im", "user": BOB}
ACTION = press()["actions"][0]

# (body, content type) pairs: each signed correctly, each of the wrong shape.
MALFORMED = [
    pytest.param(as_form(press(actions="answer-1")), FORM, id="actions-text"),
    pytest.param(as_form(press(actions=[])), FORM, id="actions-empty"),
    pytest.param(as_form(press(actions=["answer-1"])), FORM, id="action-text"),
    pytest.param(as_form(press(actions=[{**ACTION, "value": 4}])), FORM, id="value-number"),
    pytest.param(as_form(press(actions=[{**ACTION, "action_id": 7}])), FORM, id="id-number"),
    pytest.param(as_form(press(user=...)), FORM, id="no-user"),
    pytest.param(as_form(press(user=BOB)), FORM, id="user-text"),
    pytest.param(as_form(press(user={"name": "bob"})), FORM, id="user-without-id"),
    pytest.param(as_form(press(message="hello")), FORM, id="message-text"),
    pytest.param(as_form(press(container=[1])), FORM, id="container-list"),
    pytest.param(as_form(press(view=None)), FORM, id="view-null"),
    pytest.param(as_form(press(authorizations="all")), FORM, id="authorizations-text"),
    pytest.param(as_form(press(team={"id": 1})), FORM, id="team-id-number"),
    pytest.param(as_form({"type": "view_submission", "user": {"id": BOB}}), FORM, id="no-view"),
    pytest.param(
        as_form(
            {
                "type": "view_submission",
                "user": {"id": BOB},
                "view": {
                    "type": "modal",
                    "callback_id": "schedule",
                    "state": {"values": {"deadline": 3}},
                },
            }
        ),
        FORM,
        id="view-values-number",
    ),
    pytest.param(
        as_form(
            {
                "type": "view_submission",
                "user": {"id": BOB},
                "view": {
                    "type": "modal",
                    "callback_id": "schedule",
                    "state": {"values": {"dead\nline": {"value": 3}}},
                },
            }
        ),
        FORM,
        id="key-with-a-newline",
    ),
    pytest.param(as_form([press()]), FORM, id="payload-list"),
    pytest.param("payload=" + quote("[1]"), FORM, id="payload-array"),
    pytest.param("payload=null", FORM, id="payload-null"),
    pytest.param("payload=%7Bnot%20json", FORM, id="payload-not-json"),
    pytest.param(json.dumps(event("hello")), JSON_TYPE, id="event-text"),
    pytest.param(json.dumps(event(None)), JSON_TYPE, id="event-null"),
    pytest.param(json.dumps(event(...)), JSON_TYPE, id="no-event"),
    pytest.param(json.dumps(event({"user": BOB})), JSON_TYPE, id="event-without-type"),
    pytest.param(json.dumps(event({**DM_MESSAGE, "user": 5})), JSON_TYPE, id="event-user-number"),
    pytest.param(json.dumps(event({**DM_MESSAGE, "text": ["4"]})), JSON_TYPE, id="text-list"),
    pytest.param(
        json.dumps(event({k: v for k, v in DM_MESSAGE.items() if k != "channel"})),
        JSON_TYPE,
        id="no-channel",
    ),
    pytest.param(
        json.dumps(event({"type": "app_home_opened", "tab": "home"})),
        JSON_TYPE,
        id="home-without-user",
    ),
    pytest.param(
        json.dumps(event({"type": "tokens_revoked", "tokens": None})),
        JSON_TYPE,
        id="tokens-null",
    ),
    pytest.param(json.dumps(event({"type": "odd"})), JSON_TYPE, id="unknown-event"),
    pytest.param(json.dumps(event(DM_MESSAGE, event_id=9)), JSON_TYPE, id="event-id-number"),
    pytest.param('{"type": "frobnicate"}', JSON_TYPE, id="unknown-type"),
    pytest.param('{"type": ["block_actions"]}', JSON_TYPE, id="type-list"),
    pytest.param("[1, 2]", JSON_TYPE, id="json-list"),
    pytest.param('"hello"', JSON_TYPE, id="json-text"),
    pytest.param("{not json", JSON_TYPE, id="not-json"),
    pytest.param("[" * 100_000, JSON_TYPE, id="nested-past-the-parser"),
    pytest.param(
        json.dumps(
            event({"type": "message", "channel": "DUBOB", "message": {"event": {}}})
        ).replace('{"event": {}}', '{"event": ' * 60 + "{}" + "}" * 60),
        JSON_TYPE,
        id="nested-deep",
    ),
    pytest.param("", FORM, id="empty"),
    pytest.param("a=b", FORM, id="form-of-nothing"),
    pytest.param("command=%2Fmaturity&text=help", FORM, id="command-without-user"),
    pytest.param(json.dumps({"command": 5, "user_id": BOB}), JSON_TYPE, id="command-number"),
]


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING and REFUSED in r.message]


def assert_one_warning_and_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    warned = refusals(caplog)
    assert len(warned) == 1, [r.message for r in caplog.records]
    assert "\n" not in warned[0].message
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING and r not in warned]
    assert not noisy, [f"{r.name}: {r.message}" for r in noisy]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def still_answers(fake: FakeSlack) -> None:
    status, _ = await fake.command(BOB, CHANNEL, "help")
    assert status == 200
    await fake.wait_for(
        lambda: any(e.user == BOB and "/maturity start" in e.text for e in fake.ephemerals)
    )


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
async def test_a_signed_body_of_the_wrong_shape_gets_a_400_and_one_warning(
    fake: FakeSlack,
    app: SlackChannel,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    body: str,
    content_type: str,
) -> None:
    team_channel(fake)
    before = await dump_changeable_tables(database_url)
    caplog.set_level(logging.INFO)
    status, text = await fake.post_to_app(body, content_type)
    await settle()
    assert status == 400, f"{status}: {text[:200]}"
    assert_one_warning_and_no_traceback(caplog)
    assert fake.calls == []
    assert await dump_changeable_tables(database_url) == before
    await still_answers(fake)


SOCKET_MALFORMED = [
    pytest.param("interactive", press(actions="answer-1"), id="actions-text"),
    pytest.param("interactive", press(actions=[{**ACTION, "value": 4}]), id="value-number"),
    pytest.param("interactive", press(user=...), id="no-user"),
    pytest.param("interactive", [press()], id="payload-list"),
    pytest.param("interactive", "payload", id="payload-text"),
    pytest.param("events_api", event("hello"), id="event-text"),
    pytest.param("events_api", event({**DM_MESSAGE, "user": 5}), id="event-user-number"),
    pytest.param("slash_commands", {"command": "/maturity", "text": "help"}, id="no-user-id"),
]


@pytest.mark.parametrize(("kind", "payload"), SOCKET_MALFORMED)
async def test_socket_mode_acknowledges_a_wrong_shape_and_warns_once(
    fake: FakeSlack,
    assessments: Assessments,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    payload: Any,
) -> None:
    team_channel(fake)
    async with over_the_socket(fake, assessments):
        before = await dump_changeable_tables(database_url)
        caplog.set_level(logging.INFO)
        ack = await fake.socket_send(kind, cast(JSON, payload))
        await settle()
        assert ack == {}  # acknowledged, so Slack does not send it again; nothing answered
        assert_one_warning_and_no_traceback(caplog)
        assert await dump_changeable_tables(database_url) == before
        await still_answers(fake)


def test_the_events_checked_are_the_events_the_manifest_subscribes_to() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    subscribed = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {name.split(".")[0] for name in subscribed} == set(EVENTS)


@pytest.mark.parametrize("frame", ["{not json", "[1, 2]", '"hello"', "{" * 50_000])
async def test_socket_mode_drops_a_frame_that_is_not_a_json_object(
    fake: FakeSlack, assessments: Assessments, caplog: pytest.LogCaptureFixture, frame: str
) -> None:
    team_channel(fake)
    async with over_the_socket(fake, assessments):
        caplog.set_level(logging.INFO)
        socket = fake._live_socket()  # the raw WebSocket: the fake itself only sends JSON
        assert socket is not None
        await socket.send_str(frame)
        await fake.wait_for(lambda: refusals(caplog))
        assert_one_warning_and_no_traceback(caplog)
        await still_answers(fake)


# ---------------------------------------------------------------------- generated junk

SCHEDULE_VIEW_SUBMISSION: JSON = {
    "type": "view_submission",
    "team": {"id": "T0001"},
    "user": {"id": "UADA", "team_id": "T0001"},  # known: a modal's listener asks who first
    "trigger_id": "1.2.4",
    "view": {
        "type": "modal",
        "callback_id": "schedule",
        "private_metadata": "1",
        "state": {
            "values": {
                "deadline": {"value": {"type": "static_select", "selected_option": {"value": "7"}}},
                "send_at": {"value": {"type": "timepicker", "selected_time": "10:00"}},
                "working_days": {"value": {"selected_options": [{"value": "0"}]}},
            }
        },
    },
}
SLASH_COMMAND: JSON = {
    "command": "/maturity",
    "text": "help",
    "user_id": BOB,
    "channel_id": CHANNEL,
    "channel_name": "support",
    "team_id": "T0001",
    "trigger_id": "1.2.5",
    "response_url": "RESPONSE_URL",  # the fake's, filled in when sent
}


def json_body(value: Any) -> tuple[str, str]:
    if isinstance(value, dict) and "event_id" in value:  # each a new delivery, not a retry
        value = {**value, "event_id": f"EvJUNK{time.monotonic_ns()}"}
    return json.dumps(value), JSON_TYPE


def form_body(value: Any) -> tuple[str, str]:
    return as_form(value), FORM


def command_body(value: Any) -> tuple[str, str]:
    """A slash command's form: every value is text there."""
    if not isinstance(value, dict):
        return urlencode({"command": json.dumps(value)}), FORM
    fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}
    return urlencode(fields), FORM


slack_junk = st.one_of(
    mutated(event({**DM_MESSAGE, "text": "hello", "ts": "1.1"})).map(json_body),
    mutated(event({"type": "app_home_opened", "user": BOB, "tab": "home"})).map(json_body),
    mutated(press()).map(form_body),
    mutated(SCHEDULE_VIEW_SUBMISSION).map(form_body),
    mutated(SLASH_COMMAND).map(command_body),
    json_values.map(json_body),
    json_values.map(form_body),
)


baselines: dict[str, TableDump] = {}  # per database: each test has its own


@JUNK_SETTINGS
@given(request=slack_junk)
async def test_generated_junk_never_gets_a_5xx_or_changes_a_table(
    fake: FakeSlack,
    app: SlackChannel,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    request: tuple[str, str],
) -> None:
    """Signed requests of every shape, real payloads with a part replaced or removed among
    them. This Slack knows only Ada, who submits the schedule modal of a team that does not
    exist: a well-formed request goes as far as asking who sent it (users.info, refused for
    Bob) or is refused as not an admin's, which is as far as any could change a table."""
    fake.add_user("UADA", "Ada")
    body, content_type = request
    body = body.replace("RESPONSE_URL", quote(f"{fake.origin}/response/none", safe=""))
    if database_url not in baselines:  # the tables as every example must leave them
        baselines[database_url] = await dump_changeable_tables(database_url)
    caplog.clear()
    status, text = await fake.post_to_app(body, content_type)
    await settle()
    assert status < 500, f"{status}: {text[:200]}"
    if 400 <= status < 500:
        assert len(refusals(caplog)) == 1
    # Accepted ones may still fail on a Web API call (a channel this Slack does not have, say):
    # logged as errors, by design. Any other traceback is a listener tripping over the shape.
    tripped = [
        f"{r.name}: {r.getMessage()[:200]} ({r.exc_info[1]!r})"
        for r in caplog.records
        if r.exc_info and not isinstance(r.exc_info[1], SlackApiError)
    ]
    assert not tripped, tripped
    assert await dump_changeable_tables(database_url) == baselines[database_url]


async def test_a_body_over_a_megabyte_is_refused_unread(
    fake: FakeSlack, app: SlackChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    status, _text = await fake.post_to_app("payload=" + "x" * (1 << 21), FORM)
    assert status == 413
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    "headers",
    [{"X-Slack-Bolt-Lazy-Only": "1"}, {"X-Slack-Bolt-Lazy-Function-Name": "_command"}],
    ids=["lazy-only", "lazy-function"],
)
async def test_bolts_own_lazy_listener_headers_are_refused(
    fake: FakeSlack,
    app: SlackChannel,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
) -> None:
    """Only Bolt sets them (for lazy listeners on FaaS hosts); with them it would skip every
    listener and answer 404 with a page of advice in the log."""
    team_channel(fake)
    caplog.set_level(logging.INFO)
    body = urlencode({**SLASH_COMMAND, "response_url": f"{fake.origin}/response/none"})
    status, _text = await fake.post_to_app(body, FORM, headers_extra=headers)
    await settle()
    assert status == 400
    assert_one_warning_and_no_traceback(caplog)
    await still_answers(fake)


async def test_a_modal_submitted_while_slack_refuses_the_lookup_gets_a_note_not_a_500(
    fake: FakeSlack, app: SlackChannel, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Not junk, but the same answer: a schedule submitted when users.info fails was left
    unacknowledged, and Bolt answered Slack with a 500."""
    team_channel(fake)
    before = await dump_changeable_tables(database_url)
    fake.fail_next("users.info", status=200, error="user_not_found")
    view = {"type": "modal", "callback_id": "schedule", "private_metadata": "1"}
    status, body = await fake.submit_view(BOB, view, {})
    assert status == 200 and isinstance(body, dict)
    assert body["errors"] == {
        "deadline": "Slack refused a step of this (user_not_found). Please try again."
    }
    assert await dump_changeable_tables(database_url) == before
