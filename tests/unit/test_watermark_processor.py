"""The vLLM logits processor on a real (small) logits batch: only requests that ask are marked."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("vllm")

# imported after the skips above: these need torch and vllm
from vllm import SamplingParams  # noqa: E402
from vllm.v1.sample.logits_processor import BatchUpdate  # noqa: E402

from services.engine.watermark_processor import WatermarkLogitsProcessor  # noqa: E402
from services.safety.watermark import green_mask  # noqa: E402

VOCAB = 1000


def test_only_watermarked_requests_get_the_green_bias():
    proc = WatermarkLogitsProcessor(None, torch.device("cpu"), False)
    marked = SamplingParams(
        extra_args={"watermark": 1, "watermark_gamma": 0.25, "watermark_delta": 2.0, "watermark_key": 42}
    )
    outputs: list[int] = [7]
    proc.update_state(
        BatchUpdate(
            batch_size=2, removed=[], added=[(0, SamplingParams(), [1, 2], []), (1, marked, [1, 2], outputs)], moved=[]
        )
    )
    logits = proc.apply(torch.zeros(2, VOCAB))
    assert torch.all(logits[0] == 0)
    expected = torch.from_numpy(green_mask(7, VOCAB, 0.25, 42)).float() * 2.0  # previous token = last output token
    assert torch.equal(logits[1], expected)
    outputs.append(9)  # the engine appends in place; the next step keys on the new token
    assert torch.equal(
        proc.apply(torch.zeros(2, VOCAB))[1], torch.from_numpy(green_mask(9, VOCAB, 0.25, 42)).float() * 2.0
    )
    proc.update_state(BatchUpdate(batch_size=1, removed=[1], added=[], moved=[]))
    assert torch.all(proc.apply(torch.zeros(2, VOCAB)) == 0)


def test_bad_watermark_arguments_are_rejected():
    with pytest.raises(ValueError, match="watermark_gamma"):
        WatermarkLogitsProcessor.validate_params(SamplingParams(extra_args={"watermark": 1, "watermark_gamma": 1.5}))
