"""PII recognition quality and speed on a hand-labelled set (``loadtests/data/pii``): ``heldout5``
(the default: written in session 16 by an author who never read the rules, scored once at the end of
session 16 after its second round of rules, no rule written on it; development data from session 17
on), ``heldout4`` (written in session 15, scored once in session 16 after that session's first round
of rules; development data since its second round), ``heldout3`` (held out in session 15, development
data since session 16), ``heldout2`` (held out in session 14, development data since
session 15), ``heldout`` (held out until session 14, development data since), ``dev``, ``heldout6``
(written in session 16 by another author who never read the rules; scored once in session 17,
development data since), ``heldout7`` (written in session 17 by another author who never read the
rules; scored once at the end of session 18's first round, development data since session 18's second
round), ``heldout8`` (written in session 17 by another author who never read the rules; scored once
at the end of session 18's second round, development data since session 19), or ``heldout9`` (written
in session 18 by another author who never read the rules; scored once at the end of session 19).

Two detectors side by side, in one run, on one core:

- ``llmops``: ``PiiDetector`` as shipped (pattern recognisers + the fast PERSON / ADDRESS /
  DATE_OF_BIRTH recognisers of ``services/safety/recognizers.py`` (``addresses.py``,
  ``birth_dates.py``) and, since session 17, the trained tagger of ``services/safety/tagger.py``
  beside them (``var/classifiers``; ``--no-tagger``: the rules alone), no NER model);
- ``spacy_ner``: the same Presidio set-up with spaCy's NER for names (PERSON) and places
  (LOCATION, scored as ADDRESS) and Presidio's DATE_TIME (scored as DATE_OF_BIRTH): what a
  policy got before the fast recognisers.

Scoring, per type: a labelled span counts as found when spans of its type cover at least
``--cover`` (0.8) of its characters (``recall``; ``recall_exact`` asks for the exact span;
``recall_masked`` lets spans of any type cover it, as redaction hides it whatever its label); a
predicted span is correct when it overlaps a labelled span of its type (``precision``). E-mail
addresses at the reserved example domains (``example.com``, ``.org``, ``.net`` and the ``.test``,
``.example``, ``.invalid`` and ``.localhost`` names) are scored on neither side: no one can own
such a mailbox, and the sets disagree on labelling them (``dev`` and held-outs 1, 2, 7, 10 and 12
label them, held-outs 14-16 leave them unlabelled as placeholders). Decoy
false-positive rate: the share of the PII-free decoy texts (ISBNs, versions, part numbers, OIDs,
drugs, eponymous diseases...) in which anything at all is flagged. Latency: ``detect`` on
1,000-character texts cut from the set itself, plus the full input guard (``SafetyService.check``
with ``config/safety.yaml``'s default policy, classifiers included), single-threaded, pinned.

    taskset -c 0 .venv/bin/python loadtests/bench_pii.py [--set heldout5|heldout4|...] [--runs 300]
        [--phone-regions US,GB]

Progress on stderr; the last stdout line is one JSON object (also appended to ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests._common import REPO, emit, log, machine, ms, pct

DATA = REPO / "loadtests" / "data" / "pii"
PATTERN_TYPES = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS"]
NEW = ["PERSON", "ADDRESS", "DATE_OF_BIRTH"]
TYPES = [*NEW, *PATTERN_TYPES]
# What each detector is asked for, and how its types map onto the labelled ones.
DETECTORS = {
    "llmops": ([*PATTERN_TYPES, "PERSON", "ADDRESS", "DATE_OF_BIRTH"], {}),
    "spacy_ner": (
        [*PATTERN_TYPES, "PERSON", "LOCATION", "DATE_TIME"],
        {"LOCATION": "ADDRESS", "DATE_TIME": "DATE_OF_BIRTH"},
    ),
}
# An e-mail address at a domain reserved for examples (RFC 2606, RFC 6761): scored on neither side.
_PLACEHOLDER_EMAIL = re.compile(
    r"@(?:[\w-]+\.)*(?:example\.(?:com|org|net)|[\w-]+\.(?:test|example|invalid|localhost))$", re.IGNORECASE
)


def _scored(span: dict[str, Any], text: str) -> bool:
    value = text[span["start"] : span["end"]].strip()
    return span["type"] != "EMAIL_ADDRESS" or not _PLACEHOLDER_EMAIL.search(value)


def load(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text().splitlines() if line.strip()]


def score(rows: list[dict[str, Any]], predictions: list[list[dict[str, Any]]], cover: float) -> dict[str, Any]:
    """Per-type precision / recall / F1, the decoy false-positive rate and the misses (ids)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    errors: list[dict[str, Any]] = []
    decoys = flagged = 0
    for row, predicted in zip(rows, predictions, strict=True):
        text = row["text"]
        predicted = [p for p in predicted if _scored(p, text)]
        if row["kind"] == "decoy":
            decoys += 1
            flagged += bool(predicted)
        for gold in (g for g in row["spans"] if _scored(g, text)):
            c = counts[gold["type"]]
            c["gold"] += 1
            same = [p for p in predicted if p["type"] == gold["type"]]
            chars = [i for i in range(gold["start"], gold["end"]) if not text[i].isspace()]
            covered = sum(any(p["start"] <= i < p["end"] for p in same) for i in chars)
            if covered >= cover * len(chars):
                c["found"] += 1
            else:
                errors.append({"id": row["id"], "miss": gold["type"]})
            # masked: covered by spans of any type, as redaction would hide it ("<PERSON>" over an address)
            c["masked"] += sum(any(p["start"] <= i < p["end"] for p in predicted) for i in chars) >= cover * len(chars)
            c["exact"] += any(p["start"] == gold["start"] and p["end"] == gold["end"] for p in same)
        for p in predicted:
            c = counts[p["type"]]
            c["predicted"] += 1
            if any(g["type"] == p["type"] and g["start"] < p["end"] and p["start"] < g["end"] for g in row["spans"]):
                c["correct"] += 1
            else:
                errors.append({"id": row["id"], "false": p["type"]})
    per_type = {}
    for kind in TYPES:
        c = counts[kind]
        precision = c["correct"] / c["predicted"] if c["predicted"] else None
        recall = c["found"] / c["gold"] if c["gold"] else None
        f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
        per_type[kind] = {
            "n": c["gold"],
            "predicted": c["predicted"],
            "precision": None if precision is None else round(precision, 3),
            "recall": None if recall is None else round(recall, 3),
            "recall_exact": round(c["exact"] / c["gold"], 3) if c["gold"] else None,
            "recall_masked": round(c["masked"] / c["gold"], 3) if c["gold"] else None,
            "f1": None if f1 is None else round(f1, 3),
        }
    return {
        "per_type": per_type,
        "decoy_texts": decoys,
        "decoy_texts_flagged": flagged,
        "decoy_fpr": round(flagged / decoys, 3) if decoys else None,
        "errors": errors,
    }


def predict(
    detector: Any, rows: list[dict[str, Any]], entities: list[str], mapping: dict[str, str], thresholds: dict
) -> list:
    out = []
    for row in rows:
        found = detector.detect(row["text"], entities, entity_thresholds=thresholds)
        out.append([{"type": mapping.get(e.type, e.type), "start": e.start, "end": e.end} for e in found])
    return out


def texts_of(rows: list[dict[str, Any]], chars: int, count: int) -> list[str]:
    """``count`` texts of ``chars`` characters, each the set's texts joined from a different start."""
    out = []
    for k in range(count):
        text, i = "", k
        while len(text) < chars:
            text += rows[i % len(rows)]["text"] + "\n\n"
            i += 1
        out.append(text[:chars])
    return out


def timed(fn: Any, texts: list[str], runs: int, raw: bool = False) -> Any:
    for text in texts[:5]:
        fn(text)
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        fn(texts[i % len(texts)])
        samples.append(time.perf_counter() - started)
    if raw:
        return samples
    return {"p50_ms": ms(pct(samples, 50)), "p99_ms": ms(pct(samples, 99)), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--set",
        default="heldout5",
        choices=[
            "heldout5",
            "heldout44",
            "heldout43",
            "heldout42",
            "heldout41",
            "heldout40",
            "heldout39",
            "heldout38",
            "heldout37",
            "heldout36",
            "heldout35",
            "heldout34",
            "heldout33",
            "heldout32",
            "heldout31",
            "heldout30",
            "heldout29",
            "heldout28",
            "heldout27",
            "heldout26",
            "heldout25",
            "heldout24",
            "heldout23",
            "heldout22",
            "heldout21",
            "heldout20",
            "heldout19",
            "heldout18",
            "heldout17",
            "heldout16",
            "heldout15",
            "heldout14",
            "heldout13",
            "heldout12",
            "heldout11",
            "heldout10",
            "heldout9",
            "heldout8",
            "heldout7",
            "heldout6",
            "heldout4",
            "heldout3",
            "heldout2",
            "heldout",
            "dev",
        ],
        help="Labelled set (heldout5, the default, and heldout4 were each scored once in session 16; heldout6 once "
        "in session 17, development data since; heldout7 once at the end of session 18's first round, development "
        "data since its second round; heldout8 once at the end of session 18's second round, development data "
        "since session 19; heldout9 once at the end of session 19, heldout10 once at the end of session 20, "
        "heldout11 once in session 21, heldout12 once in session 22, heldout13 once in session 23, heldout14 "
        "once in session 24, heldout15 once in session 28, heldout16 once in session 30, heldout17 once in session 31, "
        "heldout18 once in session 33, heldout19 once in session 34, heldout20 once in session 35, heldout21 once in "
        "session 36, heldout22 once in session 37, heldout23 and heldout24 once in session 38, heldout25 once in "
        "session 39, heldout26 once in session 40, heldout27 once in session 41, heldout28 once in session 42, "
        "heldout29 once in session 43, heldout30 once in session 44, heldout31 once in session 45, heldout32 once in "
        "session 46, heldout33 once in session 47, heldout34 once in session 48, heldout35 once in session 49, "
        "heldout36 once in session 50, heldout37 and heldout38 once each in session 51, heldout39 and "
        "heldout40 once each in session 52, heldout41 and heldout42 once each in session 53, heldout43 once in "
        "session 54, heldout44 once in session 55: all development data since).",
    )
    parser.add_argument("--core", type=int, default=0, help="CPU core to pin to (one core).")
    parser.add_argument("--runs", type=int, default=300, help="Timed calls for the fast detector and the guard.")
    parser.add_argument("--ner-runs", type=int, default=40, help="Timed calls for the spaCy NER peer.")
    parser.add_argument("--chars", type=int, default=1000, help="Text length of the latency runs.")
    parser.add_argument("--cover", type=float, default=0.8, help="Share of a span's characters that must be found.")
    parser.add_argument(
        "--phone-regions",
        default="US,GB",
        help="Comma-separated phonenumbers regions for the detectors (LLMOPS_SAFETY_PHONE_REGIONS; shipped: US,GB).",
    )
    parser.add_argument("--show-errors", action="store_true", help="List misses and false hits (ids) on stderr.")
    parser.add_argument(
        "--no-tagger",
        action="store_true",
        help="The rules alone (no trained PII tagger), as shipped before session 17.",
    )
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "results" / "bench_pii.jsonl")
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.core})
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    from services.safety.config import SafetySettings
    from services.safety.pii import PiiDetector
    from services.safety.policy import PolicySet
    from services.safety.service import SafetyService
    from services.safety.tagger import MODEL_FILE

    policy = PolicySet.from_file(REPO / "config" / "safety.yaml").resolve(None, None)
    thresholds = policy.pii.entity_thresholds  # as the shipped policy asks (phones at 0.4)
    rows = load(args.set)
    log(f"{len(rows)} texts in {args.set}; loading detectors")
    regions = tuple(r.strip() for r in args.phone_regions.split(",") if r.strip())
    tagger = None if args.no_tagger else REPO / "var" / "classifiers" / MODEL_FILE
    if tagger is not None and not tagger.exists():
        parser.error(f"no trained PII tagger at {tagger}: run `llmops classifiers train` (or pass --no-tagger)")
    detectors = {
        "llmops": PiiDetector(phone_regions=regions, tagger_path=tagger),
        "spacy_ner": PiiDetector(phone_regions=regions, person_ner=True),
    }
    quality, latency = {}, {}
    texts = texts_of(rows, args.chars, 50)
    for name, detector in detectors.items():
        entities, mapping = DETECTORS[name]
        result = score(rows, predict(detector, rows, entities, mapping, thresholds), args.cover)
        if args.show_errors:
            for error in result["errors"]:
                log(name, error)
        result.pop("errors")
        quality[name] = result
        log(f"timing {name}")
        latency[name] = timed(
            lambda t, d=detector, e=entities: d.detect(t, e, entity_thresholds=thresholds),
            texts,
            args.runs if name == "llmops" else args.ner_runs,
        )

    log("timing the full input guard: default policy, and the same without PERSON / ADDRESS / DATE_OF_BIRTH")
    settings = SafetySettings(models_dir=REPO / "var" / "classifiers", phone_regions=list(regions))
    service = SafetyService.from_settings(settings)
    if args.no_tagger:
        service.pii = detectors["llmops"]
    patterns_only = policy.model_copy(
        update={"pii": policy.pii.model_copy(update={"entities": [e for e in policy.pii.entities if e not in NEW]})}
    )
    guard, guard_patterns = {}, {}
    for _ in range(2):  # interleaved halves, so that load changes hit both alike
        for into, pol in ((guard, policy), (guard_patterns, patterns_only)):
            part = timed(lambda t, p=pol: service.check([t], "input", p), texts, args.runs // 2, raw=True)
            into.setdefault("samples", []).extend(part)
    guard, guard_patterns = (
        {"p50_ms": ms(pct(g["samples"], 50)), "p99_ms": ms(pct(g["samples"], 99)), "runs": len(g["samples"])}
        for g in (guard, guard_patterns)
    )
    ours = quality["llmops"]["per_type"]
    emit(
        {
            "bench": "pii",
            "set": args.set,
            "texts": len(rows),
            "machine": {**machine(), "pinned_core": args.core},
            "cover": args.cover,
            "phone_regions": list(regions),
            "pii_tagger": None if tagger is None else str(tagger.relative_to(REPO)),
            "quality": quality,
            "latency_ms_at_chars": args.chars,
            "latency": latency,
            "input_guard_default_policy": {**guard, "pii_entities": policy.pii.entities},
            "input_guard_without_names_addresses_dob": {**guard_patterns, "pii_entities": patterns_only.pii.entities},
            "added_by_names_addresses_dob_ms": {
                "p50": round(guard["p50_ms"] - guard_patterns["p50_ms"], 2),
                "p99": round(guard["p99_ms"] - guard_patterns["p99_ms"], 2),
            },
            "targets": {
                "recall_min": 0.95,
                "precision_min": 0.9,
                "types_met": [
                    t for t, v in ours.items() if v["n"] and (v["recall"] or 0) >= 0.95 and (v["precision"] or 0) >= 0.9
                ],
                "guard_p50_ms_max": 15,
                "guard_p99_ms_max": 40,
                "guard_met": guard["p50_ms"] <= 15 and guard["p99_ms"] <= 40,
            },
        },
        args.out,
    )


if __name__ == "__main__":
    main()
