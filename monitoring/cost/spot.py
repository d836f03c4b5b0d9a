"""Spot report: the cluster's nodes by capacity type and instance type, their hourly price and
the llmops replicas (KubeRay pods) on them, with recommended moves.

Reads NodeList and PodList through the ``kubernetes`` client (a live cluster, or saved API
responses deserialised into the same models). Capacity type comes from the labels that
Karpenter, EKS, GKE and AKS put on nodes. Recommendations:

* a Ray head on a spot node: move it to on-demand (an interruption restarts the whole app);
* nodes running only Ray workers on on-demand capacity whose instance type has a spot price:
  move them to spot (Serve replaces a lost replica), keeping ``min_on_demand_workers`` nodes
  on on-demand so that a spot reclaim never takes every engine;
* nodes without llmops pods: listed, as capacity llmops does not use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

ROLE_LABEL = "ray.io/node-type"  # set by KubeRay on head and worker pods
INSTANCE_TYPE_LABELS = ("node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type")


class InstancePrice(BaseModel):
    on_demand: float = Field(ge=0, description="On-demand price per hour (USD).")
    spot: float | None = Field(None, ge=0, description="Typical spot price per hour (USD); none when not offered.")


def load_instance_prices(path: Path) -> dict[str, InstancePrice]:
    raw = yaml.safe_load(Path(path).read_text()) or {}
    return {name: InstancePrice.model_validate(v) for name, v in (raw.get("instances") or {}).items()}


def capacity_type(labels: dict[str, str]) -> str:
    """spot, on-demand, or unknown, from the labels cloud providers and Karpenter set."""
    value = (
        labels.get("karpenter.sh/capacity-type")
        or labels.get("eks.amazonaws.com/capacityType")
        or labels.get("node.kubernetes.io/lifecycle")
    )
    if value:
        return "spot" if value.lower() == "spot" else "on-demand"
    if labels.get("cloud.google.com/gke-spot") == "true" or labels.get("cloud.google.com/gke-preemptible") == "true":
        return "spot"
    if labels.get("kubernetes.azure.com/scalesetpriority") == "spot":
        return "spot"
    if any(k in labels for k in ("cloud.google.com/gke-nodepool", "kubernetes.azure.com/agentpool")):
        return "on-demand"
    return "unknown"


@dataclass
class NodeReport:
    name: str
    instance_type: str
    capacity: str
    hourly_usd: float | None
    pods: list[tuple[str, str, str]] = field(default_factory=list)  # (namespace, name, role)

    @property
    def roles(self) -> set[str]:
        return {role for _, _, role in self.pods}


@dataclass
class Recommendation:
    action: str
    node: str
    detail: str
    saving_usd_per_hour: float


def deserialize(text: str, kind: str) -> Any:
    """A saved API response (JSON) as the kubernetes client's model, e.g. ``V1NodeList``."""
    from kubernetes.client import ApiClient

    return ApiClient().deserialize(text, kind, "application/json")


def live_lists(pod_selector: str, kubeconfig: str | None = None) -> tuple[Any, Any]:
    from kubernetes import client, config

    try:
        config.load_incluster_config()
    except config.ConfigException:
        config.load_kube_config(config_file=kubeconfig)
    api = client.CoreV1Api()
    return api.list_node(), api.list_pod_for_all_namespaces(label_selector=pod_selector)


def report(nodes: Any, pods: Any, prices: dict[str, InstancePrice]) -> list[NodeReport]:
    out: dict[str, NodeReport] = {}
    for node in nodes.items:
        labels = node.metadata.labels or {}
        instance = next((labels[k] for k in INSTANCE_TYPE_LABELS if k in labels), "unknown")
        cap = capacity_type(labels)
        price = prices.get(instance)
        hourly = None if price is None else (price.spot if cap == "spot" else price.on_demand)
        out[node.metadata.name] = NodeReport(node.metadata.name, instance, cap, hourly)
    for pod in pods.items:
        labels = pod.metadata.labels or {}
        if (
            ROLE_LABEL not in labels
            or pod.spec.node_name not in out
            or (pod.status and pod.status.phase in ("Succeeded", "Failed"))
        ):
            continue
        out[pod.spec.node_name].pods.append((pod.metadata.namespace, pod.metadata.name, labels[ROLE_LABEL]))
    return sorted(out.values(), key=lambda n: n.name)


def recommend(
    nodes: list[NodeReport], prices: dict[str, InstancePrice], *, min_on_demand_workers: int = 1
) -> list[Recommendation]:
    recs = []
    for n in nodes:
        if "head" in n.roles and n.capacity == "spot":
            price = prices.get(n.instance_type)
            extra = (price.on_demand - (price.spot or 0)) if price else 0.0
            recs.append(
                Recommendation(
                    "move-head-to-on-demand",
                    n.name,
                    "the Ray head (GCS, Serve controller) must not be reclaimed",
                    -extra,
                )
            )
    workers_on_demand = [n for n in nodes if n.capacity == "on-demand" and n.roles == {"worker"}]
    movable = [n for n in workers_on_demand if (p := prices.get(n.instance_type)) is not None and p.spot is not None]
    # the nodes kept on on-demand are those whose move would save least
    movable.sort(key=lambda n: prices[n.instance_type].on_demand - (prices[n.instance_type].spot or 0))
    keep = max(0, min_on_demand_workers - (len(workers_on_demand) - len(movable)))
    for n in movable[keep:]:
        p = prices[n.instance_type]
        recs.append(
            Recommendation(
                "move-workers-to-spot",
                n.name,
                f"{len(n.pods)} worker pod(s) on on-demand {n.instance_type}; spot ${p.spot:.3f}/h",
                p.on_demand - p.spot,
            )  # type: ignore[operator]
        )
    for n in nodes:
        if not n.pods:
            recs.append(
                Recommendation("no-llmops-pods", n.name, f"{n.capacity} {n.instance_type} runs no llmops replica", 0.0)
            )
    return recs


def as_json(nodes: list[NodeReport], recs: list[Recommendation]) -> str:
    return json.dumps(
        {
            "nodes": [
                {
                    "name": n.name,
                    "instance_type": n.instance_type,
                    "capacity": n.capacity,
                    "hourly_usd": n.hourly_usd,
                    "pods": [list(p) for p in n.pods],
                }
                for n in nodes
            ],
            "recommendations": [r.__dict__ for r in recs],
            "saving_usd_per_hour": round(sum(r.saving_usd_per_hour for r in recs), 4),
        }
    )
