"""What a signed Slack request must look like before Bolt reads it.

A valid signature says a body came from Slack (or from whoever holds the signing secret), not
that it has the shape Bolt and our listeners expect: Bolt's context builder, middleware and
matchers index into it freely (``body["actions"][0]["action_id"]``, ``event.get(...)``), so
``actions`` sent as a string or a press without ``user`` used to end in a 500 with a traceback.
``wrong_shape`` checks every field that any of them reads, by request kind, and says what is
wrong; the server refuses such a request (400, one warning line) before Bolt dispatches it.

Fields nobody reads are not checked, so what Slack adds to its payloads later passes.
"""

from __future__ import annotations

import re

from bot.json_shape import TEXT, ListOf, MapOf, Matching, NoneType, Obj, Spec, kind_of, problem_with
from bot.slack.app import COMMAND

# Where Bolt's `respond` posts: an http(s) URL in plain ASCII, or aiohttp raises on it.
URL = Matching(re.compile(r"https?://[A-Za-z0-9.:\[\]-]+(/[\x21-\x7e]*)?"), "an http(s) URL")

# The fields Bolt's context builder reads at the top of a body and again, recursively, inside
# `event`, `message`, `previous_message`, `item`, `assistant_thread` and `authorizations[0]`
# (slack_bolt.request.internals): ids as text or as {"id": …} objects.
_IDENTITY: dict[str, Spec] = {
    "type": TEXT,
    "enterprise": (NoneType, str, Obj({"id": TEXT})),
    "enterprise_id": TEXT,
    "team": (NoneType, str, Obj({"id": TEXT, "enterprise_id": TEXT})),
    "team_id": TEXT,
    "user": (NoneType, str, Obj({"id": TEXT, "team_id": TEXT})),
    "user_id": TEXT,
    "channel": (NoneType, str, Obj({"id": TEXT})),
    "channel_id": TEXT,
    "thread_ts": TEXT,
    "is_enterprise_install": (NoneType, bool, str),
    "view": Obj(
        {"app_installed_team_id": TEXT, "team_id": TEXT, "type": TEXT, "callback_id": TEXT}
    ),
    "response_url": (NoneType, URL),
    "response_urls": (NoneType, ListOf(Obj({"response_url": (NoneType, URL)}))),
}
NESTED = Obj(_IDENTITY)
_IDENTITY.update(
    {
        # Bolt reads `body.get("event", {}).get(...)` on every request: null would not do.
        "event": NESTED,
        "message": (NoneType, NESTED),
        "previous_message": (NoneType, NESTED),
        "item": (NoneType, NESTED),
        "assistant_thread": (NoneType, NESTED),
        "authorizations": (NoneType, ListOf(NESTED)),
    }
)

PERSON = Obj({"id": str, "team_id": TEXT}, frozenset({"id"}))

SLASH_COMMAND = Obj(
    {
        # The one command the app has (the manifest's); Bolt answers any other with a 404.
        "command": Matching(re.compile(re.escape(COMMAND)), COMMAND),
        "user_id": str,
        "text": TEXT,
        "channel_id": TEXT,
        "channel_name": TEXT,
        "team_id": TEXT,
        "trigger_id": TEXT,
        "response_url": URL,  # how a command's failure is told when nothing else can be
    },
    frozenset({"command", "user_id", "response_url"}),
)

ACTION = Obj(
    {
        "action_id": str,
        "block_id": TEXT,
        "value": TEXT,
        "action_ts": TEXT,
        "type": TEXT,
        "selected_options": (NoneType, ListOf(Obj({"value": TEXT}))),
    },
    frozenset({"action_id"}),
)

BLOCK_ACTIONS = Obj(
    {
        "actions": ListOf(ACTION, non_empty=True),
        "user": PERSON,
        "container": (NoneType, Obj({"channel_id": TEXT, "message_ts": TEXT})),
        "channel": (NoneType, Obj({"id": TEXT})),
        "message": (
            NoneType,
            Obj({"ts": TEXT, "text": TEXT, "blocks": (NoneType, ListOf(Obj()))}),
        ),
        "trigger_id": TEXT,
    },
    frozenset({"actions", "user"}),
)

VIEW_PAYLOAD = Obj(
    {
        "user": PERSON,
        "view": Obj(
            {
                "callback_id": str,
                "type": str,  # Bolt's workflow-step check reads it from every submission
                "private_metadata": TEXT,
                # block id → action id → that element's state
                "state": Obj({"values": MapOf(MapOf(Obj()))}),
            },
            frozenset({"callback_id", "type"}),
        ),
        "trigger_id": TEXT,
    },
    frozenset({"user", "view"}),
)

EVENT_CALLBACK = Obj(
    {"event": Obj({"type": str}, frozenset({"type"})), "event_id": TEXT},
    frozenset({"event"}),
)

# The events the app listens to (bot/slack/app.py; the manifest subscribes to these), each with
# the fields its listener reads.
EVENTS: dict[str, Spec] = {
    "message": Obj(
        {
            "user": TEXT,
            "channel": str,
            "channel_type": TEXT,
            "subtype": TEXT,
            "text": TEXT,
            "ts": TEXT,
        },
        frozenset({"channel"}),
    ),
    "app_home_opened": Obj({"user": str, "tab": TEXT}, frozenset({"user"})),
    "app_uninstalled": Obj(),
    "tokens_revoked": Obj({"tokens": Obj({"oauth": ListOf(str), "bot": ListOf(str)})}),
}

# Interactive payload types the app has listeners for, and what each must hold.
PAYLOADS: dict[str, Spec] = {
    "block_actions": BLOCK_ACTIONS,
    "view_submission": VIEW_PAYLOAD,
    "view_closed": VIEW_PAYLOAD,
    "event_callback": EVENT_CALLBACK,
    "url_verification": Obj({"challenge": TEXT}),
}


def wrong_shape(body: object) -> str | None:
    """What is wrong with a parsed request body (one short phrase), or None when every field
    Bolt and our listeners read has the type they expect."""
    if not isinstance(body, dict):
        return f"the body is {kind_of(body)}, not an object"
    problem = problem_with(body, NESTED)
    if problem is not None:
        return problem
    if "command" in body:  # what Bolt takes for a slash command, whatever else it holds
        return problem_with(body, SLASH_COMMAND)
    if body.get("ssl_check") == "1":  # Slack checking the certificate; Bolt answers it
        return None
    kind = body.get("type")
    if kind is None:
        return "it is no kind of request Slack sends (no type)"
    spec = PAYLOADS.get(str(kind))
    if spec is None:
        return f"type {str(kind)[:40]!r} is not one this app handles"
    problem = problem_with(body, spec)
    if problem is not None or kind != "event_callback":
        return problem
    event_type = str(body["event"]["type"])
    event_spec = EVENTS.get(event_type)
    if event_spec is None:
        return f"event type {event_type[:40]!r} is not one this app handles"
    return problem_with(body["event"], event_spec, "event")
