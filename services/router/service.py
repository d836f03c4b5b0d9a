"""RouterService: the router's table kept current, outcomes recorded, canaries ramped.

Plain Python; the gateway's routing stage holds one per replica (the table is a pure function
of the registry aliases, the experiments file and the canary state in the shared store, so
replicas agree without talking to each other). ``reload()`` rebuilds the table; a bad file or
an alias pointing at a missing version keeps the old table and reports the error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from services.router.config import RouterSettings
from services.router.experiments import Experiment, ExperimentConfigError, load_experiments
from services.router.router import Router, RoutingError
from services.router.store import ExperimentStore, Outcome

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CanaryDecision:
    experiment: str
    step: int
    state: str  # running | halted | done
    share: float
    reason: str | None = None


class CanaryController:
    """Ramps a canary through its steps; halts it (share 0) when a guardrail is breached."""

    def __init__(self, store: ExperimentStore):
        self.store = store

    def share(self, exp: Experiment) -> float | None:
        if exp.canary is None:
            return None
        state = self.store.canary(exp.name)
        if state is None:
            return exp.canary.steps[0]
        if state["state"] == "halted":
            return 0.0
        return exp.canary.steps[min(state["step"], len(exp.canary.steps) - 1)]

    def evaluate(self, exp: Experiment, now: float | None = None) -> CanaryDecision | None:
        canary = exp.canary
        if canary is None:
            return None
        state = self.store.canary(exp.name)
        if state is None:
            self.store.set_canary(exp.name, step=0, state="running")
            state = self.store.canary(exp.name)
        assert state is not None
        step, status = state["step"], state["state"]
        if status != "running":
            return CanaryDecision(exp.name, step, status, self.share(exp) or 0.0, state["reason"])
        rows = [
            r for r in self.store.outcomes(exp.name, since=state["step_started_at"]) if r["variant"] == canary.variant
        ]
        if len(rows) < canary.min_requests:
            return CanaryDecision(exp.name, step, "running", canary.steps[step], f"{len(rows)} requests at this step")
        errors = sum(r["status"] >= 500 for r in rows) / len(rows)
        blocks = sum(bool(r["blocked"]) for r in rows) / len(rows)
        latencies = [r["latency_s"] for r in rows if r["latency_s"] is not None and r["status"] < 400]
        p95 = float(np.quantile(latencies, 0.95)) if latencies else 0.0
        breaches = [
            f"{what} {value:.3g} > {limit:.3g}"
            for what, value, limit in (
                ("error rate", errors, canary.max_error_rate),
                ("p95 latency", p95, canary.max_p95_latency_s),
                ("block rate", blocks, canary.max_block_rate),
            )
            if value > limit
        ]
        if breaches:
            reason = "halted at step {} ({:.0%}): {}".format(step, canary.steps[step], "; ".join(breaches))
            self.store.set_canary(exp.name, step=step, state="halted", reason=reason, expect_step=step)
            log.warning("canary %s %s", exp.name, reason)
            return CanaryDecision(exp.name, step, "halted", 0.0, reason)
        if step + 1 < len(canary.steps):
            self.store.set_canary(exp.name, step=step + 1, state="running", expect_step=step)
            return CanaryDecision(exp.name, step + 1, "running", canary.steps[step + 1], "guardrails held")
        self.store.set_canary(exp.name, step=step, state="done", reason="all steps passed", expect_step=step)
        return CanaryDecision(exp.name, step, "done", canary.steps[step], "all steps passed")


class RouterService:
    def __init__(
        self,
        settings: RouterSettings,
        *,
        models: list[str],
        resolver: Callable[[str, int | str], int | None] | None = None,
        store: ExperimentStore | None = None,
        experiments: list[Experiment] | None = None,
        engines_ready: Callable[[set[tuple[str, int | None]]], bool] | None = None,
        targets: Callable[[str, int], tuple[int, str | None]] | None = None,
    ):
        self.engines_ready = engines_ready
        self.targets = targets
        self.settings = settings
        self.models = list(models)
        self.resolver = resolver
        self.store = store
        self.canary = CanaryController(store) if store is not None else None
        self._fixed_experiments = experiments
        self._shares: dict[str, float | None] = {}
        self.last_error: str | None = None
        self.loaded_at = 0.0
        self.router = Router([], models=self.models)
        self.reload(raise_errors=True)

    def experiments(self) -> list[Experiment]:
        if self._fixed_experiments is not None:
            return self._fixed_experiments
        path = self.settings.experiments_file
        if path is None or not path.exists():
            return []
        return load_experiments(path)

    def reload(self, *, raise_errors: bool = False) -> bool:
        """Rebuild the table. Returns whether the engines it needs changed."""
        try:
            experiments = self.experiments()
            if self.canary is not None:
                self._shares = {e.name: self.canary.share(e) for e in experiments if e.canary}
            router = Router(
                experiments,
                models=self.models,
                resolve=self._resolve,
                canary_shares=self._shares.get,
                targets=self.targets,
            )
        except (ExperimentConfigError, RoutingError) as exc:
            if raise_errors:
                raise
            if str(exc) != self.last_error:  # once per distinct error, not at every reload interval
                log.error("routing table not reloaded, keeping the previous one: %s", exc)
            self.last_error = str(exc)
            return False
        changed = router.engine_keys() != self.router.engine_keys()
        if (
            changed
            and self.engines_ready is not None
            and self.loaded_at
            and not self.engines_ready(router.engine_keys())
        ):
            self.last_error = "the new routing table's engine applications are not all running yet"
            log.info("routing table not switched yet: %s", self.last_error)
            return False
        self.router, self.last_error, self.loaded_at = router, None, time.time()
        return changed

    def _resolve(self, model: str, ref: int | str) -> int | None:
        if self.resolver is None:
            if isinstance(ref, int) or ref == "challenger":
                raise RoutingError(f"model '{model}': version {ref!r} needs the registry (router use_registry)")
            return None
        return self.resolver(model, ref)

    def tick_canaries(self) -> list[Any]:
        if self.canary is None:
            return []
        decisions = [self.canary.evaluate(e) for e in self.router.experiments.values() if e.canary]
        self.reload()
        return decisions

    def record(self, outcome: Outcome) -> None:
        if self.store is not None:
            self.store.record([outcome])


def registry_resolver(registry: Any) -> Callable[[str, int | str], int | None]:
    """Resolve (model, alias or version) through the model registry; None when the model is not registered
    (it then routes to its static engine). A missing alias or version raises RoutingError."""
    from services.registry.service import RegistryError

    def resolve(model: str, ref: int | str) -> int | None:
        try:
            info = registry.get_model(model)
        except RegistryError:
            if ref == "champion":
                return None
            raise RoutingError(f"model '{model}' is not registered; cannot route to version {ref!r}") from None
        if isinstance(ref, int):
            if ref not in {v.version for v in info.versions}:
                raise RoutingError(f"model '{model}' has no version {ref}")
            return ref
        if ref not in info.aliases:
            if ref == "champion":
                return None
            raise RoutingError(f"model '{model}' has no alias '{ref}'")
        return info.aliases[ref]

    return resolve


def registry_targets(
    registry: Any, max_lora_ranks: dict[str, int | None]
) -> Callable[[str, int], tuple[int, str | None]]:
    """(model, version) -> (the version whose engine serves it, the LoRA adapter folder or None).

    A version of kind ``lora`` runs on the engine of its ``parent_version`` (an ``hf`` version)
    with its adapter; it needs its model served with ``max_lora_rank`` (``max_lora_ranks``: the
    served models' settings) at least the adapter's rank. Anything else raises RoutingError, so
    the routing table (and the engine plan) is refused before an engine starts. Versions never
    change, so answers are cached."""
    from services.common.adapters import AdapterError, read_adapter

    cache: dict[tuple[str, int], tuple[int, str | None]] = {}

    def target(model: str, version: int) -> tuple[int, str | None]:
        if (model, version) in cache:
            return cache[(model, version)]
        info = registry.get_version(model, version)
        if info.kind != "lora":
            cache[(model, version)] = (version, None)
            return version, None
        what = f"{model} v{version} (LoRA adapter)"
        parent = info.parent_version
        if parent is None:
            raise RoutingError(f"{what}: no parent_version tag names the base version it was trained on")
        base = registry.get_version(model, parent)
        if base.kind != "hf":
            raise RoutingError(f"{what}: its base v{parent} is of kind {base.kind}, not an hf model")
        path = info.local_path()
        if path is None:
            raise RoutingError(f"{what}: artifact {info.source} is not a local folder")
        try:
            adapter = read_adapter(path, what=what)
        except AdapterError as exc:
            raise RoutingError(str(exc)) from None
        max_rank = max_lora_ranks.get(model)
        if max_rank is None:
            raise RoutingError(f"{what}: model '{model}' is served without LoRA; set max_lora_rank on it")
        if adapter.rank > max_rank:
            raise RoutingError(f"{what}: LoRA rank {adapter.rank} is above model '{model}''s max_lora_rank {max_rank}")
        cache[(model, version)] = (parent, str(adapter.path))
        return cache[(model, version)]

    return target


def registry_backends(registry: Any) -> Callable[[str, int], str]:
    """(model, version) -> the backend whose engine serves that version (``vllm`` | ``onnx``),
    from its ``engine`` tag (``services/common/engine_apps.version_backend``); RoutingError naming
    the version for an engine llmops does not serve. Only the engine plan and the gateway's
    engine lookup ask: the routing itself does not care which engine serves an arm. Cached
    (versions never change)."""
    from services.common.engine_apps import version_backend

    cache: dict[tuple[str, int], str] = {}

    def backend(model: str, version: int) -> str:
        if (model, version) not in cache:
            info = registry.get_version(model, version)
            try:
                cache[(model, version)] = version_backend(info.tags)
            except ValueError as exc:
                raise RoutingError(f"{model} v{version}: {exc}") from None
        return cache[(model, version)]

    return backend
