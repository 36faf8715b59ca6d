"""Mails: what their unsubscribe link turns off, and mails not sent on purpose.

Revision ID: b8ae639af43e
Revises: b303f7a1d4c2
Create Date: 2026-12-02

Written by hand and checked against the models by tests/test_migrations.py (issue 18, mail).
`outgoing_mails` gains `settings` (the settings of the kinds a mail was about, which its
unsubscribe link turns off even after its notifications are gone) and `dropped_at` /
`dropped_because` (a mail not sent on purpose: the account deactivated, or everything in it
read, too old or no longer wanted). ADD COLUMN only: nothing is rebuilt.
"""

import sqlalchemy as sa
from alembic import op

revision = "b8ae639af43e"
down_revision = "b303f7a1d4c2"
branch_labels = None
depends_on = None


def upgrade():
    """Three nullable columns."""
    op.add_column("outgoing_mails", sa.Column("settings", sa.String(length=100)))
    op.add_column("outgoing_mails", sa.Column("dropped_at", sa.DateTime(timezone=True)))
    op.add_column("outgoing_mails", sa.Column("dropped_because", sa.String(length=12)))


def downgrade():
    """Drop them (SQLite rebuilds the table, which only notifications refer to)."""
    with op.batch_alter_table("outgoing_mails") as batch:
        batch.drop_column("dropped_because")
        batch.drop_column("dropped_at")
        batch.drop_column("settings")
