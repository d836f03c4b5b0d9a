"""A quantized (ONNX Runtime GenAI) version seen through the slice of a transformers causal LM
that ``pipelines.evaluate`` uses, so the same figures are computed the same way for both:

- ``model(input_ids=..., attention_mask=...).logits``: one ONNX Runtime session over the exported
  graph, run per row with an empty KV cache (scores for every position: perplexity, PubMedQA);
- ``model.generate(ids, max_new_tokens=..., min_new_tokens=...)``: greedy decoding by
  onnxruntime-genai's own loop with its KV cache (what the engine serves: tokens/s);
- ``model.parameters()`` / ``model.eval()``: the device (CPU) and a no-op.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any


class OrtCausalLM:
    def __init__(self, folder: Path, threads: int | None = None):
        import onnxruntime as ort
        import onnxruntime_genai as og

        self.folder = Path(folder)
        genai = json.loads((self.folder / "genai_config.json").read_text())["model"]
        decoder = genai["decoder"]
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            str(self.folder / decoder["filename"]), options, providers=["CPUExecutionProvider"]
        )
        self._past = [i for i in self.session.get_inputs() if i.name.startswith("past_key_values.")]
        self._kv_shape = (decoder["num_key_value_heads"], decoder["head_size"])
        self.generator_model = og.Model(str(self.folder))

    def eval(self) -> OrtCausalLM:
        return self

    def parameters(self) -> Iterator[Any]:
        import torch

        yield torch.zeros(0)  # logits come back as CPU tensors

    def _row_logits(self, ids: Any) -> Any:
        import numpy as np

        ids = np.asarray(ids, dtype=np.int64)[None, :]
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        empty = np.zeros((1, *self._kv_shape[:1], 0, self._kv_shape[1]), dtype=np.float32)
        feeds.update({i.name: empty for i in self._past})
        return self.session.run(["logits"], feeds)[0][0]

    def __call__(self, input_ids: Any, attention_mask: Any = None) -> SimpleNamespace:
        """Logits [batch, width, vocab]; padded positions (mask 0) get zeros."""
        import numpy as np
        import torch

        ids = input_ids.numpy()
        mask = attention_mask.numpy() if attention_mask is not None else np.ones_like(ids)
        rows = []
        for row, row_mask in zip(ids, mask, strict=True):
            n = int(row_mask.sum())
            logits = self._row_logits(row[:n])
            padded = np.zeros((ids.shape[1], logits.shape[-1]), dtype=np.float32)
            padded[:n] = logits
            rows.append(padded)
        return SimpleNamespace(logits=torch.from_numpy(np.stack(rows)))

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
