"""Background turns: one conversation's in order, conversations side by side."""

import asyncio

from bot.channels.turns import Turns


def test_a_conversations_turns_run_in_order_and_others_alongside():
    async def scenario():
        turns, done = Turns(), []

        def turn(conversation, label, pause):
            async def run():
                await asyncio.sleep(pause)
                done.append((conversation, label))

            return run

        turns.start("tg:1", turn("tg:1", "first", 0.2))
        turns.start("tg:1", turn("tg:1", "second", 0.0))
        turns.start("tg:2", turn("tg:2", "other", 0.05))
        await turns.drain()
        return done, turns

    done, turns = asyncio.run(scenario())
    assert done == [("tg:2", "other"), ("tg:1", "first"), ("tg:1", "second")]
    assert turns._locks == {} and turns._waiting == {}  # nothing kept once done


def test_a_failing_turn_does_not_stop_the_next():
    async def scenario():
        turns, done = Turns(), []

        async def failing():
            raise RuntimeError("boom")

        async def next_turn():
            done.append("next")

        turns.start("tg:1", failing)
        turns.start("tg:1", next_turn)
        await turns.drain()
        return done

    assert asyncio.run(scenario()) == ["next"]
