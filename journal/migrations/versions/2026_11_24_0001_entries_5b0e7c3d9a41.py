"""Journal entries and their task tags.

Revision ID: 5b0e7c3d9a41
Revises: 26d731681e13
Create Date: 2026-11-24

Written by hand and checked against autogenerate by tests/test_migrations.py. Entries belong
to their owner (deleted with the account); tags refer to framework tasks by key, so a
framework file can change without touching this table.
"""

import sqlalchemy as sa
from alembic import op

revision = "5b0e7c3d9a41"
down_revision = "26d731681e13"
branch_labels = None
depends_on = None


def upgrade():
    """Create entries and entry_tasks."""
    op.create_table(
        "entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("starred", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("length(body) <= 100000", name=op.f("ck_entries_body_length")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_entries_version_positive")),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_entries_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
    )
    op.create_index(
        "ix_entries_owner_date", "entries", ["owner_id", "entry_date", "id"], unique=False
    )
    op.create_table(
        "entry_tasks",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("task_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_entry_tasks_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "task_key", name=op.f("pk_entry_tasks")),
    )


def downgrade():
    """Drop entry_tasks and entries."""
    op.drop_table("entry_tasks")
    op.drop_index("ix_entries_owner_date", table_name="entries")
    op.drop_table("entries")
