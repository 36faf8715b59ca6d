"""Spent passkey challenges: a challenge answered once is never accepted again.

Revision ID: c3e9a1d4b7f2
Revises: 9977b20f71f1
Create Date: 2026-12-02

Written by hand and checked against the models by tests/test_migrations.py (issue 19).
A passkey ceremony's challenge lives in the signed session cookie; a copy of the cookie from
before it was answered could answer it again while it lasts (five minutes). Each challenge
answered is kept here, as its SHA-256 only, for that long. No data changes.
"""

import sqlalchemy as sa
from alembic import op

from journal.models.types import UTCDateTime

revision = "c3e9a1d4b7f2"
down_revision = "9977b20f71f1"
branch_labels = None
depends_on = None


def upgrade():
    """Make the table."""
    op.create_table(
        "spent_passkey_challenges",
        sa.Column("challenge_hash", sa.String(64), nullable=False),
        sa.Column("spent_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("challenge_hash", name=op.f("pk_spent_passkey_challenges")),
    )
    op.create_index(
        "ix_spent_passkey_challenges_spent_at", "spent_passkey_challenges", ["spent_at"]
    )


def downgrade():
    """Drop it (what it holds lasts five minutes anyway)."""
    op.drop_index("ix_spent_passkey_challenges_spent_at", table_name="spent_passkey_challenges")
    op.drop_table("spent_passkey_challenges")
