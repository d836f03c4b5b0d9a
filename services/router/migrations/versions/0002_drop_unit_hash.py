"""Drop ``ab_assignments.unit_hash``: an unkeyed hash of the OpenAI ``user`` field (or key id)
that nothing read; a guessable user id (an e-mail) could be recovered from it.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite copies the table without the column (rows, indexes and the feedback's
    # references to it are kept); PostgreSQL drops the column in place
    with op.batch_alter_table("ab_assignments") as batch:
        batch.drop_column("unit_hash")


def downgrade() -> None:
    with op.batch_alter_table("ab_assignments") as batch:
        batch.add_column(sa.Column("unit_hash", sa.String(32)))
