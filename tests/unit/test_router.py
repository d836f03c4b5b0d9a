"""The A/B router: weighted split, stickiness, overrides, shadow, canary shares, config validation."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from services.router.experiments import ExperimentConfigError, load_experiments, parse_experiments
from services.router.router import Router, RoutingError, VariantOverrideError, apply_variant, unit_point
from tests.ab_fixtures import ab_experiment

MODEL = "smollm2-135m-instruct"


def experiment(**overrides: Any) -> dict:
    return ab_experiment(MODEL, **{"name": "exp1", "weights": (0.7, 0.3), "override_keys": ["admin"], **overrides})


def resolver(model: str, ref: int | str) -> int | None:
    return {"champion": 1, "challenger": 2, 1: 1, 2: 2, 3: 3}.get(ref)


def router_for(*exps: dict, shares: dict | None = None) -> Router:
    return Router(
        parse_experiments({"experiments": list(exps)}),
        models=[MODEL, "other"],
        resolve=resolver,
        canary_shares=(shares or {}).get,
    )


def test_split_follows_the_weights_within_two_points() -> None:
    three = experiment(
        variants=[
            {"name": "a", "version": 1, "weight": 0.5},
            {"name": "b", "version": 2, "weight": 0.3},
            {"name": "c", "version": 3, "weight": 0.2},
        ]
    )
    router = router_for(three)
    counts = Counter(router.assign(MODEL, request_id=f"r{i}", user=f"user-{i}").arm.variant for i in range(20_000))
    for name, weight in {"a": 0.5, "b": 0.3, "c": 0.2}.items():
        assert abs(counts[name] / 20_000 - weight) <= 0.02, counts


def test_sticky_across_two_router_instances_and_by_key() -> None:
    first, second = router_for(experiment()), router_for(experiment())
    for i in range(2_000):
        a = first.assign(MODEL, request_id=f"x{i}", user=f"u{i}").arm
        b = second.assign(MODEL, request_id=f"y{i}", user=f"u{i}").arm  # other request id, same user
        assert (a.variant, a.version) == (b.variant, b.version)
    by_key = {first.assign(MODEL, request_id=f"k{i}", key_id="key-7").arm.variant for i in range(50)}
    assert len(by_key) == 1
    # the hash is fixed (not Python's salted hash()): the same point on every host
    assert unit_point("exp1", "u1") == pytest.approx(unit_point("exp1", "u1"))
    assert 0 <= unit_point("exp1", "u1") < 1


def test_sticky_by_key_ignores_the_user_field() -> None:
    router = router_for(experiment(sticky_by="key"))
    variants = {router.assign(MODEL, request_id=f"r{i}", user=f"u{i}", key_id="k").arm.variant for i in range(200)}
    assert len(variants) == 1


def test_models_without_experiment_route_to_their_champion() -> None:
    router = router_for(experiment())
    arm = router.assign("other", request_id="r").arm
    assert (arm.variant, arm.version, arm.experiment) == ("champion", 1, None)
    unregistered = Router([], models=["m"], resolve=lambda m, r: None)
    assert unregistered.assign("m", request_id="r").arm.version is None


def test_header_override_only_for_allowed_keys() -> None:
    router = router_for(experiment())
    assert router.assign(MODEL, request_id="r", key_id="admin", override="treatment").arm.variant == "treatment"
    with pytest.raises(VariantOverrideError) as refused:
        router.assign(MODEL, request_id="r", key_id="someone", override="treatment")
    assert not refused.value.allowed
    with pytest.raises(VariantOverrideError, match="unknown variant") as unknown:
        router.assign(MODEL, request_id="r", key_id="admin", override="nope")
    assert unknown.value.allowed


def test_shadow_share_and_never_the_primary() -> None:
    exp = experiment(
        variants=[
            {"name": "control", "version": 1, "weight": 1.0},
            {"name": "candidate", "version": 2, "weight": 0.0},
        ],
        shadow={"variant": "candidate", "share": 0.25},
    )
    router = router_for(exp)
    assignments = [router.assign(MODEL, request_id=f"r{i}", user="same-user") for i in range(8_000)]
    assert all(a.arm.variant == "control" for a in assignments)
    mirrored = sum(a.shadow is not None for a in assignments) / len(assignments)
    assert abs(mirrored - 0.25) <= 0.02  # per request, not per user
    assert {a.shadow.version for a in assignments if a.shadow} == {2}


def test_canary_ramp_keeps_units_in_the_canary() -> None:
    exp = experiment(canary={"variant": "treatment", "steps": [0.05, 0.25, 0.5]})
    at5 = router_for(exp, shares={"exp1": 0.05})
    at25 = router_for(exp, shares={"exp1": 0.25})
    halted = router_for(exp, shares={"exp1": 0.0})
    users = [f"u{i}" for i in range(10_000)]
    in5 = {u for u in users if at5.assign(MODEL, request_id=u, user=u).arm.variant == "treatment"}
    in25 = {u for u in users if at25.assign(MODEL, request_id=u, user=u).arm.variant == "treatment"}
    assert abs(len(in5) / len(users) - 0.05) < 0.02 and abs(len(in25) / len(users) - 0.25) < 0.02
    assert in5 <= in25
    assert not any(halted.assign(MODEL, request_id=u, user=u).arm.variant == "treatment" for u in users[:2000])


def test_prompt_variant_rewrites_system_prompt_and_sampling_defaults() -> None:
    exp = experiment(
        variants=[
            {"name": "control", "weight": 0.5},
            {
                "name": "concise",
                "weight": 0.5,
                "system_prompt": "Be brief.",
                "sampling": {"temperature": 0.2, "max_tokens": 32},
            },
        ]
    )
    router = router_for(exp)
    arm = router.assign(MODEL, request_id="r", key_id="admin", override="concise").arm
    assert arm.version == 1  # same weights as the control
    payload = {"messages": [{"role": "system", "content": "old"}, {"role": "user", "content": "hi"}], "max_tokens": 5}
    out = apply_variant(arm, "chat", payload, fields_set={"messages", "max_tokens"})
    assert out["messages"][0] == {"role": "system", "content": "Be brief."} and len(out["messages"]) == 2
    assert out["max_tokens"] == 5 and out["temperature"] == 0.2  # the client's value wins
    assert payload["messages"][0]["content"] == "old"  # the original is not mutated


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"variants": [{"name": "a", "weight": 0.5}, {"name": "b", "weight": 0.4}]}, "sum to 0.9"),
        ({"variants": [{"name": "a", "weight": 0.5}, {"name": "a", "weight": 0.5}]}, "duplicate variant"),
        ({"variants": [{"name": "a", "weight": 1.0}]}, "at least 2"),
        ({"shadow": {"variant": "ghost", "share": 0.1}}, "shadow variant 'ghost'"),
        ({"canary": {"variant": "treatment", "steps": [0.5, 0.25]}}, "increase strictly"),
        ({"variants": [{"name": "a", "weight": 0.5, "version": "best"}, {"name": "b", "weight": 0.5}]}, "alias"),
        ({"variants": [{"name": "a", "weight": 0.5, "sampling": {"top_k": 3}}, {"name": "b", "weight": 0.5}]}, "top_k"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_invalid_experiments_are_refused(change: dict, message: str) -> None:
    with pytest.raises(ExperimentConfigError, match=message):
        parse_experiments({"experiments": [experiment(**change)]})


def test_two_experiments_on_one_model_refused_and_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ExperimentConfigError, match="more than one experiment"):
        parse_experiments({"experiments": [experiment(), experiment(name="exp2")]})
    with pytest.raises(ExperimentConfigError, match="not found"):
        load_experiments(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("experiments: [\n")
    with pytest.raises(ExperimentConfigError, match="not valid YAML"):
        load_experiments(bad)


def test_unknown_versions_and_models_refuse_the_table() -> None:
    exp = parse_experiments({"experiments": [experiment()]})
    with pytest.raises(RoutingError, match="no version 'challenger'"):
        Router(exp, models=[MODEL], resolve=lambda m, r: 1 if r == "champion" else None)
    with pytest.raises(RoutingError, match="not served"):
        Router(exp, models=["other"], resolve=resolver)


def test_shipped_experiments_file_is_valid() -> None:
    path = Path(__file__).parents[2] / "config" / "experiments.yaml"
    for exp in load_experiments(path):
        assert abs(sum(v.weight for v in exp.variants) - 1) < 1e-9
