"""An optional unit on the account, for the printed review's header.

Revision ID: 5b21d0a7c3e4
Revises: c3e9a1d4b7f2
Create Date: 2026-12-03

Written by hand and checked against the models by tests/test_migrations.py (issue 21).
The unit (e.g. "Dagtilbud Nord") is what the leader typed in their settings, readable like
the name. NULL for every existing account; no data changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "5b21d0a7c3e4"
down_revision = "c3e9a1d4b7f2"
branch_labels = None
depends_on = None


def upgrade():
    """Add the column."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("unit", sa.String(120), nullable=True))


def downgrade():
    """Drop it."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("unit")
