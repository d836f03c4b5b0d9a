"""A quantized version served behind the real gateway on Ray Serve: the int4 build of the
embedded model on the ONNX Runtime engine (``backend: onnx``, its own deployment), no vLLM."""

from __future__ import annotations

import os
from pathlib import Path

import openai
import pytest

from services.cli.local_stack import LocalStack
from tests.quantized_fixtures import ANSWER, QUESTION

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "var/models/smollm2-135m-instruct"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.ray,
    pytest.mark.timeout(1200),
    pytest.mark.skipif(not (MODEL / "config.json").is_file(), reason="needs the embedded model"),
]


def test_int4_model_answers_through_the_gateway(tmp_path: Path, int4_version) -> None:
    folder = int4_version.info.local_path()  # the session's int4 build (tests/quantized_fixtures.py)
    models = tmp_path / "models.yaml"
    models.write_text(f"models:\n  - name: smollm2-int4\n    backend: onnx\n    source: {folder}\n    num_cpus: 0.5\n")
    env = {
        "LLMOPS_GATEWAY_KEYS_DB": str(tmp_path / "keys.db"),
        "LLMOPS_SAFETY_ENABLED": "false",
        "LLMOPS_RAG_ENABLED": "false",
        "LLMOPS_GATEWAY_LEDGER_DB": str(tmp_path / "ledger.db"),
    }
    timeout = float(os.environ.get("LLMOPS_TEST_STARTUP_TIMEOUT_S", "900"))
    with LocalStack(tmp_path, env=env, args=["--models", str(models), "--no-auth"], startup_timeout_s=timeout) as stack:
        client = openai.OpenAI(base_url=stack.url + "/v1", api_key="unused", max_retries=0)
        question = [{"role": "user", "content": QUESTION}]
        answer = client.chat.completions.create(model="smollm2-int4", messages=question, max_tokens=12, temperature=0)
        used, finish = answer.usage.completion_tokens, answer.choices[0].finish_reason
        assert ANSWER in answer.choices[0].message.content  # 12 tokens, or fewer ended by <|im_end|>
        assert (used, finish) == (12, "length") or (0 < used < 12 and finish == "stop"), (used, finish)
        chunks = list(
            client.chat.completions.create(
                model="smollm2-int4",
                messages=question,
                max_tokens=12,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert ANSWER in text and chunks[-1].usage.completion_tokens == used  # greedy: the same answer
        with pytest.raises(openai.BadRequestError):
            client.chat.completions.create(model="smollm2-int4", messages=question, n=2)
