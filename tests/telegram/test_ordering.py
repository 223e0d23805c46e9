"""Updates of different people run side by side; one person's run in the order they came."""

from __future__ import annotations

import asyncio
import time

from telegram import Update

from bot.telegram.ordering import PerPersonOrder


def text_from(user_id: int, update_id: int) -> Update:
    user = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"}
    chat = {"id": user_id, "type": "private"}
    message = {"message_id": update_id, "date": int(time.time()), "chat": chat, "from": user}
    return Update.de_json({"update_id": update_id, "message": {**message, "text": "2"}}, None)


async def test_one_persons_updates_wait_for_each_other_and_no_one_else_does() -> None:
    processor = PerPersonOrder()
    events: list[str] = []
    release_first = asyncio.Event()

    async def handle(name: str, gate: asyncio.Event | None = None) -> None:
        events.append(f"{name} starts")
        if gate is not None:
            await gate.wait()
        events.append(f"{name} ends")

    first = asyncio.create_task(
        processor.process_update(text_from(1, 1), handle("A1", release_first))
    )
    second = asyncio.create_task(processor.process_update(text_from(1, 2), handle("A2")))
    other = asyncio.create_task(processor.process_update(text_from(2, 3), handle("B1")))
    await other  # B is not held up by A's first update
    assert events == ["A1 starts", "B1 starts", "B1 ends"]
    release_first.set()
    await asyncio.gather(first, second)
    assert events[3:] == ["A1 ends", "A2 starts", "A2 ends"]
    assert processor.current_concurrent_updates == 0


async def test_many_updates_of_one_person_keep_their_order() -> None:
    processor = PerPersonOrder(max_concurrent_updates=4)  # most wait for a slot as well
    seen: list[int] = []

    async def handle(number: int) -> None:
        await asyncio.sleep((50 - number) / 10_000)  # left alone, later ones would finish first
        seen.append(number)

    await asyncio.gather(*(processor.process_update(text_from(7, n), handle(n)) for n in range(50)))
    assert seen == list(range(50))
