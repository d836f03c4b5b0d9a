"""Every setting a user can set from the environment is in the README, with the default the code has.

The README documents settings in two kinds of table rows: by environment variable
(``| `LLMOPS_GATEWAY_MAX_STOP` | `4` | ...``) or, after a line that names the prefix, by field
(``| `chunk_tokens` | 160 | ...``, ``| `replicas`, `num_cpus` | 1, 0.25 | ...``). A variable may also be
named in prose only. Where a row gives a literal default (a number, ``true``/``false``
or a backticked value), it must equal the code's.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings

from services.cli.local_stack import REPO

SETTINGS_MODULES = (
    "services.engine.config",
    "services.gateway.config",
    "services.safety.config",
    "services.rag.config",
    "services.router.config",
    "services.registry.config",
    "pipelines.config",
)
# filled in by the app from the served models, not by a user
INTERNAL = {"LLMOPS_SAFETY_TOKENIZER_DIRS", "LLMOPS_SAFETY_TOKENIZER_ENGINES"}
_ROW = re.compile(r"^\|([^|\n]+)\|([^|\n]*)\|", re.M)
_NAME = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")
_PREFIX = re.compile(r"`(LLMOPS_[A-Z]+_)\*?`")


def settings_fields() -> dict[str, tuple[str, Any]]:
    """Environment variable -> (field name, default) of every settings class."""
    fields: dict[str, tuple[str, Any]] = {}
    for module_name in SETTINGS_MODULES:
        module = importlib.import_module(module_name)
        for cls in vars(module).values():
            if isinstance(cls, type) and issubclass(cls, BaseSettings) and cls.__module__ == module_name:
                prefix = cls.model_config.get("env_prefix", "")
                for name, info in cls.model_fields.items():
                    default = info.default_factory() if info.default_factory else info.default  # type: ignore[call-arg]
                    fields[(prefix + name).upper()] = (name, default)
    return fields


def documented_defaults(readme: str) -> dict[str, list[str]]:
    """Environment variable -> the defaults table rows give for it. A row's first cell names
    variables, or fields of the prefix last named as such (``LLMOPS_RAG_*`` or ``LLMOPS_REGISTRY_``
    in backticks); a row naming several gives as many defaults, split the same way."""
    out: dict[str, list[str]] = {}
    prefix = None
    for line in readme.splitlines():
        if line.startswith("#"):
            prefix = None
        row = _ROW.match(line)
        prefix = (_PREFIX.findall(row.group(1) if row else line) or [prefix])[-1]  # a row's first cell only
        names = _NAME.findall(row.group(1)) if row else []
        values = [v.strip() for v in re.split(r" / |, (?=\S)", row.group(2).strip())] if row else []
        for i, name in enumerate(names):
            variable = name if name.startswith("LLMOPS_") else f"{prefix}{name}".upper() if prefix else None
            if variable:
                out.setdefault(variable, []).append(values[i] if len(values) == len(names) else "")
    return out


def as_written(value: Any) -> str | None:
    """How a default reads in the README, or None where it has no one literal form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (str, Path)):
        return str(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return None


def literal(cell: str) -> str | None:
    """The literal a README default cell states (backticks and thousands separators dropped), or
    None for prose ("unset", "64 MiB", "random")."""
    if re.fullmatch(r"`[^`]*`", cell):
        return cell[1:-1]
    if re.fullmatch(r"-?[\d,]+(\.\d+)?", cell):
        return cell.replace(",", "")
    return None


def test_every_setting_is_documented_with_the_codes_default():
    readme = (REPO / "README.md").read_text()
    rows = documented_defaults(readme)
    prose = set(re.findall(r"LLMOPS_[A-Z0-9_]+", readme))
    missing, wrong = [], []
    for variable, (_, default) in sorted(settings_fields().items()):
        if variable in INTERNAL:
            continue
        cells = rows.get(variable, [])
        if not cells and variable not in prose:
            missing.append(variable)
        for cell in cells:
            stated, actual = literal(cell), as_written(default)
            if stated is not None and actual is not None and stated != actual:
                wrong.append(f"{variable}: README {cell}, code {actual}")
    assert not missing, f"settings the README does not name: {missing}"
    assert not wrong, f"README defaults that differ from the code: {wrong}"


def test_the_check_reads_both_kinds_of_row():
    readme = (
        "| `LLMOPS_X_A` / `LLMOPS_X_B` | `1` / `on` | x |\n"
        "Settings (`LLMOPS_RAG_*`):\n"
        "| `replicas`, `num_cpus` | 1, 0.25 | y (`LLMOPS_REGISTRY_*` named in a later cell: no new prefix) |\n"
        "| `timeout_s` | 5 | z |\n"
        "## Next\n"
        "| `enabled` | `true` | not a setting: no prefix named since the heading |\n"
    )
    rows = documented_defaults(readme)
    assert rows == {
        "LLMOPS_X_A": ["`1`"],
        "LLMOPS_X_B": ["`on`"],
        "LLMOPS_RAG_REPLICAS": ["1"],
        "LLMOPS_RAG_NUM_CPUS": ["0.25"],
        "LLMOPS_RAG_TIMEOUT_S": ["5"],
    }
    assert literal("2,000,000") == "2000000" and literal("`var/rag`") == "var/rag" and literal("unset") is None
    assert as_written(600.0) == "600" and as_written(["US", "GB"]) == '["US","GB"]' and as_written(True) == "true"


def test_pipeline_config_table_names_every_field():
    """README "Training pipelines": the config-section table lists each section's fields, no more."""
    from pipelines.config import PipelineConfig

    readme = (REPO / "README.md").read_text()
    start = readme.index("| config section | fields |")
    rows = readme[start : readme.index("\n\n", start)].splitlines()[2:]
    sections = {}
    for row in rows:
        section, fields = row.split("|")[1:3]
        # a field's first backticked mention in the cell; values in parentheses are not fields
        sections[section.strip().strip("`")] = set(_NAME.findall(re.sub(r"\([^()]*(\([^()]*\)[^()]*)*\)", "", fields)))
    assert set(sections) == set(PipelineConfig.model_fields)
    for name, info in PipelineConfig.model_fields.items():
        assert sections[name] == set(info.annotation.model_fields), name  # type: ignore[union-attr]
