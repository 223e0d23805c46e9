"""What a webhook body must look like before python-telegram-bot and our handlers read it.

``Update.de_json`` builds objects from whatever JSON it gets without checking types: a sender
whose ``id`` is a list, or a ``text`` that is a number, becomes an Update our handlers then
trip over (a TypeError in the middle of a conversation). ``wrong_update_shape`` checks the
fields the handlers in this package read, and the webhook refuses a body that fails (400, one
warning line). Fields nobody reads are not checked, so what Telegram adds later passes.
"""

from __future__ import annotations

from bot.json_shape import TEXT, ListOf, Obj, Spec, problem_with

USER = Obj(
    {
        "id": int,
        "is_bot": bool,
        "first_name": str,
        "last_name": TEXT,
        "username": TEXT,
        "language_code": TEXT,
    },
    frozenset({"id", "is_bot", "first_name"}),
)
CHAT = Obj(
    {"id": int, "type": str, "title": TEXT, "username": TEXT, "first_name": TEXT},
    frozenset({"id", "type"}),
)
ENTITY = Obj({"type": str, "offset": int, "length": int}, frozenset({"type", "offset", "length"}))

_MESSAGE_FIELDS: dict[str, Spec] = {
    "message_id": int,
    "message_thread_id": int,
    "from": USER,
    "sender_chat": CHAT,
    "chat": CHAT,
    "date": int,
    "text": TEXT,
    "caption": TEXT,
    "entities": ListOf(ENTITY),
    "caption_entities": ListOf(ENTITY),
    "new_chat_members": ListOf(USER),
    "left_chat_member": USER,
    "migrate_to_chat_id": int,
    "migrate_from_chat_id": int,
    "group_chat_created": bool,
    "supergroup_chat_created": bool,
    "is_topic_message": bool,
}
MESSAGE = Obj(_MESSAGE_FIELDS, frozenset({"message_id", "chat", "date"}))
_MESSAGE_FIELDS["reply_to_message"] = MESSAGE

MEMBER = Obj({"status": str, "user": USER}, frozenset({"status", "user"}))
MEMBER_CHANGE = Obj(
    {"chat": CHAT, "from": USER, "date": int, "old_chat_member": MEMBER, "new_chat_member": MEMBER},
    frozenset({"chat", "from", "date", "old_chat_member", "new_chat_member"}),
)
CALLBACK_QUERY = Obj(
    {
        "id": str,
        "from": USER,
        "message": MESSAGE,  # an inaccessible message has the same three required fields
        "data": TEXT,
        "chat_instance": str,
        "inline_message_id": TEXT,
    },
    frozenset({"id", "from", "chat_instance"}),
)
UPDATE = Obj(
    {
        "update_id": int,
        "message": MESSAGE,
        "edited_message": MESSAGE,
        "channel_post": MESSAGE,
        "edited_channel_post": MESSAGE,
        "callback_query": CALLBACK_QUERY,
        "my_chat_member": MEMBER_CHANGE,
        "chat_member": MEMBER_CHANGE,
    },
    frozenset({"update_id"}),
)


def wrong_update_shape(data: object) -> str | None:
    """What is wrong with a parsed webhook body (one short phrase), or None."""
    return problem_with(data, UPDATE)
