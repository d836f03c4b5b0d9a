"""Cost: prices, ledger arithmetic (checked against hand-computed figures), budgets at the gateway."""

import datetime as dt
from pathlib import Path

import httpx
import pytest

from loadtests.fake_openai_backend import FakeEngine
from services.common.errors import RateLimitError
from services.gateway.budget import BudgetStage
from services.gateway.ledger import Budget, Charge, ChargeWriter, Ledger, period_start
from services.gateway.prices import ModelPrice, PriceTable, allocate, load_prices
from tests.conftest import make_gateway_app

ROOT = Path(__file__).resolve().parents[2]
PRICES = PriceTable(
    models={
        "self": ModelPrice(gpu_hour_usd=1.20, tokens_per_second=150),
        "hosted": ModelPrice(input_per_1m_usd=0.15, output_per_1m_usd=0.60),
    }
)


def test_request_cost_by_hand():
    # 100 + 50 tokens at 150 tokens/s = 1 replica-second at $1.20/h = $0.000333...
    assert PRICES.request_cost("self", 100, 50) == pytest.approx(1.20 / 3600)
    # 1000 prompt at $0.15/1M + 2000 completion at $0.60/1M = 0.00015 + 0.0012
    assert PRICES.request_cost("hosted", 1000, 2000) == pytest.approx(0.00135)
    assert PRICES.request_cost("unknown", 10**6, 10**6) == 0.0


def test_price_table_rejects_ambiguous_entries():
    with pytest.raises(ValueError):
        ModelPrice(gpu_hour_usd=1.0)  # no throughput to share time by
    with pytest.raises(ValueError):
        ModelPrice(gpu_hour_usd=1.0, tokens_per_second=10, input_per_1m_usd=1.0)
    assert load_prices(ROOT / "config" / "prices.yaml").price("smollm2-135m-instruct").self_hosted


def test_allocate_replica_time_by_token_share():
    records = [
        {"team": "a", "model": "self", "prompt_tokens": 200, "completion_tokens": 100},
        {"team": "b", "model": "self", "prompt_tokens": 60, "completion_tokens": 40},
        {"team": "a", "model": "hosted", "prompt_tokens": 1000, "completion_tokens": 2000},
    ]
    # one hour of 2 replicas at $1.20/h = $2.40, shared 300:100 -> a 1.80, b 0.60; a also pays $0.00135 hosted
    out = allocate(records, PRICES, window_seconds=3600, replicas={"self": 2})
    assert out == {"a": pytest.approx(1.80135), "b": pytest.approx(0.60)}


def test_period_start_utc():
    t = dt.datetime(2026, 3, 17, 15, 4, 5, tzinfo=dt.UTC).timestamp()
    assert period_start("day", t) == dt.datetime(2026, 3, 17, tzinfo=dt.UTC).timestamp()
    assert period_start("month", t) == dt.datetime(2026, 3, 1, tzinfo=dt.UTC).timestamp()
    assert period_start("total", t) == 0.0


def test_ledger_spent_and_budget_status(tmp_path):
    now = dt.datetime(2026, 3, 17, 12, tzinfo=dt.UTC).timestamp()
    ledger = Ledger(tmp_path / "ledger.db", clock=lambda: now)
    yesterday = now - 86400
    ledger.record(
        [
            Charge("k1", "ml", "self", 10, 5, 0.25, now - 60),
            Charge("k2", "ml", "self", 10, 5, 0.50, now - 30),
            Charge("k1", "ml", "self", 10, 5, 1.00, yesterday),
            Charge("k3", None, "hosted", 10, 5, 2.00, now - 10),
        ]
    )
    ledger.set_budget(Budget("ml-daily", "team", "ml", "day", 1.0, 0.7))
    ledger.set_budget(Budget("ml-monthly", "team", "ml", "month", 10.0))
    ledger.set_budget(Budget("k1-total", "key", "k1", "total", 1.25))
    by_name = {s.budget.name: s for s in ledger.status()}
    assert by_name["ml-daily"].spent_usd == pytest.approx(0.75)  # yesterday's 1.00 is outside the day
    assert by_name["ml-daily"].soft_reached and not by_name["ml-daily"].hard_reached
    assert by_name["ml-monthly"].spent_usd == pytest.approx(1.75) and not by_name["ml-monthly"].soft_reached
    assert by_name["k1-total"].spent_usd == pytest.approx(1.25) and by_name["k1-total"].hard_reached
    report = {(r["team"], r["model"]): r for r in ledger.report(by="team", since=yesterday)}
    assert report[("ml", "self")]["cost_usd"] == pytest.approx(1.75) and report[("ml", "self")]["requests"] == 3
    assert report[(None, "hosted")]["prompt_tokens"] == 10


def test_flush_returns_only_once_a_concurrent_batch_is_committed(tmp_path):
    """flush() is what callers wait on before reading the ledger; while the writer thread is
    still committing a batch it took, flush() must wait for it instead of returning early."""
    import threading

    committing, release = threading.Event(), threading.Event()

    class SlowLedger(Ledger):
        def record(self, charges):
            committing.set()
            release.wait(5)
            super().record(charges)

    ledger = SlowLedger(tmp_path / "ledger.db")
    writer = ChargeWriter(ledger, flush_interval_s=0.01)
    writer.submit(Charge("k1", None, "m", 1, 1, 2.0, 0.0))
    assert committing.wait(5), "the writer thread never took the batch"
    done = threading.Thread(target=writer.flush)
    done.start()
    done.join(0.3)
    assert done.is_alive(), "flush() returned while the batch was still being committed"
    release.set()
    done.join(5)
    assert ledger.spent("key", "k1") == 2.0


def test_ledger_survives_reopen(tmp_path):
    ledger = Ledger(tmp_path / "ledger.db")
    ledger.record([Charge("k", "t", "m", 1, 1, 0.5)])
    ledger.set_budget(Budget("b", "team", "t", "total", 1.0))
    ledger.close()
    again = Ledger(tmp_path / "ledger.db")
    assert again.spent("team", "t") == 0.5 and [b.name for b in again.budgets()] == ["b"]


def test_budget_validation(tmp_path):
    ledger = Ledger(tmp_path / "ledger.db")
    with pytest.raises(ValueError):
        ledger.set_budget(Budget("x", "user", "u", "day", 1.0))
    with pytest.raises(ValueError):
        ledger.set_budget(Budget("x", "team", "t", "day", 0.0))


async def test_gateway_refuses_when_budget_spent(tmp_path, keys):
    ledger = Ledger(tmp_path / "ledger.db")
    prices = PriceTable(
        models={"fake-chat": ModelPrice(input_per_1m_usd=1e6, output_per_1m_usd=0.0)}
    )  # $1 per prompt token
    # the stage reads the budget list at most every BUDGET_CACHE_S: set it before the stage starts
    ledger.set_budget(Budget("research-daily", "team", "research", "day", 5.0))
    budget = BudgetStage(ledger, prices, flush_interval_s=0.05)
    app = make_gateway_app(
        {"fake-chat": FakeEngine("fake-chat")}, {"fake-chat": "generate"}, keys=keys, stages={"budget": budget}
    )
    key, principal = keys.create("alice", team="research")
    other, _ = keys.create("bob", team="ops")
    body = {"model": "fake-chat", "messages": [{"role": "user", "content": "one two three"}]}  # 3 prompt tokens = $3
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        auth = {"Authorization": f"Bearer {key}"}
        assert (await client.post("/v1/chat/completions", json=body, headers=auth)).status_code == 200  # $3 of $5
        assert (await client.post("/v1/chat/completions", json=body, headers=auth)).status_code == 200  # $6: over now
        refused = await client.post("/v1/chat/completions", json=body, headers=auth)
        assert refused.status_code == 429, refused.text
        error = refused.json()["error"]
        assert error["code"] == "budget_exceeded" and error["type"] == "rate_limit_error"
        assert (
            "research-daily" in error["message"]
            and principal.key_id not in error["message"]
            and key not in error["message"]
        )
        assert int(refused.headers["retry-after"]) >= 1
        assert (
            await client.post("/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {other}"})
        ).status_code == 200
    budget.writer.flush()
    assert ledger.spent("team", "research") == pytest.approx(6.0)  # the refused request cost nothing
    assert ledger.spent("key", principal.key_id) == pytest.approx(6.0)


async def test_a_keys_own_budget_refuses_it_and_a_budget_set_later_is_read_within_5_s(tmp_path, keys):
    """README Monitoring and cost: the gateway refuses a key once one of its budgets, *its own* or
    its team's, is spent; "budgets are reread every 5 s", so one set while the gateway runs holds
    from then on without a restart."""
    from services.gateway import budget as budget_module

    ledger = Ledger(tmp_path / "ledger.db")
    prices = PriceTable(models={"fake-chat": ModelPrice(input_per_1m_usd=1e6, output_per_1m_usd=0.0)})
    stage = BudgetStage(ledger, prices, flush_interval_s=0.05)
    app = make_gateway_app(
        {"fake-chat": FakeEngine("fake-chat")}, {"fake-chat": "generate"}, keys=keys, stages={"budget": stage}
    )
    key, principal = keys.create("alice", team="research")
    mate, _ = keys.create("bob", team="research")
    body = {"model": "fake-chat", "messages": [{"role": "user", "content": "one two three"}]}  # $3 a request

    async def post(k: str) -> httpx.Response:
        return await client.post("/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {k}"})

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        assert (await post(key)).status_code == 200  # the stage has read the budget list: none yet
        ledger.set_budget(Budget("alice-total", "key", principal.key_id, "total", 2.0))  # spent already ($3)
        assert (await post(key)).status_code == 200  # the list read above is still in use
        assert budget_module.BUDGET_CACHE_S == 5.0
        stage._budgets_read -= budget_module.BUDGET_CACHE_S + 0.1  # 5 s have passed
        refused = await post(key)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "budget_exceeded", refused.text
        assert "alice-total" in refused.json()["error"]["message"]
        assert (await post(mate)).status_code == 200  # a key budget binds that key only, not its team
    stage.writer.close()


async def test_budget_check_reads_sqlite_off_the_loop_only_when_needed(tmp_path, keys, monkeypatch):
    """The budget list is read in a worker thread at most every BUDGET_CACHE_S; a key and team
    without a budget then pass with no thread hop (which cost every request ~0.3 ms, ~15 ms
    under load), and one with a budget still has its spending checked."""
    import asyncio

    from services.gateway import budget as budget_module
    from services.gateway.pipeline import RequestContext

    ledger = Ledger(tmp_path / "ledger.db")
    ledger.set_budget(Budget("ops-daily", "team", "ops", "day", 1.0))
    ledger.record([Charge("k-ops", "ops", "fake-chat", 1, 1, 2.0)])  # spent
    stage = BudgetStage(ledger, PriceTable(models={}), flush_interval_s=0.05)
    hops: list[str] = []
    real_to_thread = asyncio.to_thread

    async def counting_to_thread(fn, *args):
        hops.append(fn.__name__)
        return await real_to_thread(fn, *args)

    monkeypatch.setattr(budget_module.asyncio, "to_thread", counting_to_thread)
    _, free = keys.create("free", team="research")
    _, ops = keys.create("ops", team="ops")

    def ctx(principal):
        return RequestContext("r", "chat", None, {}, principal=principal)  # type: ignore[arg-type]

    await stage.on_request(ctx(free))  # first request: the budget list is read
    await stage.on_request(ctx(free))
    await stage.on_request(ctx(free))
    assert hops == ["_current_budgets"]
    with pytest.raises(RateLimitError):
        await stage.on_request(ctx(ops))
    assert hops == ["_current_budgets", "_refusal"]
    stage.writer.close()


def test_budget_cli(tmp_path):
    import json as _json

    from typer.testing import CliRunner

    from services.cli import app

    db = str(tmp_path / "ledger.db")
    runner = CliRunner()
    assert (
        runner.invoke(
            app, ["cost", "budget", "set", "ml-monthly", "--team", "ml", "--limit", "10", "--ledger", db]
        ).exit_code
        == 0
    )
    Ledger(tmp_path / "ledger.db").record([Charge("k", "ml", "m", 1, 1, 8.5)])
    listed = runner.invoke(app, ["cost", "budget", "list", "--json", "--ledger", db])
    (row,) = _json.loads(listed.output)
    assert (
        row["name"] == "ml-monthly" and row["spent_usd"] == pytest.approx(8.5) and row["ratio"] == pytest.approx(0.85)
    )
    both = runner.invoke(
        app, ["cost", "budget", "set", "x", "--team", "ml", "--key-id", "k", "--limit", "1", "--ledger", db]
    )
    assert both.exit_code == 2
    report = _json.loads(runner.invoke(app, ["cost", "report", "--by", "team", "--json", "--ledger", db]).output)
    assert report[0]["team"] == "ml" and report[0]["cost_usd"] == pytest.approx(8.5)
    assert runner.invoke(app, ["cost", "budget", "remove", "ml-monthly", "--ledger", db]).exit_code == 0
    assert runner.invoke(app, ["cost", "budget", "remove", "ml-monthly", "--ledger", db]).exit_code == 1


def test_budget_set_takes_a_key_a_period_and_a_soft_limit(tmp_path):
    """README: `cost budget set NAME (--team T | --key-id ID) --limit USD [--period day|month|total]
    [--soft 0.8]`: the flags reach the stored budget; another period is refused."""
    import json as _json

    from typer.testing import CliRunner

    from services.cli import app

    db = ["--ledger", str(tmp_path / "ledger.db")]
    runner = CliRunner()
    base = ["cost", "budget", "set", "k1-daily", "--key-id", "k1", "--limit", "2"]
    assert runner.invoke(app, [*base, "--period", "day", "--soft", "0.5", *db]).exit_code == 0
    assert runner.invoke(app, [*base[:3], "t-monthly", "--team", "t", "--limit", "9", *db]).exit_code == 0
    assert runner.invoke(app, [*base, "--period", "week", *db]).exit_code == 2
    rows = {r["name"]: r for r in _json.loads(runner.invoke(app, ["cost", "budget", "list", "--json", *db]).output)}
    got = {n: (r["scope"], r["subject"], r["period"], r["limit_usd"], r["soft_ratio"]) for n, r in rows.items()}
    assert got == {"k1-daily": ("key", "k1", "day", 2.0, 0.5), "t-monthly": ("team", "t", "month", 9.0, 0.8)}


def test_allocate_cli_reads_the_request_log(tmp_path):
    import json as _json
    import time as _time

    from typer.testing import CliRunner

    from services.cli import app
    from services.gateway.request_log import RequestLogWriter

    prices = tmp_path / "prices.yaml"
    prices.write_text("models:\n  self: {gpu_hour_usd: 3.6, tokens_per_second: 100}\n")
    writer = RequestLogWriter(tmp_path / "requests.jsonl")
    now = _time.time()
    writer.write({"time": now - 10, "team": "a", "model": "self", "prompt_tokens": 30, "completion_tokens": 0})
    writer.write({"time": now - 5, "team": "b", "model": "self", "prompt_tokens": 10, "completion_tokens": 0})
    writer.write(
        {"time": now - 7200, "team": "c", "model": "self", "prompt_tokens": 10, "completion_tokens": 0}
    )  # outside the hour
    args = [
        "cost",
        "allocate",
        "--log",
        str(writer.path),
        "--since",
        "1h",
        "--replicas",
        "self=2",
        "--prices",
        str(prices),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = _json.loads(result.output.strip().splitlines()[-1])
    # 2 replicas x 1 h x $3.60 = $7.20, shared 30:10
    assert out["requests"] == 2 and out["usd"] == {"a": pytest.approx(5.40), "b": pytest.approx(1.80)}
    assert CliRunner().invoke(app, [*args[:-4], "--replicas", "self=two"]).exit_code == 2
