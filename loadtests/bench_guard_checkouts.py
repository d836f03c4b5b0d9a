"""The input guard on two checkouts of this repository side by side: the same verdicts, and how fast.

For a change meant to make the guard faster and change nothing else: this checkout and
``--baseline`` (another worktree, e.g. main's) each run in a worker process of their own, importing
their own ``services.safety``, with the safety service as ``bench_pii`` builds it
(``config/safety.yaml``'s default policy, ``var/classifiers``, phone regions US,GB), both pinned
to one core (``--core``).

- Verdicts: each worker checks every text of the development sets (the PII tagger's ``TRAIN_SETS``:
  ``dev`` to ``heldout44`` of ``loadtests/data/pii``) and 50 cuts of ``--chars`` characters of
  each (``bench_pii``'s ``texts_of``) with ``SafetyService.check`` (verdict without its timings),
  and runs the PII detector at threshold 0 over the policy's types and the phone look-alikes
  (every entity at full precision, scores unrounded). The two must be identical.
- Latency: ``--rounds`` rounds of ``--calls`` input guard checks on the ``--set`` cuts (the texts
  ``bench_pii`` times), the workers taking turns (A B, then B A), each call timed in its worker:
  p50 / p99 per checkout over the same texts and the same stretch of time, and the p50 of each text's
  fastest call over the rounds (``text_minima_p50_ms``): a busy stretch slows some calls, seldom all of
  one text's, so it moves less between runs than the p50 of all calls.

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.bench_guard_checkouts \\
        --baseline /work/main [--set heldout5] [--rounds 10] [--calls 30]

``--set`` takes development sets only (``DEV_SETS``).
Progress on stderr; the last stdout line is one JSON object (also appended to ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PHONE_REGIONS = ["US", "GB"]


# ---------------------------------------------------------------- worker (runs in either checkout)


def _worker() -> None:
    """Answer the driver's requests (one JSON line each on stdin) with one JSON line each; imports
    only the standard library and the checkout's own ``services`` (``PYTHONPATH``)."""
    import time

    replies = os.fdopen(os.dup(1), "w")
    sys.stdout = sys.stderr  # whatever a library prints stays off the reply channel
    os.sched_setaffinity(0, {int(os.environ["BENCH_CORE"])})
    root = Path.cwd()

    import services.safety
    from services.safety.config import SafetySettings
    from services.safety.pii import PHONE_LOOKALIKES
    from services.safety.policy import PolicySet
    from services.safety.service import SafetyService

    policy = PolicySet.from_file(root / "config" / "safety.yaml").resolve(None, None)
    service = SafetyService.from_settings(
        SafetySettings(models_dir=root / "var" / "classifiers", phone_regions=PHONE_REGIONS)
    )
    every_type = sorted({*policy.pii.entities, *PHONE_LOOKALIKES})
    texts: list[str] = []

    def verdict(text: str) -> dict[str, Any]:
        out = service.check([text], "input", policy)
        out.pop("timings")
        found = service.pii.detect(text, every_type, threshold=0.0)
        out["all_entities"] = [[e.type, e.start, e.end, e.score] for e in found]
        return out

    def answer(request: dict[str, Any]) -> Any:
        nonlocal texts
        if request["op"] == "where":
            return str(Path(services.safety.__file__).resolve())
        if request["op"] == "verdicts":
            return [verdict(t) for t in request["texts"]]
        if request["op"] == "texts":
            texts = request["texts"]
            for text in texts[:5]:  # warm-up
                service.check([text], "input", policy)
            return len(texts)
        if request["op"] == "time":
            samples = []
            for i in range(request["start"], request["start"] + request["calls"]):
                started = time.perf_counter()
                service.check([texts[i % len(texts)]], "input", policy)
                samples.append(time.perf_counter() - started)
            return samples
        raise ValueError(f"unknown op {request['op']!r}")

    for line in sys.stdin:
        replies.write(json.dumps({"ok": answer(json.loads(line))}) + "\n")
        replies.flush()


# ---------------------------------------------------------------- driver


def text_minima(samples: list[float], texts: int) -> list[float]:
    """Each timed text's fastest call, in text order: call ``i`` timed text ``i % texts``."""
    best: dict[int, float] = {}
    for i, sample in enumerate(samples):
        best[i % texts] = min(sample, best.get(i % texts, sample))
    return [best[k] for k in sorted(best)]


class Worker:
    def __init__(self, checkout: Path, core: int):
        env = {**os.environ, "PYTHONPATH": str(checkout), "BENCH_CORE": str(core), "OMP_NUM_THREADS": "1"}
        self.checkout = checkout
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            cwd=checkout,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, op: str, **fields: Any) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker for {self.checkout} ended (exit {self.process.wait()})")
        return json.loads(line)["ok"]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def commit_of(checkout: Path) -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True).stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short", "HEAD") + (" (uncommitted changes)" if changed else "")


def main() -> None:
    if sys.argv[1:] == ["--worker"]:
        _worker()
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from loadtests._common import REPO, RunStamp, emit, log, machine, ms, pct
    from loadtests.bench_pii import load, texts_of
    from pipelines.classifiers.pii_tagger import TRAIN_SETS as DEV_SETS  # the development sets

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, required=True, help="The other checkout (a worktree of this repo).")
    parser.add_argument("--set", default="heldout5", choices=DEV_SETS, help="Development set whose cuts are timed.")
    parser.add_argument("--chars", type=int, default=1000, help="Length of the timed texts.")
    parser.add_argument("--rounds", type=int, default=10, help="Turns per checkout.")
    parser.add_argument("--calls", type=int, default=30, help="Timed checks per turn.")
    parser.add_argument("--core", type=int, default=0, help="The one core both workers run on.")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "results" / "bench_guard_checkouts.jsonl")
    args = parser.parse_args()
    stamp = RunStamp()

    checkouts = {"this": REPO, "baseline": args.baseline.resolve()}
    workers = {name: Worker(path, args.core) for name, path in checkouts.items()}
    try:
        where = {name: w.ask("where") for name, w in workers.items()}
        for name, path in checkouts.items():
            if not where[name].startswith(str(path) + os.sep):
                raise RuntimeError(f"the {name} worker imported {where[name]}, not {path}'s services")
        corpus = [(f"{s}:{row['id']}", row["text"]) for s in DEV_SETS for row in load(s)]
        corpus += [(f"{s}:cut{i}", t) for s in DEV_SETS for i, t in enumerate(texts_of(load(s), args.chars, 50))]
        log(f"verdicts on {len(corpus)} texts, per checkout")
        verdicts = {name: w.ask("verdicts", texts=[t for _, t in corpus]) for name, w in workers.items()}
        differ = [key for (key, _), a, b in zip(corpus, verdicts["this"], verdicts["baseline"], strict=True) if a != b]
        found = sum(bool(v["all_entities"]) for v in verdicts["baseline"])

        timed = texts_of(load(args.set), args.chars, 50)
        for w in workers.values():
            w.ask("texts", texts=timed)
        samples: dict[str, list[float]] = {name: [] for name in workers}
        for r in range(args.rounds):
            order = ["this", "baseline"] if r % 2 == 0 else ["baseline", "this"]
            for name in order:
                samples[name] += workers[name].ask("time", start=r * args.calls, calls=args.calls)
            log(f"round {r + 1}/{args.rounds}")
    finally:
        for w in workers.values():
            w.close()

    result = {
        name: {
            "checkout": str(path),
            "commit": commit_of(path),
            "p50_ms": ms(pct(samples[name], 50)),
            "p99_ms": ms(pct(samples[name], 99)),
            "text_minima_p50_ms": ms(pct(text_minima(samples[name], len(timed)), 50)),
            "runs": len(samples[name]),
        }
        for name, path in checkouts.items()
    }
    emit(
        {
            "bench": "guard_checkouts",
            **stamp.fields(),
            "machine": {**machine(), "pinned_core": args.core},
            "set": args.set,
            "chars": args.chars,
            "input_guard": result,
            "change_ms": {
                q: round(result["this"][f"{q}_ms"] - result["baseline"][f"{q}_ms"], 2)
                for q in ("p50", "p99", "text_minima_p50")
            },
            "verdicts": {
                "texts": len(corpus),
                "texts_with_entities": found,
                "identical": not differ,
                "differ": differ[:20],
            },
        },
        args.out,
    )


if __name__ == "__main__":
    main()
