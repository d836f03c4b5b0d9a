"""Experiment store: assignments, feedback, canary state.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ab_assignments",
        sa.Column("response_id", sa.String(128), primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("experiment", sa.String(64)),
        sa.Column("variant", sa.String(64), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer),
        sa.Column("unit_hash", sa.String(32)),
        sa.Column("shadow", sa.Boolean, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("latency_s", sa.Float),
        sa.Column("ttft_s", sa.Float),
        sa.Column("prompt_tokens", sa.Integer, nullable=False),
        sa.Column("completion_tokens", sa.Integer, nullable=False),
        sa.Column("blocked", sa.Boolean, nullable=False),
    )
    op.create_index("ix_ab_assignments_created_at", "ab_assignments", ["created_at"])
    op.create_index("ix_ab_assignments_experiment", "ab_assignments", ["experiment"])
    op.create_table(
        "ab_feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("response_id", sa.String(128), sa.ForeignKey("ab_assignments.response_id"), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("rating_kind", sa.String(8)),
        sa.Column("rating", sa.Integer),
        sa.Column("comment", sa.Text),
        sa.Column("other_response_id", sa.String(128), sa.ForeignKey("ab_assignments.response_id")),
        sa.Column("preferred", sa.String(8)),
        sa.Column("key_id", sa.String(64)),
        sa.UniqueConstraint("response_id", name="uq_ab_feedback_response"),
    )
    op.create_table(
        "ab_canary",
        sa.Column("experiment", sa.String(64), primary_key=True),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("step_started_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ab_canary")
    op.drop_table("ab_feedback")
    op.drop_index("ix_ab_assignments_experiment", "ab_assignments")
    op.drop_index("ix_ab_assignments_created_at", "ab_assignments")
    op.drop_table("ab_assignments")
