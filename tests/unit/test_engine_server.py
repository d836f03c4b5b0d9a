import asyncio
import time

from services.engine.server import first_then_batched


async def tokens(n, gap_s):
    for i in range(n):
        await asyncio.sleep(gap_s)
        yield i


async def test_first_item_is_not_held_back_then_items_are_batched():
    started = time.perf_counter()
    stream = first_then_batched(tokens(20, 0.005), interval_ms=50)
    first = await anext(stream)
    assert first == [0]
    assert time.perf_counter() - started < 0.04, "the first token does not wait for a batching interval"
    rest = [batch async for batch in stream]
    assert [x for batch in rest for x in batch] == list(range(1, 20))
    assert len(rest) < 19, "later tokens travel in batches"


async def test_empty_stream():
    async def nothing():
        return
        yield

    assert [b async for b in first_then_batched(nothing(), interval_ms=50)] == []
