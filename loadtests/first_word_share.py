"""How many of the embedded model's answers the streamed output guard sends the first word of at once:
answers whose first token is a listed opener (``services/gateway/stream_guard.py``, ``FIRST_WORDS``).

    .venv/bin/python -m loadtests.first_word_share

Reads ``loadtests/data/model_answers_dev.jsonl`` (the model's answers to the Locust and benchmark
prompts, ``loadtests/model_answers_dev.py``), splits each answer with the served checkpoint's
tokenizer and asks ``first_word_ready`` of its first token. Prints one JSON line (appended to
``loadtests/records/first_word_share.jsonl``): per prompt source, the answers and how many start with
a listed word, and the first tokens counted (tokens, never whole answers). A tokenizer's split of the
finished text may differ from the tokens the engine generated; for these answers it is the same at
the first token wherever the two were compared (``bench_engine``'s 8 prompts, greedy).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from loadtests._common import REPO, RunStamp, emit, machine
from services.gateway.stream_guard import first_word_ready

ANSWERS = REPO / "loadtests" / "data" / "model_answers_dev.jsonl"
MODEL = REPO / "var" / "models" / "smollm2-135m-instruct"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--answers", type=Path, default=ANSWERS)
    p.add_argument("--model-dir", type=Path, default=MODEL)
    p.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "first_word_share.jsonl")
    args = p.parse_args()
    stamp = RunStamp()
    if not (args.model_dir / "tokenizer.json").exists():
        raise SystemExit(f"{args.model_dir} has no tokenizer: run `make models` first")
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)
    rows = [json.loads(line) for line in args.answers.read_text().splitlines()]
    by_source: dict[str, dict[str, object]] = {}
    for row in rows:
        if "answer" not in row:  # the provenance line
            continue
        ids = tokenizer(row["answer"], add_special_tokens=False)["input_ids"]
        first = tokenizer.decode(ids[:1])
        entry = by_source.setdefault(row.get("source", "?"), {"answers": 0, "listed": 0, "first_tokens": Counter()})
        entry["answers"] += 1  # type: ignore[operator]
        entry["listed"] += int(first_word_ready(first))  # type: ignore[operator]
        entry["first_tokens"][first] += 1  # type: ignore[index]
    answers = sum(e["answers"] for e in by_source.values())  # type: ignore[misc]
    listed = sum(e["listed"] for e in by_source.values())  # type: ignore[misc]
    for entry in by_source.values():
        entry["first_tokens"] = dict(entry["first_tokens"].most_common())  # type: ignore[attr-defined]
    emit(
        {
            "bench": "first_word_share",
            "machine": machine(),
            "answers_file": str(args.answers.relative_to(REPO) if args.answers.is_relative_to(REPO) else args.answers),
            "by_source": by_source,
            "answers": answers,
            "listed": listed,
            "share": round(listed / answers, 3) if answers else None,
            **stamp.fields(),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
