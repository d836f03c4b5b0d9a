"""``llmops deploy sync-registry``: registry versions as engine applications in the RayService's
serveConfigV2, driven through the real kubernetes client against the fake API of
tests/k8s_api.py (constructed, not recorded: see there) and a real MLflow registry on SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from services.cli import app
from services.registry.service import ModelRegistry
from tests.helm_chart import by_kind, rayservice_validator, render
from tests.k8s_api import FakeKubernetes, FakeKubernetesServer
from tests.registry_fixtures import fresh_registry

runner = CliRunner()
MODEL = "smollm2-135m-instruct"
SCENARIO = "ab-router-values.yaml"  # the router on, experiment on champion + challenger


def crd_valid(rayservice: dict) -> None:
    errors = list(rayservice_validator().iter_errors(rayservice))
    assert not errors, [e.message for e in errors[:5]]


@pytest.fixture
def registry(tmp_path: Path, mlflow_template: Path) -> ModelRegistry:
    reg = fresh_registry(mlflow_template, tmp_path / "mlflow")
    for label in ("ft-1", "ft-2", "ft-3"):  # stand-ins for folders on the model cache
        (tmp_path / label).mkdir()
        (tmp_path / label / "config.json").write_text("{}")
        reg.register(MODEL, tmp_path / label)
    reg.set_alias(MODEL, "champion", 1)
    reg.set_alias(MODEL, "challenger", 2)
    return reg


def cluster_for(scenario: str | None, tmp_path: Path, *extra: str) -> tuple[FakeKubernetes, FakeKubernetesServer]:
    docs = render(scenario, *extra)
    (rayservice,) = by_kind(docs, "RayService")
    (config,) = [d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"].endswith("-config")]
    fake = FakeKubernetes(
        json.loads(json.dumps(rayservice)), validate=crd_valid, configmaps={"rel-llmops-config": config}
    )
    return fake, FakeKubernetesServer(fake)


def sync(opts: list[str], registry: ModelRegistry, *extra: str):
    args = ["deploy", "sync-registry", "--name", "rel-llmops", *opts]
    args += ["--tracking-uri", registry.settings.resolved_tracking_uri(), "--poll", "0.05", "--settle", "0.1", *extra]
    result = runner.invoke(app, args)
    lines = result.stdout.strip().splitlines()
    return result, (json.loads(lines[-1]) if lines and lines[-1].startswith("{") else None)


def apps_of(fake: FakeKubernetes) -> dict[str, dict]:
    return {a["name"]: a for a in yaml.safe_load(fake.rayservice["spec"]["serveConfigV2"])["applications"]}


def patches(fake: FakeKubernetes) -> list:
    return [r for r in fake.requests if r.method == "PATCH"]


def test_adds_one_application_per_routed_version_then_retires(tmp_path, registry) -> None:
    fake, server = cluster_for(SCENARIO, tmp_path)
    with server:
        opts = ["--kubeconfig", server.kubeconfig(tmp_path / "kubeconfig"), "--namespace", "llm"]
        before = apps_of(fake)
        result, out = sync(opts, registry, "--grace", "0")
        assert result.exit_code == 0, result.output
        v1, v2 = f"engine-{MODEL}-v1", f"engine-{MODEL}-v2"
        assert out["added"] == [v1, v2] and out["removed"] == [] and out["healthy"]
        (patch,) = patches(fake)
        assert patch.content_type == "application/merge-patch+json"
        assert patch.body["metadata"]["resourceVersion"] and patch.query.find("fieldManager=llmops-deploy") >= 0
        after = apps_of(fake)
        assert {k: v for k, v in after.items() if k not in (v1, v2)} == before  # the chart's applications untouched
        assert list(after)[-1] == "llmops"  # engines before the gateway
        static = before[f"engine-{MODEL}"]
        for name, version in ((v1, 1), (v2, 2)):
            new = after[name]
            assert new["import_path"] == static["import_path"] and new["route_prefix"] is None
            assert {k: v for k, v in new["args"].items() if k != "engine_app"} == {
                k: v for k, v in static["args"].items() if k != "engine_app"
            }
            spec = new["args"]["engine_app"]
            assert spec["source"] == registry.get_version(MODEL, version).source.removeprefix(
                "file://"
            )  # a path in the pods
            assert {k: v for k, v in spec.items() if k != "source"} == {
                k: v for k, v in static["args"]["engine_app"].items() if k != "source"
            }
        # a second run changes nothing
        result, out = sync(opts, registry, "--grace", "0")
        assert result.exit_code == 0 and out["add"] == [] and out["retire"] == [] and len(patches(fake)) == 1
        # promotion, experiment over: v2 is champion, nothing else routed -> v1 retired after the grace
        registry.set_alias(MODEL, "champion", 2)
        none = tmp_path / "none.yaml"
        none.write_text("experiments: []")
        result, out = sync(opts, registry, "--experiments", str(none), "--grace", "0")
        assert result.exit_code == 0, result.output
        assert out["add"] == [] and out["removed"] == [v1]
        assert set(apps_of(fake)) == set(before) | {v2}


def test_default_grace_is_two_of_the_releases_reload_intervals(tmp_path, registry, monkeypatch) -> None:
    """Without --grace a retired version's application stays for two of the release's router reload
    intervals (router.reloadIntervalSeconds), however long that is: every gateway has switched."""
    from services.cli import deploy as deploy_cli

    waited: list[float] = []
    monkeypatch.setattr(deploy_cli, "_wait_before_pruning", waited.append)
    fake, server = cluster_for(SCENARIO, tmp_path, "--set", "router.reloadIntervalSeconds=45")
    with server:
        opts = ["--kubeconfig", server.kubeconfig(tmp_path / "kubeconfig"), "--namespace", "llm"]
        assert sync(opts, registry)[0].exit_code == 0 and waited == []  # nothing retired, nothing to wait for
        registry.set_alias(MODEL, "champion", 2)
        none = tmp_path / "none.yaml"
        none.write_text("experiments: []")
        result, out = sync(opts, registry, "--experiments", str(none))
        assert result.exit_code == 0, result.output
        assert out["removed"] == [f"engine-{MODEL}-v1"] and waited == [90.0]


def test_unhealthy_new_version_is_removed_again(tmp_path, registry) -> None:
    fake, server = cluster_for(SCENARIO, tmp_path)
    with server:
        opts = ["--kubeconfig", server.kubeconfig(tmp_path / "kubeconfig"), "--namespace", "llm"]
        assert sync(opts, registry, "--grace", "0")[0].exit_code == 0
        previous = fake.rayservice["spec"]["serveConfigV2"]
        registry.set_alias(MODEL, "challenger", 3)
        fake.broken_sources.add(registry.get_version(MODEL, 3).source.removeprefix("file://"))
        result, out = sync(opts, registry, "--grace", "0", "--timeout", "5")
        assert result.exit_code == 1, result.output
        assert out["added"] == [f"engine-{MODEL}-v3"] and out["rolled_back"] and out["removed"] == []
        assert fake.rayservice["spec"]["serveConfigV2"] == previous  # v2 (retire candidate) kept, v3 gone


def test_dry_run_and_refusals(tmp_path, registry) -> None:
    fake, server = cluster_for(SCENARIO, tmp_path)
    with server:
        opts = ["--kubeconfig", server.kubeconfig(tmp_path / "kubeconfig"), "--namespace", "llm"]
        result, out = sync(opts, registry, "--dry-run")
        assert result.exit_code == 0 and out["add"] == [f"engine-{MODEL}-v1", f"engine-{MODEL}-v2"]
        assert not patches(fake)
        registry.delete_alias(MODEL, "challenger")  # the experiment names it: no table, nothing changed
        result, _ = sync(opts, registry)
        assert result.exit_code == 1 and "challenger" in result.output and not patches(fake)
    fake, server = cluster_for(None, tmp_path)  # the router is off in the default values
    with server:
        opts = ["--kubeconfig", server.kubeconfig(tmp_path / "kubeconfig2"), "--namespace", "llm"]
        result, _ = sync(opts, registry, "--experiments", str(tmp_path / "missing.yaml"))
        assert result.exit_code == 1 and "not found" in result.output
        none = tmp_path / "none.yaml"
        none.write_text("experiments: []")
        result, _ = sync(opts, registry, "--experiments", str(none))
        assert result.exit_code == 1 and "router.enabled" in result.output and not patches(fake)


def test_lora_version_is_refused_before_any_patch(tmp_path, registry) -> None:
    """An adapter is served by multi-LoRA on its base engine, not as an engine application."""
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text('{"peft_type": "LORA", "r": 8}')
    lora = registry.register(MODEL, adapter, kind="lora", tags={"parent_version": 1})
    registry.set_alias(MODEL, "challenger", lora.version)
    fake, server = cluster_for(SCENARIO, tmp_path)
    with server:
        opts = ["--kubeconfig", server.kubeconfig(tmp_path / "kubeconfig"), "--namespace", "llm"]
        result, _ = sync(opts, registry)
        assert result.exit_code == 1 and "LoRA adapter" in result.output, result.output
        assert not patches(fake)
