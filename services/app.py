"""``build_app``: the one builder that returns the bound Ray Serve graph.

Used by ``llmops serve`` locally and by KubeRay (``import_path: services.app:build_app`` with
``args`` holding the same keys as the settings below, e.g. ``models_file``, ``gateway``).
"""

from __future__ import annotations

from typing import Any

from ray.serve import Application

from services.engine.config import EngineSettings
from services.engine.llm_configs import build_llm_config
from services.engine.server import EngineServer
from services.gateway.config import GatewaySettings
from services.gateway.deployment import GatewayDeployment


def build_app(config: dict[str, Any] | None = None) -> Application:
    """Build the graph. ``config`` may hold engine settings (``models_file``, or ``models`` inline
    as a list of model specs) and a ``gateway`` dict of gateway settings; anything not given
    comes from the environment (``LLMOPS_*``) or defaults."""
    from ray.serve.llm import build_llm_deployment

    config = dict(config or {})
    gateway = GatewaySettings(**config.pop("gateway", {}))
    engine = EngineSettings(**config)
    specs = engine.served_models()
    handles = {
        spec.name: build_llm_deployment(build_llm_config(spec, engine), deployment_cls=EngineServer) for spec in specs if spec.backend == "vllm"
    }
    ingress = GatewayDeployment.options(num_replicas=gateway.replicas, ray_actor_options={"num_cpus": gateway.num_cpus})
    return ingress.bind(handles, [s.model_dump() for s in specs], gateway.model_dump(mode="json"))
