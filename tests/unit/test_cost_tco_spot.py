"""``llmops cost tco`` arithmetic and ``llmops cost spot`` against Kubernetes API fixtures.

The NodeList/PodList fixtures are constructed in the real API's shape, not recorded from a
cluster (tests/fixtures/k8s/README.md); they go through the kubernetes client's models."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitoring.cost import spot
from monitoring.cost.tco import TCOInputs, tco
from services.cli import app

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "k8s"


def test_tco_by_hand():
    r = tco(
        TCOInputs(
            gpu_hour_usd=2.0,
            tokens_per_second=500,
            utilisation=0.5,
            spot_discount=0.6,
            power_watts=400,
            pue=1.5,
            grid_gco2_per_kwh=300,
        )
    )
    # $0.80/h for 900,000 tokens/h; 0.6 kWh/h
    assert r.effective_hour_usd == pytest.approx(0.8)
    assert r.tokens_per_hour == pytest.approx(900_000)
    assert r.usd_per_1m_tokens == pytest.approx(0.8 / 0.9)
    assert r.kwh_per_1m_tokens == pytest.approx(0.6 / 0.9)
    assert r.gco2e_per_1m_tokens == pytest.approx(200.0)


def test_tco_rejects_nonsense():
    with pytest.raises(ValueError):
        TCOInputs(gpu_hour_usd=1.0, tokens_per_second=0)
    with pytest.raises(ValueError):
        TCOInputs(gpu_hour_usd=1.0, tokens_per_second=10, utilisation=1.5)


def test_tco_cli_prints_json_last():
    result = CliRunner().invoke(
        app,
        [
            "cost",
            "tco",
            "--gpu-hour-usd",
            "2",
            "--tokens-per-second",
            "500",
            "--utilisation",
            "0.5",
            "--spot-discount",
            "0.6",
        ],
    )
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.strip().splitlines()[-1])
    assert last["usd_per_1m_tokens"] == pytest.approx(0.8 / 0.9) and last["measured"] is False
    bad = CliRunner().invoke(app, ["cost", "tco", "--gpu-hour-usd", "2"])
    assert bad.exit_code == 2 and "tokens-per-second" in bad.output


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"karpenter.sh/capacity-type": "spot"}, "spot"),
        ({"eks.amazonaws.com/capacityType": "ON_DEMAND"}, "on-demand"),
        ({"cloud.google.com/gke-spot": "true"}, "spot"),
        ({"cloud.google.com/gke-nodepool": "default"}, "on-demand"),
        ({"kubernetes.azure.com/scalesetpriority": "spot"}, "spot"),
        ({}, "unknown"),
    ],
)
def test_capacity_type(labels, expected):
    assert spot.capacity_type(labels) == expected


def _lists():
    return spot.deserialize((FIXTURES / "nodelist.json").read_text(), "V1NodeList"), spot.deserialize(
        (FIXTURES / "podlist.json").read_text(), "V1PodList"
    )


def test_spot_report_and_recommendations():
    prices = spot.load_instance_prices(ROOT / "config" / "instance_prices.yaml")
    nodes, pods = _lists()
    rows = {n.name.split(".")[0]: n for n in spot.report(nodes, pods, prices)}
    assert rows["ip-10-0-2-20"].capacity == "spot" and rows["ip-10-0-2-20"].hourly_usd == 0.42
    assert rows["ip-10-0-2-22"].capacity == "on-demand" and len(rows["ip-10-0-2-22"].pods) == 2
    assert len(rows["ip-10-0-2-21"].pods) == 1, "a finished pod is not a replica"
    recs = spot.recommend(list(rows.values()), prices, min_on_demand_workers=1)
    moves = [(r.action, r.node.split(".")[0]) for r in recs]
    # g5.2xlarge saves 1.212 - 0.51 = 0.702/h; the g5.xlarge (saves 0.586) stays on-demand as the one kept
    assert ("move-workers-to-spot", "ip-10-0-2-22") in moves and ("move-workers-to-spot", "ip-10-0-2-21") not in moves
    assert ("no-llmops-pods", "ip-10-0-3-30") in moves
    assert sum(r.saving_usd_per_hour for r in recs) == pytest.approx(0.702)
    everything = spot.recommend(list(rows.values()), prices, min_on_demand_workers=0)
    assert sum(r.saving_usd_per_hour for r in everything) == pytest.approx(0.702 + 0.586)


def test_head_on_spot_is_flagged():
    prices = spot.load_instance_prices(ROOT / "config" / "instance_prices.yaml")
    nodes, pods = _lists()
    head = next(p for p in pods.items if p.metadata.labels["ray.io/node-type"] == "head")
    head.spec.node_name = "ip-10-0-2-20.ec2.internal"  # onto the spot node
    recs = spot.recommend(spot.report(nodes, pods, prices), prices)
    (move,) = [r for r in recs if r.action == "move-head-to-on-demand"]
    assert move.node.startswith("ip-10-0-2-20") and move.saving_usd_per_hour == pytest.approx(-(1.006 - 0.42))


def test_spot_cli_with_fixtures():
    args = [
        "cost",
        "spot",
        "--nodes-json",
        str(FIXTURES / "nodelist.json"),
        "--pods-json",
        str(FIXTURES / "podlist.json"),
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert len(out["nodes"]) == 5 and out["saving_usd_per_hour"] == pytest.approx(0.702)
