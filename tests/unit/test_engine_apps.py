"""One Serve application per engine: names, the plan from registry + experiments, reconciliation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.common.engine_apps import EngineApp, engine_app_name
from services.common.models import ModelSpec
from services.registry.service import ModelRegistry
from services.router.config import RouterSettings
from services.router.deploy import EngineAppSync, plan_engine_apps
from services.router.router import RoutingError
from tests.registry_fixtures import fresh_registry

CHAT = ModelSpec(name="chat", source="chat")
EMBED = ModelSpec(name="embed", source="embed", task="embed")


def test_names() -> None:
    assert engine_app_name("smollm2-135m-instruct") == "engine-smollm2-135m-instruct"
    assert engine_app_name("org/model", 3) == "engine-org-model-v3"


def test_without_router_one_static_app_per_model() -> None:
    remote = ModelSpec(name="up", backend="openai", base_url="http://127.0.0.1:1/v1")
    apps = plan_engine_apps([CHAT, EMBED, remote])
    assert [(a.name, a.version) for a in apps] == [("engine-chat", None), ("engine-embed", None)]


def test_router_plan_follows_registry_and_experiments(tmp_path: Path, mlflow_template: Path) -> None:
    registry: ModelRegistry = fresh_registry(mlflow_template, tmp_path / "reg")
    folders = []
    for label in ("a", "b", "c"):
        folder = tmp_path / label
        folder.mkdir()
        (folder / "config.json").write_text("{}")
        folders.append(folder)
        registry.register("chat", folder)
    registry.set_alias("chat", "champion", 1)
    none = tmp_path / "none.yaml"
    none.write_text("experiments: []")
    router = RouterSettings(enabled=True, experiments_file=none)
    apps = plan_engine_apps([CHAT, EMBED], router=router, registry=registry)
    assert [(a.name, a.version) for a in apps] == [("engine-chat-v1", 1), ("engine-embed", None)]
    assert apps[0].spec.source == str(folders[0].resolve())
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        json.dumps(
            {
                "experiments": [
                    {
                        "name": "e",
                        "model": "chat",
                        "variants": [
                            {"name": "a", "version": 1, "weight": 1.0},
                            {"name": "b", "version": 2, "weight": 0},
                        ],
                        "shadow": {"variant": "b", "share": 0.1},
                    }
                ]
            }
        )
    )
    apps = plan_engine_apps(
        [CHAT, EMBED], router=router.model_copy(update={"experiments_file": exp}), registry=registry
    )
    assert [a.name for a in apps] == ["engine-chat-v1", "engine-chat-v2", "engine-embed"]
    exp.write_text(exp.read_text().replace('"version": 2', '"version": 9'))
    with pytest.raises(RoutingError, match="no version 9"):
        plan_engine_apps([CHAT], router=router.model_copy(update={"experiments_file": exp}), registry=registry)


def test_sync_deploys_new_and_deletes_retired_after_grace() -> None:
    plans = [[EngineApp("engine-chat-v1", CHAT, 1)], [EngineApp("engine-chat-v2", CHAT, 2)]]
    deployed, deleted = [], []
    sync = EngineAppSync(
        lambda: plans[0], lambda apps: deployed.extend(a.name for a in apps), deleted.append,
        running={"engine-chat-v1"}, grace_s=10,
    )  # fmt: skip
    assert sync.step(now=0) == ([], [])
    plans.pop(0)
    assert sync.step(now=1) == (["engine-chat-v2"], [])  # the old version keeps serving meanwhile
    assert sync.step(now=5) == ([], [])
    assert sync.step(now=12) == ([], ["engine-chat-v1"])
    assert deployed == ["engine-chat-v2"] and deleted == ["engine-chat-v1"]


@pytest.mark.parametrize("reload_s", [60.0, 2.0])
def test_serve_retires_after_two_reload_intervals(monkeypatch, reload_s: float) -> None:
    """``llmops serve`` deletes a version's engine two routing-table reloads after it left the
    plan (as ``llmops deploy sync-registry`` does): never while a gateway replica may still route
    to it, no longer than that."""
    from services.cli.engine_apps import EngineApps

    monkeypatch.setenv("LLMOPS_ROUTER_RELOAD_INTERVAL_S", str(reload_s))
    monkeypatch.setenv("LLMOPS_ROUTER_USE_REGISTRY", "false")  # the plan is given below
    apps = EngineApps({}, [CHAT], ab_router=True)
    plans = [[EngineApp("engine-chat-v1", CHAT, 1)], [EngineApp("engine-chat-v2", CHAT, 2)]]
    deleted: list[str] = []
    monkeypatch.setattr(apps, "plan", lambda: plans[0])
    monkeypatch.setattr(apps, "deploy", lambda new: None)
    monkeypatch.setattr(apps, "delete", deleted.append)
    monkeypatch.setattr("time.monotonic", lambda: 1000.0)
    apps.start()
    plans.pop(0)
    apps.sync()  # v1 leaves the plan at t=1000
    monkeypatch.setattr("time.monotonic", lambda: 1000.0 + 2 * reload_s - 0.5)
    apps.sync()
    assert deleted == []
    monkeypatch.setattr("time.monotonic", lambda: 1000.0 + 2 * reload_s)
    apps.sync()
    assert deleted == ["engine-chat-v1"]


def test_sync_keeps_everything_when_the_plan_is_refused() -> None:
    def bad_plan() -> list[EngineApp]:
        raise RoutingError("alias points at a missing version")

    sync = EngineAppSync(bad_plan, lambda apps: None, lambda name: None, running={"engine-chat-v1"}, grace_s=0)
    assert sync.step(now=100) == ([], []) and sync.running == {"engine-chat-v1"}


def test_ab_router_refuses_direct_ingress_before_starting_anything(monkeypatch) -> None:
    """Direct ingress gives every application's ingress replica a port from the gateway's range,
    so engine applications (which the router needs) would take the API's ports: refused up front."""
    from typer.testing import CliRunner

    from services.cli import app

    monkeypatch.setattr("ray.init", lambda *a, **k: pytest.fail("Ray must not start"))
    result = CliRunner().invoke(app, ["serve", "--ab-router", "--direct-ingress", "--port", "18555"])
    assert result.exit_code == 2 and "needs the Serve proxy" in result.output


def test_serve_via_the_proxy_starts_without_engine_applications() -> None:
    """A models file of remote (openai) models only plans no engine application; ``llmops serve
    --via-proxy`` then deployed an empty list and Serve refused it ("No applications provided"),
    so the stack never started (found by ``bench_gateway --systems llmops-proxy``)."""
    from services.cli.engine_apps import EngineApps

    remote = ModelSpec(name="up", backend="openai", base_url="http://127.0.0.1:1/v1")
    apps = EngineApps({}, [remote], ab_router=False)
    apps.start()  # Serve's run_many([]) raises before it needs Ray
    assert apps.static_models == []
