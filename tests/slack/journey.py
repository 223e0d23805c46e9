"""Driving people through the questionnaire by pressing buttons, as they would."""

from __future__ import annotations

import re
from typing import Any

from tests.slack.fake_slack import FakeSlack

CONTROLS = {"back", "skip", "why", "pause", "dk", "keep"}
ANSWER = re.compile(r"^\d+/q:[^:]+:(?P<action>[^:]+)$")


def _choice(buttons: list[dict[str, Any]], pick: int) -> dict[str, Any] | None:
    """The button an answering person presses: Submit on the review, else the ``pick``-th
    answer option (clamped), else Skip (number and free-text questions)."""
    values = [(b, str(b.get("value") or "")) for b in buttons]
    for button, value in values:
        if value.endswith("r:submit"):
            return button
    options = [b for b, v in values if (m := ANSWER.match(v)) and m.group("action") not in CONTROLS]
    if options:
        return options[min(pick, len(options) - 1)]
    skips = [b for b, v in values if v.endswith(":skip")]
    return skips[0] if skips else None


async def start(fake: FakeSlack, user_id: str, label: str = "Start") -> None:
    """Press the invitation's Start button and wait for the first question."""
    status, _body = await fake.press(user_id, label)
    assert status == 200
    await fake.wait_for(lambda: _question(fake, user_id) is not None)


def _question(fake: FakeSlack, user_id: str) -> Any:
    """The newest message in the person's DM with questionnaire buttons, if any."""
    for message in reversed(fake.dm(user_id)):
        if any(ANSWER.match(str(b.get("value") or "")) for b in fake.buttons(message)):
            return message
        if any(str(b.get("value") or "").endswith("r:submit") for b in fake.buttons(message)):
            return message
    return None


async def answer_everything(fake: FakeSlack, user_id: str, *, pick: int = 2) -> int:
    """Press through the whole questionnaire in the person's DM, up to Submit; the number of
    presses. Each press waits for the app's next question before the following one."""
    for presses in range(1, 200):
        newest = _question(fake, user_id)
        assert newest is not None, f"{user_id} has no question to answer"
        button = _choice(fake.buttons(newest), pick)
        assert button is not None, f"nothing to press in {fake.buttons(newest)}"
        before = len(fake.dm(user_id))
        submit = str(button.get("value", "")).endswith("r:submit")
        status, _body = await fake.press(user_id, lambda b, v=button["value"]: b["value"] == v)
        assert status == 200
        if submit:
            await fake.wait_for(lambda seen=before: len(fake.dm(user_id)) > seen)
            return presses

        def moved_on(pressed: str = newest.ts) -> bool:
            shown = _question(fake, user_id)
            return shown is not None and shown.ts != pressed

        await fake.wait_for(moved_on)
    raise AssertionError("the questionnaire never reached its review")
