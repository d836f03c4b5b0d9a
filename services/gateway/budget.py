"""Budgets and cost metering at the gateway.

``BudgetStage`` runs after the quota stage: a request whose key or team has reached a budget's
hard limit is refused with 429 ``budget_exceeded`` (the message names the budget, never the
key). When a request finishes, its cost from the price table (``config/prices.yaml``) is counted
in ``llmops_cost_usd_total`` and charged to the ledger (services/gateway/ledger.py).
"""

from __future__ import annotations

import asyncio
import time

from services.common.errors import RateLimitError
from services.gateway import metrics
from services.gateway.ledger import Budget, BudgetStatus, Charge, ChargeWriter, Ledger
from services.gateway.pipeline import PassThrough, RequestContext
from services.gateway.prices import PriceTable

BUDGET_CACHE_S = 5.0  # how long the list of budgets is reused before it is read again
GAUGE_REFRESH_S = 5.0  # budget gauges are recomputed after charges land, or at least this often


class BudgetStage(PassThrough):
    def __init__(self, ledger: Ledger, prices: PriceTable, *, flush_interval_s: float = 0.1):
        self.ledger = ledger
        self.prices = prices
        self.writer = ChargeWriter(ledger, flush_interval_s=flush_interval_s, on_flush=self._export_gauges)
        self._budgets: list[Budget] = []
        self._budgets_read = -1e9
        self._gauges_at = -1e9
        self._charged_since_export = False

    def _budgets_stale(self) -> bool:
        return time.monotonic() - self._budgets_read > BUDGET_CACHE_S

    def _current_budgets(self) -> list[Budget]:
        if self._budgets_stale():
            self._budgets = self.ledger.budgets()
            self._budgets_read = time.monotonic()
        return self._budgets

    def _refusal(self, mine: list[Budget]) -> BudgetStatus | None:
        """The first spent budget of ``mine`` (SQLite reads: run off the event loop)."""
        return next((s for s in self.ledger.status(mine, pending=self.writer.pending()) if s.hard_reached), None)

    async def on_request(self, ctx: RequestContext) -> None:
        p = ctx.principal
        if p is None:
            return
        # SQLite is read in a worker thread, and only when needed: the list of budgets every
        # BUDGET_CACHE_S, the spending only for a key or team that has a budget (a thread hop per
        # request cost ~0.3 ms, ~15 ms under load)
        budgets = await asyncio.to_thread(self._current_budgets) if self._budgets_stale() else self._budgets
        mine = [b for b in budgets if (b.scope, b.subject) in (("key", p.key_id), ("team", p.team))]
        if not mine:
            return
        status = await asyncio.to_thread(self._refusal, mine)
        if status is not None:
            metrics.BUDGET_REJECTIONS.labels(status.budget.scope).inc()
            b = status.budget
            raise RateLimitError(
                f"Budget '{b.name}' is spent: ${status.spent_usd:.4f} of ${b.limit_usd:.4f} "
                f"this {b.period if b.period != 'total' else 'budget'}. "
                "Ask its owner to raise it, or wait for the next period.",
                retry_after=_seconds_to_next_period(b.period),
                code="budget_exceeded",
            )

    async def on_finish(self, ctx: RequestContext, status: int) -> None:
        if not (ctx.prompt_tokens or ctx.completion_tokens):
            return
        cost = self.prices.request_cost(ctx.model_label, ctx.prompt_tokens, ctx.completion_tokens)
        metrics.COST.labels(ctx.model_label).inc(cost)
        p = ctx.principal
        self._charged_since_export = True
        self.writer.submit(
            Charge(
                p.key_id if p else None,
                p.team if p else None,
                ctx.model_label,
                ctx.prompt_tokens,
                ctx.completion_tokens,
                cost,
                time.time(),
            )
        )

    def _export_gauges(self) -> None:
        now = time.monotonic()
        if not self._charged_since_export and now - self._gauges_at < GAUGE_REFRESH_S:
            return
        self._charged_since_export, self._gauges_at = False, now
        statuses = self.ledger.status(self._current_budgets(), pending=self.writer.pending())
        for scope in ("key", "team"):
            mine = [s for s in statuses if s.budget.scope == scope]
            metrics.BUDGETS_OVER_SOFT_LIMIT.labels(scope).set(sum(s.soft_reached for s in mine))
            metrics.BUDGETS_OVER_HARD_LIMIT.labels(scope).set(sum(s.hard_reached for s in mine))
            metrics.BUDGET_MAX_SPENT_RATIO.labels(scope).set(max((s.ratio for s in mine), default=0.0))


def _seconds_to_next_period(period: str) -> float:
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    if period == "day":
        nxt = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    elif period == "month":
        nxt = (now.replace(day=1) + dt.timedelta(days=32)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    else:
        return 3600.0
    return (nxt - now).total_seconds()
