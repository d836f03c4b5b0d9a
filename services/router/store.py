"""Experiment store: every routed response's assignment and outcome, user feedback, canary state.

SQLAlchemy over SQLite by default (``var/ab.db``) and PostgreSQL in production
(``postgresql+psycopg://...``); the schema is created and upgraded by Alembic
(``services/router/migrations``) when the store opens. A write returns only after its
transaction committed, so an acknowledged feedback survives a crash of the process.

What is stored is numbers and ids: no prompt or answer text. The assignment unit (user field or
key id) is not stored at all (revision 0002 dropped the unkeyed ``unit_hash`` column, which
nothing read); feedback comments are user-written text kept only when ``store_comments`` is on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

metadata = sa.MetaData()

assignments = sa.Table(
    "ab_assignments",
    metadata,
    sa.Column("response_id", sa.String(128), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
    sa.Column("experiment", sa.String(64), index=True),
    sa.Column("variant", sa.String(64), nullable=False),
    sa.Column("model", sa.String(128), nullable=False),
    sa.Column("version", sa.Integer),
    sa.Column("shadow", sa.Boolean, nullable=False, default=False),
    # the client chose the variant (X-Llmops-Variant): kept, but no part of the statistics
    sa.Column("override", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("latency_s", sa.Float),
    sa.Column("ttft_s", sa.Float),
    sa.Column("prompt_tokens", sa.Integer, nullable=False, default=0),
    sa.Column("completion_tokens", sa.Integer, nullable=False, default=0),
    sa.Column("blocked", sa.Boolean, nullable=False, default=False),
)

feedback = sa.Table(
    "ab_feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("response_id", sa.String(128), sa.ForeignKey("ab_assignments.response_id"), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("rating_kind", sa.String(8)),  # thumbs | scale | None (preference only)
    sa.Column("rating", sa.Integer),  # thumbs: 0/1; scale: 1..5
    sa.Column("comment", sa.Text),
    sa.Column("other_response_id", sa.String(128), sa.ForeignKey("ab_assignments.response_id")),
    sa.Column("preferred", sa.String(8)),  # this | other | tie
    sa.Column("key_id", sa.String(64)),
    sa.UniqueConstraint("response_id", name="uq_ab_feedback_response"),
)

canary_state = sa.Table(
    "ab_canary",
    metadata,
    sa.Column("experiment", sa.String(64), primary_key=True),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # running | halted | done
    sa.Column("reason", sa.Text),
    sa.Column("step_started_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)


class StoreError(Exception):
    """A write was refused (unknown response id, duplicate feedback); nothing was written."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Outcome:
    """One routed response: its assignment and how it went."""

    response_id: str
    model: str
    variant: str
    status: int
    experiment: str | None = None
    version: int | None = None
    shadow: bool = False
    override: bool = False
    latency_s: float | None = None
    ttft_s: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    blocked: bool = False
    created_at: float | None = None


@dataclass(frozen=True)
class FeedbackReceipt:
    id: int
    experiment: str | None
    variant: str


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # a commit is on disk before it returns
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade the schema with Alembic (idempotent)."""
    from alembic import command
    from alembic.config import Config

    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, revision)


class ExperimentStore:
    def __init__(self, url: str, *, store_comments: bool = True, migrate: bool = True):
        if migrate:
            upgrade(url)
        self.engine = make_engine(url)
        self.store_comments = store_comments

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------ writes

    def record(self, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        now = time.time()
        rows = [{**o.__dict__, "created_at": o.created_at or now} for o in outcomes]
        with self.engine.begin() as conn:
            conn.execute(assignments.insert(), rows)

    def add_feedback(
        self,
        response_id: str,
        *,
        rating_kind: str | None,
        rating: int | None,
        comment: str | None = None,
        other_response_id: str | None = None,
        preferred: str | None = None,
        key_id: str | None = None,
    ) -> FeedbackReceipt:
        """Store one feedback; returns its id once committed. Refuses unknown ids and duplicates."""
        with self.engine.begin() as conn:
            ids = [response_id, *([other_response_id] if other_response_id else [])]
            rows = conn.execute(
                sa.select(
                    assignments.c.response_id, assignments.c.experiment, assignments.c.variant, assignments.c.shadow
                ).where(assignments.c.response_id.in_(ids))
            ).all()
            known = {r.response_id: r for r in rows if not r.shadow}
            for rid in ids:
                if rid not in known:
                    raise StoreError(f"no response with id '{rid}' (or it is too old)", code="unknown_response_id")
            if other_response_id and known[response_id].experiment != known[other_response_id].experiment:
                raise StoreError("a preference compares two responses of the same experiment", code="not_comparable")
            try:
                result = conn.execute(
                    feedback.insert().values(
                        response_id=response_id,
                        created_at=time.time(),
                        rating_kind=rating_kind,
                        rating=rating,
                        comment=comment if self.store_comments else None,
                        other_response_id=other_response_id,
                        preferred=preferred,
                        key_id=key_id,
                    )
                )
            except IntegrityError:
                raise StoreError(
                    f"feedback for response '{response_id}' was already given", code="duplicate_feedback"
                ) from None
            row = known[response_id]
            return FeedbackReceipt(int(result.inserted_primary_key[0]), row.experiment, row.variant)

    # ------------------------------------------------------------ reads

    def feedback_for(self, response_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(feedback).where(feedback.c.response_id == response_id)).first()
        return dict(row._mapping) if row else None

    def outcomes(
        self,
        experiment: str,
        *,
        since: float | None = None,
        shadow: bool | None = False,
        override: bool | None = False,
    ) -> list[dict]:
        """The experiment's rows; by default the split's own (no shadow, no override): ``None``
        for either means both kinds."""
        query = sa.select(assignments).where(assignments.c.experiment == experiment)
        if since is not None:
            query = query.where(assignments.c.created_at >= since)
        if shadow is not None:
            query = query.where(assignments.c.shadow == shadow)
        if override is not None:
            query = query.where(assignments.c.override == override)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(assignments.c.created_at))]

    def feedback_rows(self, experiment: str) -> list[dict]:
        a = assignments.alias("a")
        b = assignments.alias("b")
        query = (
            sa.select(
                feedback.c.rating_kind,
                feedback.c.rating,
                feedback.c.preferred,
                feedback.c.created_at,
                a.c.variant.label("variant"),
                b.c.variant.label("other_variant"),
            )
            .join(a, a.c.response_id == feedback.c.response_id)
            .outerjoin(b, b.c.response_id == feedback.c.other_response_id)
            .where(a.c.experiment == experiment)
            # feedback on an answer whose variant the client chose is no evidence about the split
            .where(a.c.override.is_(False), sa.or_(b.c.override.is_(None), b.c.override.is_(False)))
            .order_by(feedback.c.created_at)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    # ------------------------------------------------------------ canary

    def canary(self, experiment: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(canary_state).where(canary_state.c.experiment == experiment)).first()
        return dict(row._mapping) if row else None

    def set_canary(
        self, experiment: str, *, step: int, state: str, reason: str | None = None, expect_step: int | None = None
    ) -> bool:
        """Write the canary state. With ``expect_step``, only if the stored state is still that
        running step (several gateway replicas evaluate the same canary); returns whether it wrote."""
        now = time.time()
        with self.engine.begin() as conn:
            current = conn.execute(sa.select(canary_state).where(canary_state.c.experiment == experiment)).first()
            values = {"step": step, "state": state, "reason": reason, "updated_at": now}
            if current is None:
                conn.execute(canary_state.insert().values(experiment=experiment, step_started_at=now, **values))
                return True
            if current.step != step:
                values["step_started_at"] = now
            query = canary_state.update().where(canary_state.c.experiment == experiment)
            if expect_step is not None:
                query = query.where(canary_state.c.step == expect_step, canary_state.c.state == "running")
            return conn.execute(query.values(**values)).rowcount == 1
