"""``ab_assignments.override``: the request chose its variant (``X-Llmops-Variant``); such rows
are kept for the operator and left out of the experiment's statistics. Earlier rows are false.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ab_assignments") as batch:
        batch.add_column(sa.Column("override", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("ab_assignments") as batch:
        batch.drop_column("override")
