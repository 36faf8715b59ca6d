"""Session token: a random secret per account that every session's seal is bound to.

Revision ID: 5d2c8e1a7b90
Revises: 17e77646f002
Create Date: 2026-12-02

Written by hand and checked against the models by tests/test_migrations.py.

The key that seals a session's journal key was derived from SECRET_KEY alone: whoever had
the secret could seal a key of their own choosing into a session cookie and be logged in as
any account (without opening its entries). Now it is derived from the secret and the
account's own random token, which only the database holds. ADD COLUMN with a server default
(no rebuild of the users table, whose rebuild on SQLite would cascade), then a token for
every existing account; every session from before ends, as after a logout.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "5d2c8e1a7b90"
down_revision = "17e77646f002"
branch_labels = None
depends_on = None


def upgrade():
    """Add the column and give every account its own token."""
    op.add_column(
        "users",
        sa.Column(
            "session_token", sa.String(length=64), server_default=sa.text("''"), nullable=False
        ),
    )
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(session_token=secrets.token_urlsafe(32))
        )


def downgrade():
    """Drop it (sessions are then sealed under the secret alone, as before)."""
    op.drop_column("users", "session_token")
