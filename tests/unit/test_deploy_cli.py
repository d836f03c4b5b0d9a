"""``llmops deploy``: the real kubernetes client against a local server in the Kubernetes API's
shape (tests/k8s_api.py: constructed fixtures, not recorded from a cluster — no API server can
run here). Asserts on the requests the server receives: patch bodies, rollbacks, Secret writes."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from services.cli import app
from services.common.engine_apps import gateway_entry
from services.common.models import ModelSpec
from services.gateway.keys import KeyStore
from tests.helm_chart import by_kind, rayservice_validator, render
from tests.k8s_api import FakeKubernetes, FakeKubernetesServer

runner = CliRunner()
MODEL = "smollm2-135m-instruct"


def crd_valid(rayservice: dict) -> None:
    errors = list(rayservice_validator().iter_errors(rayservice))
    assert not errors, [e.message for e in errors[:5]]


@pytest.fixture
def cluster(tmp_path):
    (rayservice,) = by_kind(render(), "RayService")
    fake = FakeKubernetes(json.loads(json.dumps(rayservice)), validate=crd_valid)
    with FakeKubernetesServer(fake) as server:
        yield fake, ["--kubeconfig", server.kubeconfig(tmp_path / "kubeconfig"), "--namespace", "llm"]


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    return result, (json.loads(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else None)


def patches(fake):
    return [r for r in fake.requests if r.method == "PATCH"]


def models_of(serve_config_text: str) -> dict[str, dict]:
    """The engine applications' specs; the gateway application lists each model with what the
    gateway needs and no source (services/common/engine_apps.py gateway_entry)."""
    apps = {a["name"]: a for a in yaml.safe_load(serve_config_text)["applications"]}
    gateway = {m["name"]: m for m in apps.pop("llmops")["args"]["models"]}
    engines = {a["args"]["engine_app"]["name"]: a["args"]["engine_app"] for a in apps.values()}
    assert gateway == {name: gateway_entry(ModelSpec.model_validate(spec)) for name, spec in engines.items()}
    return engines


def test_status_reports_conditions_deployments_and_engines(cluster):
    fake, opts = cluster
    result, summary = invoke("deploy", "status", "--name", "rel-llmops", *opts, "--json")
    assert result.exit_code == 0, result.output
    assert summary["healthy"] and summary["ready"] and summary["app_status"] == "RUNNING"
    assert {d["name"]: d["status"] for d in summary["deployments"]} == {
        "gateway": "HEALTHY",
        f"engine-{MODEL}/engine": "HEALTHY",
        "engine-all-minilm-l6-v2/engine": "HEALTHY",
    }
    assert {e["model"]: e["replicas"] for e in summary["engines"]} == {MODEL: 1, "all-minilm-l6-v2": 1}
    assert any(c["type"] == "Ready" and c["status"] == "True" for c in summary["conditions"])
    assert (
        fake.requests[0].authorization == "Bearer test-token"
        and fake.requests[0].path == "/apis/ray.io/v1/namespaces/llm/rayservices/rel-llmops"
    )


def test_status_shows_the_pending_clusters_application(cluster):
    """During a blue/green upgrade the new cluster's application is where failures show."""
    fake, opts = cluster
    fake.rayservice["status"]["pendingServiceStatus"] = {
        "rayClusterName": "rel-llmops-raycluster-fghij",
        "applicationStatuses": {
            "llmops": {
                "status": "DEPLOY_FAILED",
                "message": "Deploying app 'llmops' failed",
                "serveDeploymentStatuses": {f"engine-{MODEL}": {"status": "UNHEALTHY", "message": "out of memory"}},
            }
        },
    }
    crd_valid(fake.rayservice)
    result, summary = invoke("deploy", "status", "--name", "rel-llmops", *opts, "--json")
    assert summary["pending"] and not summary["healthy"] and result.exit_code == 1  # not healthy: exit 1
    assert summary["pending_cluster"] == "rel-llmops-raycluster-fghij"
    assert summary["pending_app_status"] == "DEPLOY_FAILED"
    assert summary["pending_deployments"] == [
        {"name": f"engine-{MODEL}", "status": "UNHEALTHY", "message": "out of memory"}
    ]
    result = runner.invoke(app, ["deploy", "status", "--name", "rel-llmops", *opts])
    said = " ".join(result.output.split())
    assert "rel-llmops-raycluster-fghij" in said and "DEPLOY_FAILED" in said and "out of memory" in said


def test_status_of_a_missing_rayservice(cluster):
    _, opts = cluster
    result, _ = invoke("deploy", "status", "--name", "nope", *opts)
    assert result.exit_code == 1 and "not found" in result.output


def test_rollout_patches_one_engine_and_waits_until_healthy(cluster):
    fake, opts = cluster
    before = fake.rayservice["spec"]["serveConfigV2"]
    result, out = invoke(
        "deploy", "rollout", MODEL, "smollm2-ft-v2", "--name", "rel-llmops", *opts, "--poll", "0.05", "--timeout", "30"
    )
    assert result.exit_code == 0, result.output
    assert out == {
        "model": MODEL,
        "version": "smollm2-ft-v2",
        "source": "smollm2-ft-v2",
        "previous_source": MODEL,
        "healthy": True,
        "rolled_back": False,
        "seconds": out["seconds"],
    }
    (patch,) = patches(fake)
    assert patch.content_type == "application/merge-patch+json"
    assert set(patch.body) == {"metadata", "spec"} and set(patch.body["spec"]) == {"serveConfigV2"}
    assert patch.body["metadata"]["annotations"] == {f"llmops.dev/version.{MODEL}": "smollm2-ft-v2"}
    assert patch.body["metadata"]["resourceVersion"] == "1", "conditional on the version it read"
    assert fake.field_managers == {"serveConfigV2": "llmops-deploy"}, "its own field manager, not a generic one"
    new, old = models_of(patch.body["spec"]["serveConfigV2"]), models_of(before)
    assert (
        new[MODEL] == {**old[MODEL], "source": "smollm2-ft-v2"} and new["all-minilm-l6-v2"] == old["all-minilm-l6-v2"]
    )
    # Ray Serve redeploys an application whose code version (its args' hash) changed: the engine's
    # alone, never the gateway's
    assert fake.redeployed == [{f"engine-{MODEL}"}]
    gets_after_patch = [r for r in fake.requests[fake.requests.index(patch) :] if r.method == "GET"]
    assert len(gets_after_patch) >= fake.stale_polls + fake.deploying_polls + 1, (
        "waited through the stale and deploying states"
    )
    result, summary = invoke("deploy", "status", "--name", "rel-llmops", *opts, "--json")
    assert {e["model"]: e["version"] for e in summary["engines"]}[MODEL] == "smollm2-ft-v2"


def test_rollout_does_not_take_the_stale_generation_for_success(cluster):
    """KubeRay's first reconcile after the patch reports the new observedGeneration with the old
    RUNNING/HEALTHY statuses. When the redeploy is never seen (faster than the polls), the
    rollout counts only after the state held for --settle seconds."""
    fake, opts = cluster
    fake.stale_polls, fake.deploying_polls = 3, 0
    result, out = invoke(
        "deploy", "rollout", MODEL, "v2", "--name", "rel-llmops", *opts, "--poll", "0.05", "--settle", "0.6"
    )
    assert result.exit_code == 0 and out["healthy"], result.output
    assert out["seconds"] >= 0.6
    (patch,) = patches(fake)
    assert len([r for r in fake.requests[fake.requests.index(patch) :] if r.method == "GET"]) > fake.stale_polls


def test_rollout_retries_when_the_object_changed_since_it_was_read(cluster):
    """KubeRay writes the status every few seconds (a new resourceVersion): a conditional patch
    gets a 409, and the rollout re-reads and patches again rather than failing or writing blind."""
    fake, opts = cluster
    writes = iter([True, True, False])  # a status write before each of the first two reads
    fake.other_writers.append(lambda rs: fake._polls_since_patch is None and next(writes, False))
    result, out = invoke("deploy", "rollout", MODEL, "v2", "--name", "rel-llmops", *opts, "--poll", "0.05")
    assert result.exit_code == 0 and out["healthy"], result.output
    assert [r.method for r in fake.requests[:3]] == ["GET", "PATCH", "GET"]
    assert models_of(fake.rayservice["spec"]["serveConfigV2"])[MODEL]["source"] == "v2"


def test_rollback_never_overwrites_someone_elses_change(cluster):
    """A helm upgrade lands while the new version fails: the rollback must not put the old config
    back over it; it stops, says so, and keeps the previous config in a file."""
    fake, opts = cluster
    fake.broken_sources.add("/models/broken")

    def helm_upgrade(rs):
        if fake._polls_since_patch == 2 and "# helm" not in rs["spec"]["serveConfigV2"]:
            rs["spec"]["serveConfigV2"] += "# helm\n"
            return True
        return False

    fake.other_writers.append(helm_upgrade)
    previous = fake.rayservice["spec"]["serveConfigV2"]
    result, _ = invoke(
        "deploy", "rollout", MODEL, "v3", "--source", "/models/broken", "--name", "rel-llmops", *opts,
        "--poll", "0.05", "--timeout", "30",
    )  # fmt: skip
    said = " ".join(result.output.split())
    assert result.exit_code == 1 and "changed by someone else" in said, said
    assert len(patches(fake)) == 1 and fake.rayservice["spec"]["serveConfigV2"].endswith("# helm\n")
    (saved,) = re.findall(r"previous serveConfigV2 is in (\S+\.yaml)", said)
    assert Path(saved).read_text() == previous  # the operator can restore it exactly
    Path(saved).unlink()


def test_rollout_rolls_back_when_the_new_version_fails(cluster):
    fake, opts = cluster
    fake.broken_sources.add("/models/broken")
    before = fake.rayservice["spec"]["serveConfigV2"]
    result, out = invoke(
        "deploy",
        "rollout",
        MODEL,
        "v3",
        "--source",
        "/models/broken",
        "--name",
        "rel-llmops",
        *opts,
        "--poll",
        "0.05",
        "--timeout",
        "30",
    )
    assert result.exit_code == 1 and out["rolled_back"] and not out["healthy"]
    said = " ".join(result.output.split())
    assert (
        "rolled back to smollm2-135m-instruct" in said
        and "DEPLOY_FAILED" in said
        and "cannot load model from /models/broken" in said
    ), said
    forward, back = patches(fake)
    assert models_of(forward.body["spec"]["serveConfigV2"])[MODEL]["source"] == "/models/broken"
    assert back.body["metadata"].pop("resourceVersion"), "a conditional patch"
    assert back.body == {
        "metadata": {"annotations": {f"llmops.dev/version.{MODEL}": None}},
        "spec": {"serveConfigV2": before},
    }, "the exact previous config"
    assert fake.rayservice["spec"]["serveConfigV2"] == before
    assert f"llmops.dev/version.{MODEL}" not in fake.rayservice["metadata"].get("annotations", {})
    assert fake.rayservice["status"]["activeServiceStatus"]["applicationStatuses"]["llmops"]["status"] == "RUNNING"


def test_rollout_rides_out_api_errors_while_waiting(cluster):
    fake, opts = cluster
    fake.fail_gets_after_patch = 3
    result, out = invoke(
        "deploy", "rollout", MODEL, "v2", "--name", "rel-llmops", *opts, "--poll", "0.05", "--timeout", "30"
    )
    assert result.exit_code == 0 and out["healthy"], result.output
    assert fake.fail_gets_after_patch == 0 and len(patches(fake)) == 1


def test_rollout_rolls_back_on_timeout(cluster):
    fake, opts = cluster
    fake.hanging_sources.add("slow")
    result, out = invoke(
        "deploy", "rollout", MODEL, "slow", "--name", "rel-llmops", *opts, "--poll", "0.05", "--timeout", "1"
    )
    assert result.exit_code == 1 and out["rolled_back"]
    assert len(patches(fake)) == 2


@pytest.mark.parametrize(("model", "fragment"), [("unknown-model", "not served"), ("all-minilm-l6-v2", None)])
def test_rollout_refuses_unknown_models(cluster, model, fragment):
    fake, opts = cluster
    result, _ = invoke(
        "deploy", "rollout", model, "v2", "--name", "rel-llmops", *opts, "--poll", "0.05", "--timeout", "30"
    )
    if fragment:
        assert result.exit_code == 1 and fragment in result.output and not patches(fake)
    else:
        assert result.exit_code == 0, result.output


def test_rollout_refuses_an_unhealthy_service(cluster):
    fake, opts = cluster
    fake.rayservice["status"]["activeServiceStatus"]["applicationStatuses"]["llmops"]["status"] = "DEPLOYING"
    result, _ = invoke("deploy", "rollout", MODEL, "v2", "--name", "rel-llmops", *opts)
    assert result.exit_code == 1 and "not healthy" in result.output and not patches(fake)


def test_keys_sync_writes_hashes_only_and_follows_revocations(cluster, tmp_path):
    fake, opts = cluster
    store = KeyStore(tmp_path / "keys.db")
    key, principal = store.create("team-a", models=[MODEL], rpm=60)
    args = ["deploy", "keys", "sync", "--secret", "rel-llmops-api-keys", "--db", str(tmp_path / "keys.db"), *opts]

    result, _ = invoke(*args, "--dry-run")
    assert result.exit_code == 0 and "would create" in result.output and not fake.secrets
    result, _ = invoke(*args)
    assert result.exit_code == 0 and "created" in result.output, result.output
    (post,) = [r for r in fake.requests if r.method == "POST"]
    assert post.path == "/api/v1/namespaces/llm/secrets"
    document = json.loads(base64.b64decode(fake.secrets["rel-llmops-api-keys"]["data"]["keys.json"]))
    assert [k["key_id"] for k in document["keys"]] == [principal.key_id] and document["keys"][0]["rpm"] == 60
    pepper = base64.b64decode(fake.secrets["rel-llmops-api-keys"]["data"]["key_pepper"])
    assert pepper == store.hasher.pepper and document["pepper_check"] == store.hasher.check()
    assert key not in json.dumps(fake.secrets) and key[14:] not in json.dumps([r.body for r in fake.requests])

    result, _ = invoke(*args)
    assert "unchanged" in result.output and not [r for r in fake.requests if r.method == "PATCH"]

    store.revoke(principal.key_id)
    result, _ = invoke(*args)
    assert "updated" in result.output
    (patch,) = [r for r in fake.requests if r.method == "PATCH"]
    assert patch.content_type in ("application/strategic-merge-patch+json", "application/merge-patch+json")
    assert json.loads(base64.b64decode(fake.secrets["rel-llmops-api-keys"]["data"]["keys.json"]))["keys"] == []
