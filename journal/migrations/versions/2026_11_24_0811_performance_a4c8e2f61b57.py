"""Performance: an index for a leader's own manager links.

Revision ID: a4c8e2f61b57
Revises: 3f9b2d6e8c17
Create Date: 2026-11-24

Written by hand and checked against the models by tests/test_migrations.py.

Every goal page asks for the leader's open link (`sharing.services.open_link_of`:
`leader_id = ? AND status IN (...)`). The partial unique index on `leader_id` cannot serve
it, because SQLite cannot prove that bound statuses match the index's own WHERE, so the
query read the whole table: a cost that grew with the number of leaders.
"""

from alembic import op

revision = "a4c8e2f61b57"
down_revision = "3f9b2d6e8c17"
branch_labels = None
depends_on = None


def upgrade():
    """Add the index."""
    op.create_index("ix_manager_links_leader", "manager_links", ["leader_id", "status"])


def downgrade():
    """Drop it."""
    op.drop_index("ix_manager_links_leader", table_name="manager_links")
