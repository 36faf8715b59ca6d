"""Requests by address: a leader names the manager's address, whether or not it has an account.

Revision ID: 8e4b1f7c2a63
Revises: 5d2c8e1a7b90
Create Date: 2026-12-02

Written by hand and checked against the models by tests/test_migrations.py.

"Name your manager" answered "no account has that address" to anyone who asked, so a leader
could find out who has an account. A request now keeps the address typed
(`manager_links.manager_email`); `manager_id` may wait (NULL) until the account with that
address answers. The sharing log's request lines keep the address too
(`sharing_events.manager_email`). Existing links get their manager's address.

Making `manager_id` nullable rebuilds the table on SQLite: the migration environment turns
foreign keys off for it (journal/migrations/env.py), or dropping the old table would cascade
to the shares and the links' log lines.
"""

import sqlalchemy as sa
from alembic import op

revision = "8e4b1f7c2a63"
down_revision = "5d2c8e1a7b90"
branch_labels = None
depends_on = None


def upgrade():
    """Add the addresses, fill them in, and let a request wait for its account."""
    with op.batch_alter_table("manager_links") as batch:
        batch.add_column(
            sa.Column(
                "manager_email", sa.String(length=254), server_default=sa.text("''"), nullable=False
            )
        )
        batch.alter_column("manager_id", existing_type=sa.Integer(), nullable=True)
        batch.create_check_constraint(
            "accepted_manager", "manager_id IS NOT NULL OR status <> 'accepted'"
        )
    op.add_column("sharing_events", sa.Column("manager_email", sa.String(length=254)))
    op.execute(
        "UPDATE manager_links SET manager_email = "
        "(SELECT email FROM users WHERE users.id = manager_links.manager_id)"
    )


def downgrade():
    """Back to requests that need an account (those still waiting for one are dropped)."""
    op.execute("DELETE FROM manager_links WHERE manager_id IS NULL")
    op.drop_column("sharing_events", "manager_email")
    with op.batch_alter_table("manager_links") as batch:
        batch.drop_constraint(op.f("ck_manager_links_accepted_manager"), type_="check")
        batch.alter_column("manager_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("manager_email")
