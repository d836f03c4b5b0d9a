"""The A/B router as plain Python: a routing table per public model name, and assignment.

The table is built from the registry's aliases (which version is ``champion``/``challenger``)
and ``config/experiments.yaml``. A model without an experiment routes every request to its
champion (or, with no registry entry, to its one static engine). A model with an experiment
assigns each request to a variant:

- **sticky**: the unit (the OpenAI ``user`` field, else the API key id) is hashed with the
  experiment name (BLAKE2b, 64 bits) to a point in [0, 1); the variant is the one whose
  cumulative weight interval holds the point. No state, so every gateway replica and every
  restart assigns a unit the same way. Requests with neither user nor key hash their request id.
- **canary**: the ramped variant takes the first ``share`` of [0, 1) and the others split the
  rest by weight, so a unit in the canary at 5% stays in it at 25%. A halted canary gets 0.
- **override**: ``X-Llmops-Variant: NAME`` picks a variant, for key ids the experiment allows.
- **shadow**: a separate hash of the request id sends ``share`` of requests to the shadow
  variant as well; the gateway mirrors them in the background and never returns their answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from services.router.experiments import Experiment, Variant

# (public model name, alias or version) -> registered version number, or None when not registered
VersionResolver = Callable[[str, int | str], int | None]
# experiment name -> current canary share (None: not ramping / use configured weights)
CanaryShares = Callable[[str], float | None]
# (public model name, registered version) -> (version whose engine serves it, LoRA adapter folder or None):
# a version of kind lora runs on its parent version's engine (services/router/service.py registry_targets)
VersionTargets = Callable[[str, int], tuple[int, str | None]]


class RoutingError(Exception):
    """A routing table could not be built (unknown version or alias); the old table stays."""


class VariantOverrideError(Exception):
    """The X-Llmops-Variant header was refused; ``allowed`` says whether the key may override at all."""

    def __init__(self, message: str, *, allowed: bool):
        super().__init__(message)
        self.allowed = allowed


@dataclass(frozen=True)
class Arm:
    """Where one variant's requests go and what it changes in them."""

    model: str  # public model name
    variant: str  # variant name ("champion" / "v3" outside experiments)
    version: int | None  # registry version; None: the model's static engine
    weight: float = 1.0
    experiment: str | None = None
    system_prompt: str | None = None
    sampling: Mapping[str, float | int] = field(default_factory=dict)
    engine_version: int | None = None  # the version whose engine serves this arm (a LoRA version's base)
    adapter: str | None = None  # the LoRA adapter folder applied on that engine

    @property
    def engine_key(self) -> tuple[str, int | None]:
        return (self.model, self.engine_version if self.adapter is not None else self.version)


@dataclass(frozen=True)
class Assignment:
    arm: Arm
    shadow: Arm | None = None
    reason: str = "split"  # split | sticky | override | default


def unit_point(experiment: str, unit: str, purpose: str = "split") -> float:
    """Deterministic point in [0, 1) for (experiment, unit): same on every host and restart."""
    digest = hashlib.blake2b(f"{purpose}\x00{experiment}\x00{unit}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


@dataclass
class ModelRoute:
    model: str
    arms: list[Arm]  # in cumulative order; canary arm (if any) first
    experiment: Experiment | None = None
    shadow: Arm | None = None

    def weights(self, canary_share: float | None) -> list[float]:
        exp = self.experiment
        if exp is None or exp.canary is None or canary_share is None:
            return [a.weight for a in self.arms]
        others = [a for a in self.arms if a.variant != exp.canary.variant]
        rest = sum(a.weight for a in others)
        out = []
        for arm in self.arms:
            if arm.variant == exp.canary.variant:
                out.append(canary_share)
            elif rest > 0:
                out.append((1 - canary_share) * arm.weight / rest)
            else:
                out.append((1 - canary_share) / len(others))
        return out


class Router:
    """Routing tables for every public model; ``assign`` is pure and fast (no I/O)."""

    def __init__(
        self,
        experiments: list[Experiment],
        *,
        models: list[str],
        resolve: VersionResolver | None = None,
        canary_shares: CanaryShares | None = None,
        targets: VersionTargets | None = None,
    ):
        self.experiments = {e.name: e for e in experiments}
        self.canary_shares = canary_shares or (lambda _name: None)
        self.routes = self._build(experiments, models, resolve or (lambda _m, _r: None), targets)

    @staticmethod
    def _build(
        experiments: list[Experiment], models: list[str], resolve: VersionResolver, targets: VersionTargets | None
    ) -> dict[str, ModelRoute]:
        routes: dict[str, ModelRoute] = {}
        for model in models:
            champion = resolve(model, "champion")
            name = "champion" if champion is not None else "default"
            routes[model] = ModelRoute(model, [_targeted(Arm(model, name, champion), targets)])
        for exp in experiments:
            if exp.model not in routes:
                raise RoutingError(f"experiment '{exp.name}': model '{exp.model}' is not served")
            arms = []
            for v in exp.variants:
                arms.append(_targeted(_arm(exp, v, resolve), targets))
            if exp.canary is not None:
                arms.sort(key=lambda a: a.variant != exp.canary.variant)  # canary first (stable)
            shadow = next((a for a in arms if exp.shadow and a.variant == exp.shadow.variant), None)
            routes[exp.model] = ModelRoute(exp.model, [a for a in arms if a.weight > 0 or exp.canary], exp, shadow)
        return routes

    def experiment_for(self, model: str) -> Experiment | None:
        route = self.routes.get(model)
        return route.experiment if route else None

    def engine_keys(self) -> set[tuple[str, int | None]]:
        """Every (model, version) some request may be sent to (primary or shadow)."""
        keys = {arm.engine_key for r in self.routes.values() for arm in r.arms}
        keys |= {r.shadow.engine_key for r in self.routes.values() if r.shadow is not None}
        return keys

    def assign(
        self,
        model: str,
        *,
        request_id: str,
        user: str | None = None,
        key_id: str | None = None,
        override: str | None = None,
    ) -> Assignment:
        route = self.routes[model]
        exp = route.experiment
        if exp is None:
            if override is not None:
                raise VariantOverrideError(f"model '{model}' runs no experiment to choose a variant of", allowed=True)
            return Assignment(route.arms[0], reason="default")
        shadow = None
        if route.shadow is not None and exp.shadow is not None:
            if unit_point(exp.name, request_id, "shadow") < exp.shadow.share:
                shadow = route.shadow
        if override is not None:
            if key_id is None or key_id not in exp.override_keys:
                raise VariantOverrideError("this API key may not choose a variant", allowed=False)
            candidates = [*route.arms, *([route.shadow] if route.shadow is not None else [])]
            arm = next((a for a in candidates if a.variant == override), None)
            if arm is None:
                names = sorted({a.variant for a in candidates})
                raise VariantOverrideError(f"unknown variant '{override}'; variants: {names}", allowed=True)
            return Assignment(arm, shadow if shadow is not arm else None, reason="override")
        unit = (user if exp.sticky_by == "user" and user else None) or key_id
        point = unit_point(exp.name, unit if unit else request_id)
        weights = route.weights(self.canary_shares(exp.name) if exp.canary else None)
        arm = route.arms[-1]
        cumulative = 0.0
        for candidate, weight in zip(route.arms, weights, strict=True):
            cumulative += weight
            if point < cumulative:
                arm = candidate
                break
        if shadow is arm:
            shadow = None
        return Assignment(arm, shadow, reason="sticky" if unit else "split")


def _arm(exp: Experiment, variant: Variant, resolve: VersionResolver) -> Arm:
    version = resolve(exp.model, variant.version)
    if version is None and variant.version != "champion":
        raise RoutingError(
            f"experiment '{exp.name}', variant '{variant.name}': model '{exp.model}' has no version {variant.version!r}"
        )
    return Arm(
        model=exp.model,
        variant=variant.name,
        version=version,
        weight=variant.weight,
        experiment=exp.name,
        system_prompt=variant.system_prompt,
        sampling=dict(variant.sampling),
    )


def _targeted(arm: Arm, targets: VersionTargets | None) -> Arm:
    """The arm with the engine that serves its version (itself, or a LoRA version's base)."""
    if targets is None or arm.version is None:
        return arm
    engine_version, adapter = targets(arm.model, arm.version)
    return replace(arm, engine_version=engine_version, adapter=adapter)


def apply_variant(arm: Arm, route: str, payload: dict[str, Any], fields_set: set[str]) -> dict[str, Any]:
    """The engine payload with the arm's system prompt and sampling defaults applied.

    Sampling values the client set explicitly win; the system prompt replaces the request's
    system message (or is prepended) on chat requests only."""
    if not arm.system_prompt and not arm.sampling:
        return payload
    out = dict(payload)
    for key, value in arm.sampling.items():
        if key not in fields_set:
            out[key] = value
    if arm.system_prompt and route == "chat":
        messages = [m for m in out.get("messages", []) if m.get("role") not in ("system", "developer")]
        out["messages"] = [{"role": "system", "content": arm.system_prompt}, *messages]
    return out
