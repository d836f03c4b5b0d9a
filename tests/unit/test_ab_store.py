"""Experiment store (SQLite), POST /v1/feedback, the report's verdicts and the canary controller."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from services.router.config import RouterSettings
from services.router.experiments import ExperimentConfigError, parse_experiments
from services.router.feedback import FeedbackService
from services.router.report import build_report
from services.router.routes import add_feedback_route
from services.router.service import CanaryController, RouterService
from services.router.service import log as service_log
from services.router.store import ExperimentStore, Outcome, StoreError, sqlite_url, upgrade

MODEL = "m"


def exp_config(**extra: object) -> dict:
    return {
        "name": "e1",
        "model": MODEL,
        "variants": [{"name": "control", "weight": 0.5}, {"name": "treatment", "weight": 0.5}],
        **extra,
    }


@pytest.fixture
def store(tmp_path: Path) -> ExperimentStore:
    s = ExperimentStore(sqlite_url(tmp_path / "ab.db"))
    yield s
    s.close()


def outcome(rid: str, variant: str = "control", status: int = 200, **kw: object) -> Outcome:
    return Outcome(response_id=rid, model=MODEL, variant=variant, status=status, experiment="e1", latency_s=0.1, **kw)


def test_migrations_are_idempotent_and_feedback_rules(store: ExperimentStore, tmp_path: Path) -> None:
    ExperimentStore(sqlite_url(tmp_path / "ab.db")).close()  # upgrading again changes nothing
    store.record([outcome("r1"), outcome("r2", "treatment"), outcome("s1", "treatment", shadow=True)])
    fid = store.add_feedback("r1", rating_kind="thumbs", rating=1, comment="good")
    assert (
        store.feedback_for("r1")["id"] == fid.id
        and fid.variant == "control"
        and store.feedback_for("r1")["comment"] == "good"
    )
    with pytest.raises(StoreError) as dup:
        store.add_feedback("r1", rating_kind="thumbs", rating=0)
    assert dup.value.code == "duplicate_feedback"
    with pytest.raises(StoreError) as unknown:
        store.add_feedback("nope", rating_kind="scale", rating=3)
    assert unknown.value.code == "unknown_response_id"
    with pytest.raises(StoreError):
        store.add_feedback("s1", rating_kind="scale", rating=3)  # shadow answers were never returned
    store.add_feedback("r2", rating_kind=None, rating=None, other_response_id="r1", preferred="this")
    rows = store.feedback_rows("e1")
    assert [(r["variant"], r["other_variant"]) for r in rows] == [("control", None), ("treatment", "control")]


def test_upgrade_drops_the_unkeyed_user_hash_and_keeps_the_rest(tmp_path: Path) -> None:
    """A store made by revision 0001 (with ``unit_hash``, an unkeyed hash of the user field) opens
    with the current code: the column and its values are gone, rows, feedback and indexes kept."""
    url = sqlite_url(tmp_path / "old.db")
    upgrade(url, "0001")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO ab_assignments (response_id, created_at, experiment, variant, model, unit_hash,"
                " shadow, status, prompt_tokens, completion_tokens, blocked)"
                " VALUES ('old1', 1.0, 'e1', 'control', :m, 'a1b2c3d4e5f60718', 0, 200, 3, 4, 0)"
            ),
            {"m": MODEL},
        )
        conn.execute(
            sa.text(
                "INSERT INTO ab_feedback (response_id, created_at, rating_kind, rating)"
                " VALUES ('old1', 2.0, 'thumbs', 1)"
            )
        )
    store = ExperimentStore(url)
    try:
        inspector = sa.inspect(store.engine)
        assert "unit_hash" not in {c["name"] for c in inspector.get_columns("ab_assignments")}
        assert {i["name"] for i in inspector.get_indexes("ab_assignments")} >= {
            "ix_ab_assignments_created_at",
            "ix_ab_assignments_experiment",
        }
        assert [(r["response_id"], r["override"]) for r in store.outcomes("e1")] == [("old1", False)]
        store.record([outcome("new1", "treatment")])
        store.add_feedback("new1", rating_kind=None, rating=None, other_response_id="old1", preferred="this")
        assert [(r["variant"], r["other_variant"]) for r in store.feedback_rows("e1")] == [
            ("control", None),
            ("treatment", "control"),
        ]
        with store.engine.connect() as conn:
            assert "a1b2c3d4e5f60718" not in "".join(line for line in conn.connection.driver_connection.iterdump())
    finally:
        store.close()
        engine.dispose()


def test_comments_are_dropped_when_not_allowed(tmp_path: Path) -> None:
    store = ExperimentStore(sqlite_url(tmp_path / "x.db"), store_comments=False)
    store.record([outcome("r1")])
    store.add_feedback("r1", rating_kind="thumbs", rating=1, comment="my secret")
    assert store.feedback_for("r1")["comment"] is None


async def test_feedback_route_validates_and_answers_in_openai_shape(store: ExperimentStore) -> None:
    store.record([outcome("r1"), outcome("r2", "treatment")])
    app = FastAPI()
    service = FeedbackService(store)
    add_feedback_route(app, lambda: service, lambda key: "k1")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:

        async def post(body: object) -> httpx.Response:
            return await client.post("/v1/feedback", content=json.dumps(body) if body is not None else b"")

        ok = await post({"response_id": "r1", "rating": "up", "comment": "nice"})
        assert ok.status_code == 200 and ok.json()["response_id"] == "r1"
        assert store.feedback_for("r1")["key_id"] == "k1"
        cases = [
            ({"response_id": "r2", "rating": 6}, 400, "rating"),
            ({"response_id": "r2", "rating": 0}, 400, "rating"),
            ({"response_id": "r2", "rating": True}, 400, "rating"),
            ({"response_id": "r2", "rating": "meh"}, 400, "rating"),
            ({"response_id": "r2"}, 400, None),
            ({"response_id": "r2", "rating": 3, "extra": 1}, 400, "extra"),
            ({"response_id": "r2", "preference": {"other_response_id": "r2", "preferred": "this"}}, 400, None),
            ({"response_id": "zzz", "rating": 3}, 404, "response_id"),
            ({"response_id": "r1", "rating": 2}, 409, "response_id"),
            (None, 400, None),
        ]
        for body, status, param in cases:
            reply = await post(body)
            assert reply.status_code == status, (body, reply.text)
            error = reply.json()["error"]
            assert set(error) == {"message", "type", "param", "code"} and error["param"] == param, error
        pref = await post(
            {"response_id": "r2", "rating": 4, "preference": {"other_response_id": "r1", "preferred": "other"}}
        )
        assert pref.status_code == 200


def test_report_verdicts(store: ExperimentStore) -> None:
    exp = parse_experiments({"experiments": [exp_config()]})[0]
    rows, n = [], 400
    for i in range(n):
        rows += [outcome(f"c{i}", "control"), outcome(f"t{i}", "treatment")]
    store.record(rows)
    for i in range(n):
        store.add_feedback(f"c{i}", rating_kind="thumbs", rating=int(i % 10 < 3))  # 30% up
        store.add_feedback(f"t{i}", rating_kind="scale", rating=5 if i % 10 < 6 else 2)  # 60% "up" (>= 4)
    report = build_report(store, exp)
    assert report["variants"]["control"]["thumbs_up_rate"] == pytest.approx(0.3)
    assert report["variants"]["treatment"]["thumbs_up_rate"] == pytest.approx(0.6)
    assert report["variants"]["treatment"]["latency_s"]["p50"] == pytest.approx(0.1)
    assert not report["sample_ratio"]["mismatch"]
    assert (report["verdict"], report["variant"]) == ("promote", "treatment")
    assert report["comparisons"]["treatment"]["thumbs_up_rate"]["lambda"] >= 20


def test_report_rolls_back_when_the_thumbs_up_rate_is_worse(tmp_path: Path) -> None:
    """README Statistics: verdict `rollback` when a treatment's error rate *or thumbs-up rate* is
    worse than the control's (only the error side was tested)."""
    exp = parse_experiments({"experiments": [exp_config()]})[0]
    store = ExperimentStore(sqlite_url(tmp_path / "worse.db"))
    n = 400
    store.record([outcome(f"c{i}", "control") for i in range(n)] + [outcome(f"t{i}", "treatment") for i in range(n)])
    for i in range(n):
        store.add_feedback(f"c{i}", rating_kind="thumbs", rating=int(i % 10 < 6))  # 60% up
        store.add_feedback(f"t{i}", rating_kind="thumbs", rating=int(i % 10 < 3))  # 30% up, same errors (none)
    report = build_report(store, exp)
    assert (report["verdict"], report["variant"]) == ("rollback", "treatment"), report["reason"]
    assert "thumbs-up" in report["reason"]


def test_report_rolls_back_on_errors_and_refuses_on_srm(tmp_path: Path) -> None:
    exp = parse_experiments({"experiments": [exp_config()]})[0]
    errors = ExperimentStore(sqlite_url(tmp_path / "err.db"))
    errors.record(
        [outcome(f"c{i}", "control") for i in range(300)]
        + [outcome(f"t{i}", "treatment", status=500 if i % 5 == 0 else 200) for i in range(300)]
    )
    assert build_report(errors, exp)["verdict"] == "rollback"
    srm = ExperimentStore(sqlite_url(tmp_path / "srm.db"))
    srm.record([outcome(f"c{i}", "control") for i in range(700)] + [outcome(f"t{i}", "treatment") for i in range(300)])
    report = build_report(srm, exp)
    assert report["sample_ratio"]["mismatch"] and report["verdict"] == "continue"
    # 300 requests that chose the treatment (X-Llmops-Variant) beside a balanced split: no mismatch,
    # and their errors and ratings decide nothing
    chosen = ExperimentStore(sqlite_url(tmp_path / "chosen.db"))
    chosen.record(
        [outcome(f"c{i}", "control") for i in range(300)]
        + [outcome(f"t{i}", "treatment") for i in range(300)]
        + [outcome(f"o{i}", "treatment", status=500, override=True) for i in range(300)]
    )
    for i in range(40):
        chosen.add_feedback(f"o{i}", rating_kind="thumbs", rating=0)
    report = build_report(chosen, exp)
    assert not report["sample_ratio"]["mismatch"] and report["verdict"] == "continue", report["reason"]
    treatment = report["variants"]["treatment"]
    assert (treatment["requests"], treatment["override_requests"], treatment["ratings"]) == (300, 300, 0)
    assert report["variants"]["control"]["share"] == 0.5
    empty = build_report(ExperimentStore(sqlite_url(tmp_path / "empty.db")), exp)
    assert empty["verdict"] == "continue" and empty["variants"]["control"]["requests"] == 0


def test_canary_ramp_is_no_sample_ratio_mismatch(tmp_path: Path) -> None:
    """A canary's share follows its ramp (10% here), not its configured weight (50%): traffic split
    as the ramp says is no sample-ratio mismatch and blocks no decision; the arms whose ratio is
    fixed (two controls at 3:1 beside the canary) are still checked."""
    ramp = {"variant": "treatment", "steps": [0.1, 0.5], "min_requests": 10_000}
    exp = parse_experiments({"experiments": [exp_config(canary=ramp)]})[0]
    at_step_one = ExperimentStore(sqlite_url(tmp_path / "ramp.db"))
    at_step_one.record(
        [outcome(f"c{i}", "control") for i in range(900)]
        + [outcome(f"t{i}", "treatment", status=500 if i % 5 == 0 else 200) for i in range(100)]
    )
    report = build_report(at_step_one, exp)
    assert not report["sample_ratio"]["mismatch"] and "canary" in report["sample_ratio"]["note"]
    assert report["verdict"] == "rollback"  # the canary's 20% errors decide; no SRM stands in the way
    three = [
        {"name": "control", "weight": 0.375},
        {"name": "control-b", "weight": 0.125},
        {"name": "treatment", "weight": 0.5},
    ]
    exp3 = parse_experiments({"experiments": [exp_config(variants=three, canary=ramp)]})[0]
    broken = ExperimentStore(sqlite_url(tmp_path / "broken.db"))
    broken.record(
        [outcome(f"c{i}", "control") for i in range(450)]
        + [outcome(f"b{i}", "control-b") for i in range(450)]  # 1:1, not 3:1
        + [outcome(f"t{i}", "treatment") for i in range(100)]
    )
    assert build_report(broken, exp3)["sample_ratio"]["mismatch"]


def test_canary_advances_then_halts(store: ExperimentStore) -> None:
    cfg = exp_config(canary={"variant": "treatment", "steps": [0.1, 0.5], "min_requests": 20, "max_error_rate": 0.1})
    exp = parse_experiments({"experiments": [cfg]})[0]
    canary = CanaryController(store)
    assert canary.share(exp) == 0.1
    assert canary.evaluate(exp).state == "running"  # too few requests yet
    store.record([outcome(f"o{i}", "treatment", override=True) for i in range(25)])  # chosen, not drawn
    assert canary.evaluate(exp).reason == "0 requests at this step"
    store.record([outcome(f"a{i}", "treatment") for i in range(25)])
    decision = canary.evaluate(exp)
    assert (decision.step, decision.share) == (1, 0.5) and canary.share(exp) == 0.5
    store.record([outcome(f"b{i}", "treatment", status=503 if i % 2 else 200) for i in range(25)])
    halted = canary.evaluate(exp)
    assert halted.state == "halted" and "error rate" in halted.reason and canary.share(exp) == 0.0


@pytest.mark.parametrize(
    ("slow", "blocked", "breach"), [(True, False, "p95 latency 2 > 1"), (False, True, "block rate 0.2 > 0.1")]
)
def test_canary_halts_on_latency_and_block_rate(tmp_path: Path, slow: bool, blocked: bool, breach: str) -> None:
    ramp = {"variant": "treatment", "steps": [0.1, 0.5], "min_requests": 20}
    cfg = exp_config(canary={**ramp, "max_p95_latency_s": 1.0, "max_block_rate": 0.1})
    exp = parse_experiments({"experiments": [cfg]})[0]
    store = ExperimentStore(sqlite_url(tmp_path / "guard.db"))
    canary = CanaryController(store)
    canary.evaluate(exp)
    store.record(
        [
            Outcome(
                response_id=f"t{i}", model=MODEL, variant="treatment", status=200, experiment="e1",
                latency_s=2.0 if slow and i % 10 == 0 else 0.1, blocked=blocked and i % 5 == 0,
            )
            for i in range(40)
        ]
    )  # fmt: skip
    halted = canary.evaluate(exp)
    assert halted.state == "halted" and breach in halted.reason and canary.share(exp) == 0.0


def test_router_service_keeps_its_table_on_a_bad_reload(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "experiments.yaml"
    path.write_text(json.dumps({"experiments": [exp_config()]}))
    service = RouterService(RouterSettings(experiments_file=path), models=[MODEL])
    assert service.router.experiment_for(MODEL).name == "e1"
    bad = exp_config(variants=[{"name": "control", "weight": 0.5}, {"name": "treatment", "weight": 0.6}])
    path.write_text(json.dumps({"experiments": [bad]}))
    with caplog.at_level(logging.ERROR, logger=service_log.name):
        assert service.reload() is False and "sum to 1.1" in service.last_error
        assert service.reload() is False  # e.g. every interval after `ab promote` dropped the challenger alias
    assert [r.getMessage().count("sum to 1.1") for r in caplog.records] == [1]  # said once, not per reload
    assert service.router.experiment_for(MODEL).name == "e1"
    with pytest.raises(ExperimentConfigError):
        RouterService(RouterSettings(experiments_file=path), models=[MODEL])


def test_router_switches_tables_only_once_their_engines_run(tmp_path: Path) -> None:
    """A new routing table that needs an engine application not yet running is not taken: the
    gateway keeps routing by the previous one until every engine of the new one runs."""
    path = tmp_path / "experiments.yaml"
    variants = [{"name": "control", "version": 1, "weight": 1.0}, {"name": "treatment", "version": 2, "weight": 0.0}]
    path.write_text(json.dumps({"experiments": [exp_config(variants=variants)]}))
    running: set[tuple[str, int | None]] = {(MODEL, 1)}
    service = RouterService(
        RouterSettings(experiments_file=path),
        models=[MODEL],
        resolver=lambda model, ref: ref,
        engines_ready=lambda keys: keys <= running,
    )
    assert service.router.engine_keys() == {(MODEL, 1)}
    variants[1] = {"name": "treatment", "version": 3, "weight": 0.5}
    variants[0]["weight"] = 0.5
    path.write_text(json.dumps({"experiments": [exp_config(variants=variants)]}))
    assert service.reload() is False and "not all running" in service.last_error
    assert service.router.engine_keys() == {(MODEL, 1)}  # still the previous table
    running.add((MODEL, 3))
    assert service.reload() is True and service.router.engine_keys() == {(MODEL, 1), (MODEL, 3)}


def test_ab_cli_report_canary_and_refused_promote(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from services.cli import app

    cfg = exp_config(canary={"variant": "treatment", "steps": [0.1, 0.5], "min_requests": 5})
    path = tmp_path / "experiments.yaml"
    path.write_text(json.dumps({"experiments": [cfg]}))
    url = sqlite_url(tmp_path / "cli.db")
    store = ExperimentStore(url)
    store.record([outcome(f"c{i}", "control") for i in range(6)] + [outcome(f"t{i}", "treatment") for i in range(6)])
    args = ["--experiments", str(path), "--store-url", url]
    runner = CliRunner()
    report = runner.invoke(app, ["ab", "report", "e1", "--json", *args])
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["variants"]["treatment"]["requests"] == 6
    canary = runner.invoke(app, ["ab", "canary", "e1", *args])
    assert canary.exit_code == 0 and json.loads(canary.stdout)["state"] == "running"
    refused = runner.invoke(app, ["ab", "promote", "e1", *args])
    assert refused.exit_code == 1 and "verdict is continue" in refused.output
    assert runner.invoke(app, ["ab", "report", "nope", *args]).exit_code == 2


def test_pushed_report_gauges_of_two_experiments_do_not_replace_each_other(tmp_path: Path) -> None:
    """A Pushgateway replaces everything in a push's group: the report's gauges are grouped by
    experiment under job llmops-ab, so reporting a second experiment keeps the first one's verdict."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from typer.testing import CliRunner

    from services.cli import app

    pushes: list[tuple[str, str, str]] = []

    class Pushgateway(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            pushes.append((self.command, self.path, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    second = {**exp_config(), "name": "e2", "model": "other"}
    path = tmp_path / "experiments.yaml"
    path.write_text(json.dumps({"experiments": [exp_config(), second]}))
    url = sqlite_url(tmp_path / "push.db")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pushgateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for name in ("e1", "e2"):
            args = ["ab", "report", name, "--experiments", str(path), "--store-url", url]
            result = CliRunner().invoke(app, [*args, "--pushgateway", f"127.0.0.1:{server.server_port}"])
            assert result.exit_code == 0, result.output
    finally:
        server.shutdown()
        server.server_close()
    assert [(method, p) for method, p, _ in pushes] == [
        ("PUT", "/metrics/job/llmops-ab/experiment/e1"),
        ("PUT", "/metrics/job/llmops-ab/experiment/e2"),
    ]
    assert 'llmops_ab_verdict{experiment="e1",verdict="continue"} 1.0' in pushes[0][2]
