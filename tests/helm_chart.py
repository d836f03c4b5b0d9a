"""Rendering the Helm chart in tests: the helm binary, ``helm template`` output by kind, and a
validator for RayServices from the vendored KubeRay CRD schema (undeclared fields are errors)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "deploy" / "helm" / "llmops"
CRD_SCHEMA = ROOT / "deploy" / "helm" / "schemas" / "rayservice-v1.schema.json"
SCENARIOS = sorted(p.name for p in (CHART / "ci").glob("*-values.yaml"))
K8S_VERSION = "1.33.0"
PROMETHEUS_OPERATOR = "monitoring.coreos.com/v1"
CORE_KINDS = {
    "ConfigMap",
    "Secret",
    "Service",
    "ServiceAccount",
    "Ingress",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "PersistentVolumeClaim",
    "CronJob",
    "Job",
}


def helm_binary() -> str:
    found = Path(sys.executable).parent / "helm"
    return (
        str(found)
        if found.exists()
        else (
            shutil.which("helm")
            or pytest.fail("helm not found: run `python deploy/install_helm.py .venv/bin` (make install does)")
        )
    )


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([helm_binary(), *args], capture_output=True, text=True, check=check, timeout=120)


@cache
def render(scenario: str | None = None, *extra: str) -> tuple[dict, ...]:
    args = ["template", "rel", str(CHART), "--namespace", "llm", "--api-versions", PROMETHEUS_OPERATOR, *extra]
    if scenario:
        args += ["-f", str(CHART / "ci" / scenario)]
    return tuple(d for d in yaml.safe_load_all(helm(*args).stdout) if d)


def by_kind(docs, kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def render_with(values: dict, *extra: str) -> subprocess.CompletedProcess:
    """helm template with values given on stdin; the completed process (not checked)."""
    return subprocess.run(
        [helm_binary(), "template", "rel", str(CHART), "-f", "-", *extra],
        input=json.dumps(values),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@cache
def rayservice_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(CRD_SCHEMA.read_text())

    def closed(node):  # kubectl --validate=strict: fields the CRD does not declare are errors
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                closed(value)
        elif isinstance(node, list):
            for value in node:
                closed(value)

    closed(schema)
    schema["properties"]["metadata"] = {"type": "object", "required": ["name"]}
    return jsonschema.Draft7Validator(schema)
