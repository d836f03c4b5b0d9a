"""A quantized (ONNX Runtime GenAI) version seen through the slice of a transformers causal LM
that ``pipelines.evaluate`` uses, so the same figures are computed the same way for both:

- ``model(input_ids=..., attention_mask=...).logits``: each row's prompt appended to a fresh
  onnxruntime-genai generator, whose prefill returns scores for every position (perplexity, PubMedQA);
  a build whose LM head reads the last position only (``pipelines/last_logits.py``) is scored
  through its all-positions view, made in a temporary folder on the first call;
- ``model.generate(ids, max_new_tokens=..., min_new_tokens=...)``: greedy decoding by
  onnxruntime-genai's own loop with its KV cache (what the engine serves: tokens/s);
- ``model.parameters()`` / ``model.eval()``: the device (CPU) and a no-op.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any


class OrtCausalLM:
    def __init__(self, folder: Path):
        import onnxruntime_genai as og

        self.folder = Path(folder)
        if not (self.folder / "genai_config.json").is_file():
            raise FileNotFoundError(f"{self.folder} has no genai_config.json")
        self.generator_model = og.Model(str(self.folder))
        self._scoring_model: Any = None
        self._scoring_dir: tempfile.TemporaryDirectory | None = None

    def scoring_model(self) -> Any:
        """The model that returns every position's logits: the build's own, or its all-positions view."""
        import onnxruntime_genai as og

        from pipelines.last_logits import all_positions_view

        if self._scoring_model is None:
            workdir = tempfile.TemporaryDirectory(prefix="llmops-ort-scoring-")
            view = all_positions_view(self.folder, Path(workdir.name) / "model")
            if view == self.folder.resolve():
                workdir.cleanup()
                self._scoring_model = self.generator_model
            else:
                self._scoring_dir = workdir  # removed with this object
                self._scoring_model = og.Model(str(view))
        return self._scoring_model

    def eval(self) -> OrtCausalLM:
        return self

    def parameters(self) -> Iterator[Any]:
        import torch

        yield torch.zeros(0)  # logits come back as CPU tensors

    def _row_logits(self, ids: Any) -> Any:
        import onnxruntime_genai as og

        model = self.scoring_model()
        params = og.GeneratorParams(model)
        params.set_search_options(max_length=len(ids) + 1)
        generator = og.Generator(model, params)
        generator.append_tokens([int(t) for t in ids])
        return generator.get_output("logits")[0]

    def __call__(self, input_ids: Any, attention_mask: Any = None) -> SimpleNamespace:
        return padded_logits(self._row_logits, input_ids, attention_mask)

    def generate(self, input_ids: Any, max_new_tokens: int, min_new_tokens: int = 0, **_: Any) -> Any:
        """Greedy continuation of one prompt (batch 1), prompt included, as transformers returns it."""
        import onnxruntime_genai as og
        import torch

        prompt = [int(t) for t in input_ids[0]]
        params = og.GeneratorParams(self.generator_model)
        params.set_search_options(
            max_length=len(prompt) + max_new_tokens, min_length=len(prompt) + min_new_tokens, do_sample=False
        )
        generator = og.Generator(self.generator_model, params)
        generator.append_tokens(prompt)
        out = list(prompt)
        while not generator.is_done():
            generator.generate_next_token()
            out.append(int(generator.get_next_tokens()[0]))
        return torch.tensor([out])


def padded_logits(row_logits: Any, input_ids: Any, attention_mask: Any = None) -> SimpleNamespace:
    """A transformers-style forward result from a per-row scorer: logits [batch, width, vocab],
    ``row_logits(ids)`` for each row's unpadded ids, padded positions (mask 0) zero."""
    import numpy as np
    import torch

    ids = input_ids.numpy()
    mask = attention_mask.numpy() if attention_mask is not None else np.ones_like(ids)
    rows = []
    for row, row_mask in zip(ids, mask, strict=True):
        n = int(row_mask.sum())
        logits = row_logits(row[:n])
        padded = np.zeros((ids.shape[1], logits.shape[-1]), dtype=np.float32)
        padded[:n] = logits
        rows.append(padded)
    return SimpleNamespace(logits=torch.from_numpy(np.stack(rows)))
