"""Accounts: the users table.

Revision ID: 26d731681e13
Revises:
Create Date: 2026-11-23

Reviewed by hand: boolean defaults are written with sa.false()/sa.true() so that they render
as 0/1 on SQLite and false/true on PostgreSQL (autogenerate wrote SQLite's literal 0/1).
"""

import sqlalchemy as sa
from alembic import op

revision = "26d731681e13"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    """Create the users table with its constraints."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("language", sa.String(length=2), server_default="da", nullable=False),
        sa.Column(
            "timezone", sa.String(length=64), server_default="Europe/Copenhagen", nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("language IN ('da', 'en')", name=op.f("ck_users_language")),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lower")),
        sa.CheckConstraint("length(email) >= 3", name=op.f("ck_users_email_length")),
        sa.CheckConstraint("length(name) >= 1", name=op.f("ck_users_name_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )


def downgrade():
    """Drop the users table."""
    op.drop_table("users")
