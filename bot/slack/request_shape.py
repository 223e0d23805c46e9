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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.slack.app import COMMAND

NoneType = type(None)


@dataclass(frozen=True)
class Obj:
    """A JSON object; the named fields, when present, have their spec. Other fields pass."""

    fields: Mapping[str, Spec] = field(default_factory=dict)
    required: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ListOf:
    item: Spec
    non_empty: bool = False


@dataclass(frozen=True)
class MapOf:
    """A JSON object whose every value has ``value``'s spec (the keys are free)."""

    value: Spec


@dataclass(frozen=True)
class Matching:
    """Text that matches ``pattern`` (in full); ``what`` names it in a refusal."""

    pattern: re.Pattern[str]
    what: str


# A type, one of several specs (a tuple), or a structure.
Spec = type | tuple["Spec", ...] | Obj | ListOf | MapOf | Matching

TEXT = (str, NoneType)
# Where Bolt's `respond` posts: an http(s) URL in plain ASCII, or aiohttp raises on it.
URL = Matching(re.compile(r"https?://[A-Za-z0-9.:\[\]-]+(/[\x21-\x7e]*)?"), "an http(s) URL")
MAX_DEPTH = 24  # real payloads nest checked fields a few levels deep

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
        return f"the body is {_kind(body)}, not an object"
    problem = _check(body, NESTED, "", 0)
    if problem is not None:
        return problem
    if "command" in body:  # what Bolt takes for a slash command, whatever else it holds
        return _check(body, SLASH_COMMAND, "", 0)
    if body.get("ssl_check") == "1":  # Slack checking the certificate; Bolt answers it
        return None
    kind = body.get("type")
    if kind is None:
        return "it is no kind of request Slack sends (no type)"
    spec = PAYLOADS.get(str(kind))
    if spec is None:
        return f"type {str(kind)[:40]!r} is not one this app handles"
    problem = _check(body, spec, "", 0)
    if problem is not None or kind != "event_callback":
        return problem
    event_type = str(body["event"]["type"])
    event_spec = EVENTS.get(event_type)
    if event_spec is None:
        return f"event type {event_type[:40]!r} is not one this app handles"
    return _check(body["event"], event_spec, "event", 0)


def _check(value: Any, spec: Spec, path: str, depth: int) -> str | None:
    where = path or "the body"
    if depth > MAX_DEPTH:
        return f"{where} is nested too deeply"
    if isinstance(spec, tuple):
        for option in spec:
            problem = _check(value, option, path, depth)
            if problem is None:
                return None
            if _structured_like(value, option):  # the problem is inside: say where
                return problem
        return f"{where} is {_kind(value)}, not {_expected(spec)}"
    if isinstance(spec, Matching):
        if isinstance(value, str) and spec.pattern.fullmatch(value):
            return None
        return f"{where} is not {spec.what}"
    if isinstance(spec, type):
        # Exactly: true is an int in Python, and neither is text.
        if type(value) is spec:
            return None
        return f"{where} is {_kind(value)}, not {_expected(spec)}"
    if isinstance(spec, ListOf):
        if not isinstance(value, list):
            return f"{where} is {_kind(value)}, not a list"
        if spec.non_empty and not value:
            return f"{where} is empty"
        for index, item in enumerate(value):
            problem = _check(item, spec.item, f"{path}[{index}]", depth + 1)
            if problem is not None:
                return problem
        return None
    if not isinstance(value, dict):
        return f"{where} is {_kind(value)}, not an object"
    if isinstance(spec, MapOf):
        for key, item in value.items():
            problem = _check(item, spec.value, _join(path, key), depth + 1)
            if problem is not None:
                return problem
        return None
    for name in spec.required:
        if name not in value:
            return f"{_join(path, name)} is missing"
    for name, field_spec in spec.fields.items():
        if name in value:
            problem = _check(value[name], field_spec, _join(path, name), depth + 1)
            if problem is not None:
                return problem
    return None


def _structured_like(value: object, spec: Spec) -> bool:
    return (isinstance(spec, Obj | MapOf) and isinstance(value, dict)) or (
        isinstance(spec, ListOf) and isinstance(value, list)
    )


def _join(path: str, name: str) -> str:
    return f"{path}.{name[:40]}" if path else name[:40]


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _expected(spec: Spec) -> str:
    if isinstance(spec, tuple):
        return " or ".join(_expected(option) for option in spec if option is not NoneType)
    if spec is str:
        return "text"
    if spec is bool:
        return "true/false"
    if isinstance(spec, ListOf):
        return "a list"
    if isinstance(spec, Matching):
        return spec.what
    if isinstance(spec, Obj | MapOf):
        return "an object"
    return getattr(spec, "__name__", "something else")
