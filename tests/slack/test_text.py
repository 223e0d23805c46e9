"""Text in and out of Slack: what people typed, and what the app's blocks may hold."""

from __future__ import annotations

from bot.slack.blocks import BUTTON_CHARS, SECTION_CHARS, escape, render, unpin
from bot.slack.deliveries import as_typed, dedupe_key
from conversations.replies import Button, QuestionReply


def test_typed_text_is_read_as_typed() -> None:
    assert as_typed("R&amp;D owns it") == "R&D owns it"
    assert as_typed("&gt;90 &lt;5") == ">90 <5"
    assert as_typed("see <https://example.com|the wiki>") == "see the wiki"
    assert as_typed("mail <mailto:ayse@example.com|ayse@example.com>") == "mail ayse@example.com"
    assert as_typed("<https://example.com>") == "https://example.com"
    assert as_typed("SİSTEMATİK") == "SİSTEMATİK"


def test_escaping_is_the_inverse_for_what_people_type() -> None:
    for text in ("R&D", "<5 & >90", "plain"):
        assert as_typed(escape(text)) == text


def test_dedupe_keys_fit_and_differ_however_long_the_ids() -> None:
    prefix = "W" + "0" * 80
    first, second = dedupe_key("a", prefix + "1", "x"), dedupe_key("a", prefix + "2", "x")
    assert first != second
    assert len(first) <= 64 and len(second) <= 64
    assert dedupe_key("e", "Ev1") == dedupe_key("e", "Ev1")


def test_a_question_fits_slacks_limits_and_binds_its_buttons() -> None:
    long = "word " * 1000
    reply = QuestionReply(
        "q1",
        "1/35 · About you",
        long,
        "hint",
        (Button("x" * 200, "q:q1:1", "1"), Button("Don't know", "q:q1:dk", "0")),
        (Button("Back", "q:q1:back"), Button("Skip", "q:q1:skip")),
    )
    message = render(reply, 42)
    buttons = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert all(len(b["text"]["text"]) <= BUTTON_CHARS for b in buttons)
    assert all(len(b["text"]["text"]) <= SECTION_CHARS for b in message.blocks if "text" in b)
    assert len({b["action_id"] for b in buttons}) == len(buttons)
    assert [unpin(b["value"]) for b in buttons][-2:] == [(42, "q:q1:skip"), (42, "q:q1:back")]
