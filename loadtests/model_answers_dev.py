"""Answers of the embedded model to the Locust and benchmark prompts: benign text as the output guard
sees it, for choosing the safety classifiers' short-text rule (dev data only).

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.model_answers_dev [--max-tokens 64] [--pubmedqa 24]

Writes ``loadtests/data/model_answers_dev.jsonl`` (one ``{"prompt", "answer", "source"}`` per line, a
first line with the provenance: model folder and weights hash, dtype, library versions, settings) and
prints one JSON line (appended to ``loadtests/records/model_answers_dev.jsonl``). The answers come from
transformers in float32 on the served checkpoint (``var/models/smollm2-135m-instruct``): the same weights
and dtype the vLLM engine serves, no vLLM start, a few minutes of CPU. Greedy answers to every prompt, and
``--samples`` sampled ones (temperature 1, as Locust's requests, which set none, get them) per Locust
short prompt.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtests._common import RunStamp, emit  # noqa: E402
from loadtests.bench_engine import PROMPTS as BENCH_PROMPTS  # noqa: E402

OUT = ROOT / "loadtests" / "data" / "model_answers_dev.jsonl"
MODEL = ROOT / "var" / "models" / "smollm2-135m-instruct"


def locust_short_prompts() -> list[str]:
    """``SHORT_PROMPTS`` of the locustfile, read without importing locust (it monkey-patches with gevent)."""
    tree = ast.parse((ROOT / "loadtests" / "locustfile.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "SHORT_PROMPTS" for t in node.targets):
            return ast.literal_eval(node.value)
    raise LookupError("SHORT_PROMPTS not found in loadtests/locustfile.py")


def prompts(pubmedqa: Path, count: int) -> list[tuple[str, str]]:
    out = [(p, "locust/short") for p in locust_short_prompts()] + [(p, "bench_engine") for p in BENCH_PROMPTS]
    data = json.loads(pubmedqa.read_text())
    out += [(row["QUESTION"], "pubmedqa/question") for row in list(data.values())[:count]]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--pubmedqa", type=int, default=24, help="how many PubMedQA questions (the first ones)")
    p.add_argument("--samples", type=int, default=5, help="sampled answers (temperature 1) per Locust short prompt")
    p.add_argument("--sample-tokens", type=int, default=32, help="their max tokens (Locust's default)")
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "pubmedqa" / "ori_pqal.json")
    args = p.parse_args()
    if not (MODEL / "model.safetensors").exists():
        sys.exit(f"{MODEL} not found: run `make models` first")
    import torch
    import transformers

    torch.set_num_threads(1)
    stamp = RunStamp()
    tokenizer = transformers.AutoTokenizer.from_pretrained(MODEL)
    model = transformers.AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32).eval()
    rows = []

    def generate(prompt: str, source: str, tokens: int, seed: int | None) -> None:
        ids = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        sampling = {"do_sample": False} if seed is None else {"do_sample": True, "temperature": 1.0, "top_p": 1.0}
        if seed is not None:
            torch.manual_seed(seed)
        with torch.no_grad():
            out = model.generate(**ids, max_new_tokens=tokens, **sampling)
        answer = tokenizer.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)
        rows.append(
            {"prompt": prompt, "answer": answer, "source": source, **({"seed": seed} if seed is not None else {})}
        )
        print(f"{len(rows)}: {answer[:60]!r}", file=sys.stderr, flush=True)

    for prompt, source in prompts(args.data, args.pubmedqa):
        generate(prompt, source, args.max_tokens, None)
    # what Locust's users get: its requests set no temperature, so the engine samples at 1.0
    for seed in range(args.samples):
        for prompt in locust_short_prompts():
            generate(prompt, "locust/short sampled", args.sample_tokens, seed)
    manifest = json.loads((MODEL / "llmops-manifest.json").read_text())
    provenance = {
        "provenance": {
            "model": "var/models/smollm2-135m-instruct",
            "weights_sha256": manifest["files"]["model.safetensors"],
            "dtype": "float32",
            "decoding": "greedy; 'locust/short sampled' rows: temperature 1.0, top_p 1.0, torch seed per row",
            "max_new_tokens": args.max_tokens,
            "sampled_max_new_tokens": args.sample_tokens,
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "made_by": "loadtests/model_answers_dev.py",
            "at": stamp.fields()["at"],
            "use": "dev data for the classifiers' short-text rule; never a held-out set",
        }
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [provenance, *rows]))
    emit(
        {
            "answers": len(rows),
            "words_mean": round(sum(len(r["answer"].split()) for r in rows) / len(rows), 1),
            "out": str(OUT.relative_to(ROOT)),
            **provenance["provenance"],
            **stamp.fields(),
        },
        ROOT / "loadtests" / "records" / "model_answers_dev.jsonl",
    )


if __name__ == "__main__":
    main()
