import asyncio
import time

import pytest

from services.engine.server import UNPACED_BATCHES, first_then_batched


async def tokens(n, gap_s, pair_first=False):
    if pair_first:
        yield "role"  # vLLM sends a role chunk and the first content chunk back to back
    for i in range(n):
        await asyncio.sleep(gap_s)
        yield i


async def test_first_chunks_are_not_held_back_then_chunks_are_batched():
    started = time.perf_counter()
    stream = first_then_batched(tokens(20, 0.005), interval_ms=50)
    assert await anext(stream) == [0]
    assert time.perf_counter() - started < 0.04, "the first token does not wait for a batching interval"
    rest = [batch async for batch in stream]
    assert [x for batch in rest for x in batch] == list(range(1, 20))
    assert len(rest) < 19, "later tokens travel in batches"


async def test_chunks_produced_with_the_first_travel_with_it():
    async def burst():
        yield "role"
        yield "content"
        await asyncio.sleep(0.2)
        yield "later"

    stream = first_then_batched(burst(), interval_ms=50)
    assert await anext(stream) == ["role", "content"]
    assert [x for b in [b async for b in stream] for x in b] == ["later"]


async def test_empty_stream_and_errors():
    async def nothing():
        return
        yield

    assert [b async for b in first_then_batched(nothing(), interval_ms=50)] == []

    async def breaks():
        yield 1
        raise RuntimeError("engine died")

    with pytest.raises(RuntimeError, match="engine died"):
        [b async for b in first_then_batched(breaks(), interval_ms=50)]


async def test_closing_early_stops_reading_the_engine():
    state = {"closed": False}

    async def endless():
        try:
            while True:
                await asyncio.sleep(0.001)
                yield "token"
        finally:
            state["closed"] = True

    stream = first_then_batched(endless(), interval_ms=10)
    await anext(stream)
    await anext(stream)
    await stream.aclose()
    await asyncio.sleep(0.05)
    assert state["closed"], "the engine's generator is closed, so vLLM aborts the request"


async def test_engine_reports_the_folder_it_loaded_its_tokenizer_from():
    """The watermark detector asks the engine (services/safety/watermark.py EngineTokenizers):
    the gateway application of the one-application-per-engine layout holds no source."""
    from types import SimpleNamespace

    from services.common.models import ModelSpec
    from services.engine.config import EngineSettings
    from services.engine.llm_configs import build_llm_config
    from services.engine.server import EngineServer

    config = build_llm_config(ModelSpec(name="chat", source="/models/chat-v2"), EngineSettings(device="cpu"))
    assert await EngineServer.tokenizer_source(SimpleNamespace(_llm_config=config)) == "/models/chat-v2"


async def test_a_chunk_after_an_idle_interval_leaves_at_once():
    """A chunk that comes when no batch left for a whole interval is sent when it comes, not at
    the next tick of a fixed clock (LLMServer's batcher: at one stream, a token every ~55 ms and
    a 50 ms tick, the second token waited ~50 ms more, and the output guard, which releases the
    first word when the second token shows it whole, with it)."""
    gate, end = asyncio.Event(), asyncio.Event()

    async def two_words():
        yield "Once"
        await gate.wait()
        yield " upon"
        await end.wait()  # the answer goes on

    stream = first_then_batched(two_words(), interval_ms=500)
    assert await anext(stream) == ["Once"]
    second = asyncio.ensure_future(anext(stream))  # the reader waits for the next chunk, as the gateway does
    await asyncio.sleep(0.6)  # longer than the interval, no chunk in between
    gate.set()
    opened = time.perf_counter()
    assert await second == [" upon"]
    assert time.perf_counter() - opened < 0.2, "the chunk did not wait for a batching tick"
    end.set()
    assert [b async for b in stream] == []


async def test_at_most_one_batch_per_interval_after_the_opening_ones():
    stream = first_then_batched(tokens(30, 0.01), interval_ms=100)
    sent = []
    async for batch in stream:
        sent.append((time.perf_counter(), batch))
    assert [x for _, batch in sent for x in batch] == list(range(30))
    paced = sent[UNPACED_BATCHES - 1 : -1]  # the engine's end ends a wait
    gaps = [b - a for (a, _), (b, _) in zip(paced, paced[1:], strict=False)]
    assert len(sent) < 30 and gaps and all(gap >= 0.09 for gap in gaps), "later batches are an interval apart"


async def test_the_opening_chunks_are_not_paced_and_later_ones_travel_together():
    """The first few chunks leave one by one as the engine makes them (the output guard releases
    the opening words on the next token); after them, chunks made within one interval cross the
    hop to the gateway as one message (a token every 30 ms, a 100 ms interval: ~3 per message)."""
    started = time.perf_counter()
    arrivals = []
    async for batch in first_then_batched(tokens(40, 0.03), interval_ms=100):
        arrivals.append((time.perf_counter() - started, batch))
    assert [x for _, batch in arrivals for x in batch] == list(range(40)), "every chunk, in order, none twice"
    opening = arrivals[:UNPACED_BATCHES]
    assert [batch for _, batch in opening] == [[i] for i in range(UNPACED_BATCHES)]
    for i, (at, _) in enumerate(opening):
        assert at < 0.03 * (i + 1) + 0.025, f"opening chunk {i} waited for a batching interval"
    later = arrivals[UNPACED_BATCHES:]
    assert len(later) <= (40 - UNPACED_BATCHES) / 2, "later chunks travel several to a message"


def test_the_engine_config_carries_the_stream_interval():
    from types import SimpleNamespace

    from services.common.models import ModelSpec
    from services.engine.config import EngineSettings
    from services.engine.llm_configs import build_llm_config
    from services.engine.server import EngineServer

    spec = ModelSpec(name="chat", source="/models/chat")
    default = build_llm_config(spec, EngineSettings(device="cpu"))
    assert default.experimental_configs["stream_batching_interval_ms"] == 50.0  # Ray Serve LLM's own default
    config = build_llm_config(spec, EngineSettings(device="cpu", stream_interval_ms=75))
    # what EngineServer's batching reads (services/common/ray_adapter.py override_output_batching)
    assert EngineServer._get_batch_interval_ms(SimpleNamespace(_llm_config=config)) == 75
