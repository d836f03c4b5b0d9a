"""Latency of the full input guard (injection classifier + heuristics + toxicity classifier +
PII redaction, as ``SafetyService.check`` runs them) on 200-, 1,000- and 4,000-character prompts,
pinned to one core.

The same guard with the PII prefilter off (``services/safety/prefilter.py``: Presidio asked for
every entity type on every text) is timed in the same run, interleaved size by size.

Compared in the same run with a peer that runs here: Presidio as its defaults set it up
(``AnalyzerEngine`` over the full spaCy pipeline and every recognizer, then ``AnonymizerEngine``),
which is the PII part alone. LLM Guard cannot run here (its scanners download hub models at
start and there is no network), so its published figures are printed as such, labelled
"published", never mixed with measurements.

    .venv/bin/python loadtests/bench_safety.py [--core 0] [--runs 300]

Progress on stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests._common import REPO, emit, log, machine, ms, pct, ratio

PROSE = (
    "Hello, I am writing about the quarterly planning document that the team shared last week. "
    "Could you summarise the main risks in the delivery schedule and suggest two ways to reduce them? "
    "The budget section mentions a twelve percent increase in cloud costs, which seems high given the "
    "lower traffic forecast. Please also check whether the hiring plan matches the roadmap, and reply "
    "to {email} or call {phone} if anything is unclear. "
)
# Published by LLM Guard for its scanners on an AWS m5.xlarge CPU (not measured here).
LLM_GUARD_PUBLISHED_MS = {"Anonymize": 177, "PromptInjection": 213, "Toxicity": 86}


def prompt(chars: int) -> str:
    text = ""
    i = 0
    while len(text) < chars:
        text += PROSE.format(email=f"user{i}@example.com", phone=f"212-555-01{i % 100:02d}")
        i += 1
    return text[:chars]


def timed(fn, text: str, runs: int) -> list[float]:
    for _ in range(5):
        fn(text)
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn(text)
        out.append(time.perf_counter() - started)
    return out


def summary(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": ms(pct(samples, 50)), "p99_ms": ms(pct(samples, 99)), "mean_ms": ms(sum(samples) / len(samples))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--core", type=int, default=0, help="CPU core to pin to (one core).")
    parser.add_argument("--runs", type=int, default=300, help="Timed checks per prompt size.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 4000])
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "results" / "bench_safety.jsonl")
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.core})
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    from services.safety.config import SafetySettings
    from services.safety.policy import PolicySet
    from services.safety.service import SafetyService

    settings = SafetySettings(models_dir=REPO / "var" / "classifiers")
    policies = PolicySet.from_file(REPO / "config" / "safety.yaml")
    shipped = policies.resolve(None, None)
    with_names = shipped.model_copy(
        update={"pii": shipped.pii.model_copy(update={"entities": [*shipped.pii.entities, "PERSON", "LOCATION"]})}
    )
    log("loading the safety service")
    service = SafetyService.from_settings(settings)

    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    log("loading the Presidio defaults peer")
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": settings.spacy_model}],
        }
    )
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    anonymizer = AnonymizerEngine()

    def presidio_defaults(text: str) -> None:
        anonymizer.anonymize(text, analyzer.analyze(text, language="en"))

    results = {}
    for size in args.sizes:
        text = prompt(size)
        log(f"{size} chars")
        ours = summary(timed(lambda t: service.check([t], "input", shipped), text, args.runs))
        prefilter, service.pii.prefilter = service.pii.prefilter, None  # every PII type on every text
        no_prefilter = summary(timed(lambda t: service.check([t], "input", shipped), text, args.runs))
        service.pii.prefilter = prefilter
        ours_ner = summary(timed(lambda t: service.check([t], "input", with_names), text, max(30, args.runs // 5)))
        peer = summary(timed(presidio_defaults, text, max(30, args.runs // 5)))
        assert "@example.com" not in service.check([text], "input", shipped)["texts"][0]  # it really redacts
        results[str(size)] = {
            "llmops_input_guard": ours,
            "llmops_input_guard_no_pii_prefilter": no_prefilter,
            "llmops_input_guard_with_person_location": ours_ner,
            "presidio_defaults_pii_only": peer,
            "ratio_p50_presidio_defaults_over_llmops": ratio(peer["p50_ms"], ours["p50_ms"], 1),
        }
    target = results.get("1000", {}).get("llmops_input_guard", {})
    emit(
        {
            "bench": "safety_input_guard",
            "machine": {**machine(), "pinned_core": args.core},
            "policy": "config/safety.yaml default (pattern PII entities, injection, toxicity)",
            "results": results,
            "target_1000_chars": {
                "p50_ms_max": 15,
                "p99_ms_max": 40,
                "met": bool(target) and target["p50_ms"] <= 15 and target["p99_ms"] <= 40,
            },
            "llm_guard_published_not_measured_ms": {
                **LLM_GUARD_PUBLISHED_MS,
                "sum": sum(LLM_GUARD_PUBLISHED_MS.values()),
                "hardware": "AWS m5.xlarge (published)",
            },
        },
        args.out,
    )


if __name__ == "__main__":
    main()
