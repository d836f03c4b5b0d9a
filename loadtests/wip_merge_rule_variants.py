"""One training per fold, four detector variants (base, a: names_in_addresses, b: spread_names, a+b)."""
import json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path.cwd()))
from loadtests._common import REPO, log, machine
from loadtests.bench_pii import DETECTORS, NEW, load, predict, score
from loadtests.bench_pii_tagger_loso import detector_for, pooled
from pipelines.classifiers.pii_tagger import TRAIN_SETS, train_pii_tagger
from services.safety.policy import PolicySet
import services.safety.pii as pii

real_a, real_b = pii.names_in_addresses, pii.spread_names
VARIANTS = {"base": (False, False), "a": (True, False), "b": (False, True), "ab": (True, True)}
policy = PolicySet.from_file(REPO / "config" / "safety.yaml").resolve(None, None)
thresholds = policy.pii.entity_thresholds
entities, mapping = DETECTORS["llmops"]
folds = {v: {} for v in VARIANTS}
t0 = time.time(); load0 = machine()
with tempfile.TemporaryDirectory() as tmp:
    for held in "heldout5,heldout6,heldout7,heldout8,heldout9".split(","):
        rows = load(held)
        fold_data = Path(tmp) / f"data-{held}"; fold_data.mkdir()
        for name in TRAIN_SETS:
            text = "" if name == held else (REPO / "loadtests" / "data" / "pii" / f"{name}.jsonl").read_text()
            (fold_data / f"{name}.jsonl").write_text(text)
        out = Path(tmp) / f"model-{held}"
        train_pii_tagger(out, data_dir=fold_data, rule_features=False, progress=log)
        for v, (a, b) in VARIANTS.items():
            pii.names_in_addresses = real_a if a else (lambda found: found)
            pii.spread_names = real_b if b else (lambda text, found: found)
            det = detector_for("union", out, 0.5)
            r = score(rows, predict(det, rows, entities, mapping, thresholds), 0.8)
            r.pop("errors"); r["per_type"] = {k: x for k, x in r["per_type"].items() if k in NEW}
            folds[v][held] = r
            log(f"{held} {v}: " + ", ".join(f"{k} P/R {x['precision']}/{x['recall']} pred {x['predicted']}" for k, x in r["per_type"].items()) + f" decoy {r['decoy_texts_flagged']}/{r['decoy_texts']}")
res = {"utc_end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine_start": load0, "machine_end": machine(), "wall_s": round(time.time() - t0, 1),
       "pooled": {v: pooled(list(folds[v].values())) for v in VARIANTS}, "folds": folds}
print(json.dumps(res))
