"""The engine alerts select engine deployments by name: the names the code gives them must match.

With engines in applications of their own (the Helm chart always, ``llmops serve`` with the A/B
router or ``--via-proxy``) the deployment is called ``engine``; a rule that knew only the bound
``EngineServer:MODEL`` name never fired there and reported every engine as absent."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from services.common.models import ModelSpec

RULES = Path(__file__).resolve().parents[2] / "monitoring" / "alerts" / "llmops-rules.yaml"


def deployment_pattern(alert: str) -> str:
    rules = [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"] if r.get("alert") == alert]
    (found,) = re.findall(r'deployment=~"([^"]+)"', rules[0]["expr"])
    return found


@pytest.fixture(scope="module")
def engine_deployment_names(tmp_path_factory):
    import ray

    from services.app import build_app
    from services.engine.config import EngineSettings
    from services.engine.llm_configs import engine_deployment, onnx_deployment

    onnx_folder = tmp_path_factory.mktemp("int4")
    (onnx_folder / "genai_config.json").write_text("{}")
    vllm = {"name": "chat", "source": str(onnx_folder.parent)}
    onnx = {"name": "chat", "backend": "onnx", "source": str(onnx_folder)}
    with pytest.MonkeyPatch.context() as patch:
        # Ray Serve LLM reads the driver's runtime env while building options (which would start Ray)
        patch.setattr(ray, "get_runtime_context", lambda: SimpleNamespace(runtime_env={}))
        return {
            "bound vLLM": engine_deployment(ModelSpec(**vllm), EngineSettings())._bound_deployment.name,
            "bound ONNX": onnx_deployment(ModelSpec(**onnx), EngineSettings())._bound_deployment.name,
            "vLLM engine application": build_app({"engine_app": vllm})._bound_deployment.name,
            "ONNX engine application": build_app({"engine_app": onnx})._bound_deployment.name,
        }


# LLMOpsEngineMetricsAbsent looks at every deployment's status (a stack of upstream models has no
# engine deployment; the promtool tests check both cases), so it selects no names
@pytest.mark.parametrize("alert", ["LLMOpsEngineDown"])
def test_engine_alerts_match_every_engine_deployment_name(alert, engine_deployment_names):
    pattern = deployment_pattern(alert)
    missed = {kind: name for kind, name in engine_deployment_names.items() if not re.fullmatch(pattern, name)}
    assert not missed, f"{alert} ({pattern}) does not see {missed}"


def test_engine_alerts_leave_other_deployments_alone():
    from services.app import build_app

    gateway = build_app({"models": [{"name": "up", "backend": "openai", "base_url": "http://127.0.0.1:9/v1"}]})
    from services.rag.deployment import RetrievalDeployment
    from services.safety.deployment import SafetyDeployment

    for name in (gateway._bound_deployment.name, SafetyDeployment.name, RetrievalDeployment.name):
        assert not re.fullmatch(deployment_pattern("LLMOpsEngineDown"), name)
