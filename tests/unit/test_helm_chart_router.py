"""The Helm chart's A/B router values (``router.*``): experiments rendered into the ConfigMap the
gateway reads, the override allow-list, the MLflow tracking URI and credentials and the
experiment store URL from Secrets, schema rules; and the rendered router config driving the real
gateway wiring (real MLflow registry, fake engines per version)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import yaml

from loadtests.fake_openai_backend import FakeEngine
from services.common.engine_apps import GATEWAY_APP
from services.common.models import ModelSpec
from services.gateway.config import GatewaySettings
from services.gateway.routes import build_fastapi
from services.gateway.wiring import build_gateway
from services.router.experiments import load_experiments
from tests.helm_chart import CHART, by_kind, render, render_with
from tests.registry_fixtures import fresh_registry

SCENARIO = "ab-router-values.yaml"
MODEL = "smollm2-135m-instruct"


def values() -> dict:
    return yaml.safe_load((CHART / "ci" / SCENARIO).read_text())["router"]


def gateway_args(docs) -> dict:
    (rayservice,) = by_kind(docs, "RayService")
    apps = {a["name"]: a for a in yaml.safe_load(rayservice["spec"]["serveConfigV2"])["applications"]}
    return apps[GATEWAY_APP]["args"]


def config_map(docs) -> dict:
    (config,) = [d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"].endswith("-config")]
    return config["data"]


def containers(docs) -> dict[str, dict]:
    """Every Ray container by group (head and workers)."""
    (rayservice,) = by_kind(docs, "RayService")
    cluster = rayservice["spec"]["rayClusterConfig"]
    found = {"head": cluster["headGroupSpec"]["template"]["spec"]["containers"][0]}
    for group in cluster.get("workerGroupSpecs") or []:
        found[group["groupName"]] = group["template"]["spec"]["containers"][0]
    return found


def test_router_is_off_by_default() -> None:
    docs = render()
    assert "router" not in gateway_args(docs)
    assert "experiments.yaml" not in config_map(docs)
    for name, container in containers(docs).items():
        env = {e["name"] for e in container["env"]}
        assert not {n for n in env if n.startswith(("LLMOPS_ROUTER_", "LLMOPS_REGISTRY_", "MLFLOW_"))}, name


def test_experiments_and_secrets_are_rendered() -> None:
    docs = render(SCENARIO)
    router = values()
    rendered = yaml.safe_load(config_map(docs)["experiments.yaml"])
    (exp,) = rendered["experiments"]
    assert exp["override_keys"] == ["team-lead", "ab-admin"]  # the experiment's own keys, then the allow-list
    expected = dict(router["experiments"][0], override_keys=["team-lead", "ab-admin"])
    assert exp == expected
    args = gateway_args(docs)["router"]
    assert args["router"] == {
        "enabled": True,
        "experiments_file": "/etc/llmops/config/experiments.yaml",
        "use_registry": True,
        "store_comments": True,
        "reload_interval_s": 30,
        "canary_interval_s": 10,
    }
    # no URL or credential in the serve config: they come from the Secrets
    assert args["registry"] == {"experiment": "llmops-registry"}
    assert "postgresql" not in json.dumps(gateway_args(docs))
    for name, container in containers(docs).items():
        env = {e["name"]: e.get("valueFrom", {}).get("secretKeyRef") for e in container["env"]}
        assert env["LLMOPS_ROUTER_STORE_URL"] == {"name": "llmops-ab-store", "key": "url"}, name
        assert env["LLMOPS_REGISTRY_TRACKING_URI"] == {"name": "llmops-mlflow", "key": "tracking_uri"}, name
        for var, key in (("USERNAME", "username"), ("PASSWORD", "password"), ("TOKEN", "token")):
            assert env[f"MLFLOW_TRACKING_{var}"] == {"name": "llmops-mlflow", "key": key, "optional": True}, name


def test_without_registry_no_tracking_uri_is_asked_for() -> None:
    result = render_with({"router": {"enabled": True, "useRegistry": False, "store": {"existingSecret": "s"}}})
    assert result.returncode == 0, result.stderr
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert gateway_args(docs)["router"]["registry"] is None
    assert yaml.safe_load(config_map(docs)["experiments.yaml"]) == {"experiments": []}
    env = {e["name"] for e in containers(docs)["head"]["env"]}
    assert "LLMOPS_ROUTER_STORE_URL" in env and "LLMOPS_REGISTRY_TRACKING_URI" not in env


@pytest.mark.parametrize(
    ("router", "fragment"),
    [
        ({"enabled": True, "registry": {"existingSecret": "m"}}, "/router/store/existingSecret"),
        ({"enabled": True, "store": {"existingSecret": "s"}}, "/router/registry/existingSecret"),
        ({"experiments": [{"name": "e", "model": "m", "variants": [{"name": "a", "weight": 1}]}]}, "variants"),
        (
            {"experiments": [{"name": "e", "model": "m", "variants": [{"name": "a", "weight": 2}, {"name": "b"}]}]},
            "weight",
        ),
        (
            {"experiments": [{"name": "e", "model": "m", "colour": 1, "variants": [{"name": "a", "weight": 1}] * 2}]},
            "colour",
        ),
        (
            {
                "experiments": [
                    {
                        "name": "e",
                        "model": "m",
                        "variants": [{"name": "a", "weight": 0.5}, {"name": "b", "weight": 0.6}],
                    }
                ]
            },
            "variant weights sum to 1.1, not 1",
        ),
        ({"overrideKeys": [""]}, "/router/overrideKeys/0"),
        ({"reloadIntervalSeconds": 0}, "/router/reloadIntervalSeconds"),
    ],
)
def test_schema_rejects_bad_router_values(router: dict, fragment: str) -> None:
    result = render_with({"router": router})
    assert result.returncode != 0, f"accepted {router}"
    assert fragment in result.stderr, result.stderr


class VersionEngine(FakeEngine):
    def __init__(self, tag: str):
        super().__init__(MODEL)
        self.tag = tag

    async def generate(self, route: str, payload: dict) -> dict:
        return {**(await super().generate(route, payload)), "id": f"{self.tag}-{len(self.received)}"}


async def test_rendered_router_config_drives_the_gateway(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mlflow_template: Path,
) -> None:
    """The gateway built from the rendered args, with the Secrets' values in its environment,
    reads the experiments from the ConfigMap, the store URL and the registry from the env."""
    docs = render(SCENARIO)
    mount = tmp_path / "config-mount"
    mount.mkdir()
    (mount / "experiments.yaml").write_text(config_map(docs)["experiments.yaml"])
    args = yaml.safe_load(yaml.safe_dump(gateway_args(docs)).replace("/etc/llmops/config", str(mount)))
    (exp,) = load_experiments(mount / "experiments.yaml")  # the code's own validator accepts it
    registry = fresh_registry(mlflow_template, tmp_path / "mlflow")
    for label in ("one", "two"):
        (tmp_path / label).mkdir()
        (tmp_path / label / "config.json").write_text("{}")
        registry.register(MODEL, tmp_path / label)
    registry.set_alias(MODEL, "champion", 1)
    registry.set_alias(MODEL, "challenger", 2)
    store = f"sqlite:///{tmp_path / 'ab.db'}"
    monkeypatch.setenv("LLMOPS_ROUTER_STORE_URL", store)  # what secretKeyRef puts there
    monkeypatch.setenv("LLMOPS_REGISTRY_TRACKING_URI", registry.settings.resolved_tracking_uri())
    engines = {1: VersionEngine("v1"), 2: VersionEngine("v2")}
    service = build_gateway(
        GatewaySettings(auth_disabled=True, quota_backend="local", budgets_enabled=False, request_log_enabled=False),
        [ModelSpec.model_validate(m) for m in args["models"]],
        engines={MODEL: VersionEngine("static")},
        router=args["router"],
        version_engines=lambda model, version, backend: engines.get(version),
    )
    stage = service.pipeline.slots["routing"]
    assert stage.service.settings.store_url == store
    assert stage.service.settings.experiments_file == mount / "experiments.yaml"
    assert stage.service.router.experiments[exp.name].override_keys == ["team-lead", "ab-admin"]

    async def ready() -> bool:
        return True

    app = build_fastapi(lambda: service, is_ready=ready)
    seen = set()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for i in range(100):
            body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "user": f"u{i}"}
            reply = await c.post("/v1/chat/completions", json=body)
            assert reply.status_code == 200, reply.text
            variant = reply.headers["x-llmops-variant"]
            assert reply.json()["id"].startswith({"control": "v1", "treatment": "v2"}[variant])
            seen.add(variant)
    await stage.drain()
    assert seen == {"control", "treatment"}  # treatment at the canary's first step (5%)
    assert stage.service.store.outcomes(exp.name)  # written to the store named by the env
    await stage.close()
