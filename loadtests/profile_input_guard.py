"""Where the input guard's time goes on 1,000-character texts: ``SafetyService.check`` as
``bench_pii`` times it (``config/safety.yaml``'s default policy, phone regions US,GB, the 50 cuts of
``--set``), each part timed by a wrapper around it, wall clock, pinned to one core.

Parts (milliseconds per check, the median over ``--passes`` passes of the 50 texts; nested parts are
also inside their parent): ``check`` (the whole call); ``heuristics``, ``injection``, ``toxicity``
(the classifiers and the injection heuristics); ``pii`` (``PiiDetector.detect``) and inside it
``prefilter`` (which runs the name gazetteer as its condition), ``tokenizer`` (spaCy's tokenizer and
Presidio's ``NlpArtifacts``), ``presidio`` (``AnalyzerEngine.analyze``) and inside that each
recogniser (``recognizer:NAME``; the name gazetteer counted wherever it runs) and
``context_enhancement``; the learned PII tagger wherever it runs (the prefilter asks it first):
``tagger`` (``PiiTagger.tag``) and inside it ``tagger:features`` (``features()``) and
``tagger:crfsuite`` (the rest: CRFsuite's tagging and marginals, spans from tags), and
``tagger:tokens_of`` (spaCy tokens to the tagger's, outside ``tagger``); ``pii_rest`` and
``check_rest`` what their parent spends outside the parts named. The wrappers add a few
microseconds per call; ``bench_pii`` and ``bench_guard_checkouts`` give the unwrapped latency.

    flock /tmp/llmops-heavy.lock taskset -c 0 .venv/bin/python -m loadtests.profile_input_guard \\
        [--set heldout5] [--passes 7] [--fresh]

The warm-up checks the 50 texts once, so every timed pass reads text checked before (as
``bench_pii`` times it): what a cache keeps, it keeps for all of them. ``--fresh`` warms up on
every text of the other development sets instead, so the first timed pass reads text never checked
before (``first_pass_ms_per_check``; the median is then over the passes after it).

``--set`` takes the development sets of ``SETS`` (the ones ``--fresh`` warms up on). Last stdout line: one JSON
object, appended to ``--out``.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from loadtests._common import REPO, RunStamp, emit, log, machine
from loadtests.bench_pii import load, texts_of

SETS = ("heldout5", "heldout8", "heldout7", "heldout6", "heldout4", "heldout3", "heldout2", "heldout", "dev")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", default="heldout5", choices=SETS, help="Development set whose cuts are checked.")
    parser.add_argument("--chars", type=int, default=1000, help="Length of the texts.")
    parser.add_argument("--passes", type=int, default=7, help="Timed passes over the 50 texts.")
    parser.add_argument("--core", type=int, default=0, help="The core to pin to.")
    parser.add_argument("--fresh", action="store_true", help="Warm up on the other sets: see above.")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "results" / "profile_input_guard.jsonl")
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.core})
    stamp = RunStamp()

    import services.safety
    from services.safety import heuristics
    from services.safety.config import SafetySettings
    from services.safety.policy import PolicySet
    from services.safety.recognizers import NameRecognizer
    from services.safety.service import SafetyService

    spent: dict[str, float] = collections.defaultdict(float)

    def timed(fn: Any, part: str) -> Any:
        def wrapper(*a: Any, **kw: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[part] += time.perf_counter() - started

        return wrapper

    # the gazetteer at class level, before any detector holds its method: counted wherever it runs
    NameRecognizer.analyze = timed(NameRecognizer.analyze, "recognizer:NameRecognizer")
    policy = PolicySet.from_file(REPO / "config" / "safety.yaml").resolve(None, None)
    service = SafetyService.from_settings(
        SafetySettings(models_dir=REPO / "var" / "classifiers", phone_regions=["US", "GB"])
    )
    pii = service.pii
    for recognizer in pii.analyzer.registry.recognizers:
        if not isinstance(recognizer, NameRecognizer):
            recognizer.analyze = timed(recognizer.analyze, f"recognizer:{recognizer.name}")
    pii.analyzer._enhance_using_context = timed(pii.analyzer._enhance_using_context, "context_enhancement")
    pii.analyzer.analyze = timed(pii.analyzer.analyze, "presidio")
    pii._tokens_only = timed(pii._tokens_only, "tokenizer")
    if pii.prefilter is not None:
        pii.prefilter.wanted = timed(pii.prefilter.wanted, "prefilter")
    pii.detect = timed(pii.detect, "pii")
    if pii.tagger is not None:
        from services.safety import tagger as tagger_module

        pii.tagger.tag = timed(pii.tagger.tag, "tagger")
        tagger_module.features = timed(tagger_module.features, "tagger:features")
        tagger_module.tokens_of = timed(tagger_module.tokens_of, "tagger:tokens_of")
    heuristics.scan = timed(heuristics.scan, "heuristics")
    service.injection.scores = timed(service.injection.scores, "injection")
    service.toxicity.score = timed(service.toxicity.score, "toxicity")
    check = timed(service.check, "check")

    texts = texts_of(load(args.set), args.chars, 50)
    warm = [row["text"] for s in SETS if s != args.set for row in load(s)] if args.fresh else texts
    for text in warm:  # warm-up
        check([text], "input", policy)
    passes: list[dict[str, float]] = []
    for i in range(args.passes):
        spent.clear()
        for text in texts:
            check([text], "input", policy)
        totals = {part: seconds / len(texts) * 1000 for part, seconds in spent.items()}
        totals["pii_rest"] = totals["pii"] - sum(totals.get(p, 0) for p in ("prefilter", "tokenizer", "presidio"))
        if "tagger" in totals:
            totals["tagger:crfsuite"] = totals["tagger"] - totals.get("tagger:features", 0)
        totals["check_rest"] = totals["check"] - sum(
            totals.get(p, 0) for p in ("heuristics", "injection", "toxicity", "pii")
        )
        passes.append(totals)
        log(f"pass {i + 1}/{args.passes}: check {totals['check']:.2f} ms")
    first = {part: round(ms, 3) for part, ms in passes[0].items()}
    if args.fresh:
        passes = passes[1:] or passes
    parts = {part: round(statistics.median(p.get(part, 0.0) for p in passes), 3) for part in passes[0]}
    emit(
        {
            "bench": "profile_input_guard",
            **stamp.fields(),
            "machine": {**machine(), "pinned_core": args.core},
            "services": str(Path(services.safety.__file__).resolve().parents[1]),
            "set": args.set,
            "chars": args.chars,
            "texts": len(texts),
            "passes": args.passes,
            "ms_per_check": dict(sorted(parts.items(), key=lambda kv: -kv[1])),
            **(
                {"fresh": True, "first_pass_ms_per_check": dict(sorted(first.items(), key=lambda kv: -kv[1]))}
                if args.fresh
                else {}
            ),
        },
        args.out,
    )


if __name__ == "__main__":
    sys.exit(main())
