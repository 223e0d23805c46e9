"""What makes a Slack delivery unique (so a retried one is handled once) and a typed message's
text as the person typed it."""

from __future__ import annotations

import hashlib
import re

from bot.slack.common import Body


def dedupe_key(kind: str, *parts: object) -> str:
    """A fixed-size key for ``seen_updates``: ids of any length never share a prefix by
    being cut short."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()
    return f"{kind}:{digest[:48]}"


def interaction_key(body: Body) -> str | None:
    """What makes one press unique: Slack sends the same payload again only for the same
    press (a retry), never for a new one. None when the payload carries neither the action's
    time stamp nor a trigger id: then every press counts."""
    action = (body.get("actions") or [{}])[0]
    user = (body.get("user") or {}).get("id", "")
    unique = action.get("action_ts") or body.get("trigger_id")
    if not unique:
        return None
    return dedupe_key("a", user, action.get("action_id"), action.get("value"), unique)


SLACK_LINK = re.compile(r"<(?:mailto:)?([^|>]+)\|([^>]+)>|<(?:mailto:)?([^>]+)>")


def as_typed(text: str) -> str:
    """A message's text as the person typed it: Slack sends &, < and > as entities, and
    links and e-mail addresses wrapped in <…|…>."""
    text = SLACK_LINK.sub(lambda m: m.group(2) or m.group(3) or "", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
