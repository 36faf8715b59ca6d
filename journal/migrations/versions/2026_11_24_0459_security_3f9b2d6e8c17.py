"""Security: a session version per account, failed log-ins, administrators' audit log.

Revision ID: 3f9b2d6e8c17
Revises: e7a1c5d90b32
Create Date: 2026-11-24

Written by hand and checked against the models by tests/test_migrations.py.

`users.session_version` moves on at logout, password change or reset and deactivation; a
session cookie is valid for one version only. `login_failures` counts failed log-ins per
account and per client address for throttling, shared by every app process. `audit_events`
records what administrators do to accounts and links.
"""

import sqlalchemy as sa
from alembic import op

revision = "3f9b2d6e8c17"
down_revision = "e7a1c5d90b32"
branch_labels = None
depends_on = None


def upgrade():
    """Add the column and the two tables (ADD COLUMN only on users: no table rebuild)."""
    op.add_column(
        "users", sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_bucket_at", "login_failures", ["bucket", "at"])
    op.create_index(op.f("ix_login_failures_at"), "login_failures", ["at"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("subject_name", sa.String(length=120), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["users.id"],
            name=op.f("fk_audit_events_subject_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"])


def downgrade():
    """Drop them (the failures and the audit log are lost; the journal is untouched)."""
    op.drop_index(op.f("ix_audit_events_at"), table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index(op.f("ix_login_failures_at"), table_name="login_failures")
    op.drop_index("ix_login_failures_bucket_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_column("users", "session_version")
