"""An index on when each leader's entries were written, for the reminder to write.

Revision ID: 18aabda09ed9
Revises: b8ae639af43e
Create Date: 2026-12-02

Written by hand and checked against the models by tests/test_migrations.py (issue 18).
The reminder to write backs off when ignored and resumes when the leader writes: each run
of `notifications send` asks, for every leader who wants the reminder, when they last
wrote (`max(entries.created_at)`). The index answers that in one step per leader rather
than a walk through all their entries. No data changes.
"""

from alembic import op

revision = "18aabda09ed9"
down_revision = "b8ae639af43e"
branch_labels = None
depends_on = None


def upgrade():
    """Add the index."""
    op.create_index("ix_entries_owner_created", "entries", ["owner_id", "created_at"])


def downgrade():
    """Drop it."""
    op.drop_index("ix_entries_owner_created", table_name="entries")
