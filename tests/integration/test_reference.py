"""Greedy chat output through the whole stack equals Hugging Face transformers' greedy output
for the same model folder, chat template and dtype (float32)."""

import pytest

from tests.integration.conftest import CHAT_MODEL, ROOT

pytestmark = [pytest.mark.integration, pytest.mark.ray]

PROMPTS = [
    "What is the capital of France?",
    "Name three primary colors.",
    "Explain in one sentence what a CPU does.",
]
MAX_TOKENS = 24


@pytest.fixture(scope="module")
def reference():
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = ROOT / "var" / "models" / CHAT_MODEL
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()

    def generate(prompt: str) -> str:
        ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        with torch.no_grad():
            out = model.generate(**ids, max_new_tokens=MAX_TOKENS, do_sample=False)
        return tokenizer.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)

    return generate


@pytest.mark.parametrize("prompt", PROMPTS)
def test_greedy_output_matches_transformers(stack, reference, prompt):
    served = stack.client().chat.completions.create(
        model=CHAT_MODEL, messages=[{"role": "user", "content": prompt}], temperature=0, max_tokens=MAX_TOKENS
    )
    assert served.choices[0].message.content == reference(prompt)
