"""Drafts sealed in the browser: each leader's draft key pair.

Revision ID: 17e77646f002
Revises: a4c8e2f61b57
Create Date: 2026-12-02

Written by hand and checked against the models by tests/test_migrations.py.

The browser seals the drafts it keeps to the leader's public draft key; only the server,
for the logged-in leader, opens them with the private key, which is stored sealed with the
leader's data key (journal/entries/drafts.py). Both columns start empty: the pair is made
at the leader's next writing page, when the data key is open.
"""

import sqlalchemy as sa
from alembic import op

revision = "17e77646f002"
down_revision = "a4c8e2f61b57"
branch_labels = None
depends_on = None


def upgrade():
    """Add the two columns (ADD COLUMN only: SQLite's batch mode would rebuild the users
    table, and dropping it fires the ON DELETE CASCADE of everything a user owns)."""
    op.add_column("users", sa.Column("draft_public_key", sa.String(length=100), nullable=True))
    op.add_column("users", sa.Column("draft_private_key_sealed", sa.LargeBinary(), nullable=True))


def downgrade():
    """Drop them. Drafts browsers still keep then no longer open: they are dropped there,
    quietly, the next time they are offered."""
    op.drop_column("users", "draft_private_key_sealed")
    op.drop_column("users", "draft_public_key")
