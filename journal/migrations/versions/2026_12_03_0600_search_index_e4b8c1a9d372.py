"""The search index, kept sealed in the database, and an index of the trash.

Revision ID: e4b8c1a9d372
Revises: 8d4f6a2b1c90
Create Date: 2026-12-03

Written by hand and checked against the models by tests/test_migrations.py (issue 22).
Four new tables (journal/models/search.py), all empty: a migration has no leader's key, so
each leader's index is built at their first search and kept up to date from then on. The
partial index on the trashed entries lets a search leave them out without reading the
journal.
"""

import sqlalchemy as sa
from alembic import op

revision = "e4b8c1a9d372"
down_revision = "8d4f6a2b1c90"
branch_labels = None
depends_on = None

TRASHED = sa.text("deleted_at IS NOT NULL")


def _owner(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["owner_id"], ["users.id"], name=op.f(f"fk_{table}_owner_id_users"), ondelete="CASCADE"
    )


def upgrade():
    """Create the tables and the index."""
    op.create_table(
        "search_meta",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        _owner("search_meta"),
        sa.PrimaryKeyConstraint("owner_id", name=op.f("pk_search_meta")),
    )
    op.create_table(
        "search_shards",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        _owner("search_shards"),
        sa.PrimaryKeyConstraint("owner_id", "shard", name=op.f("pk_search_shards")),
    )
    op.create_table(
        "search_deltas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        _owner("search_deltas"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_deltas")),
    )
    op.create_index("ix_search_deltas_owner", "search_deltas", ["owner_id", "id"])
    op.create_table(
        "search_gone",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        _owner("search_gone"),
        sa.PrimaryKeyConstraint("owner_id", "entry_id", name=op.f("pk_search_gone")),
    )
    op.create_index(
        "ix_entries_owner_trashed",
        "entries",
        ["owner_id", "id"],
        sqlite_where=TRASHED,
        postgresql_where=TRASHED,
    )


def downgrade():
    """Drop them."""
    op.drop_index("ix_entries_owner_trashed", table_name="entries")
    op.drop_table("search_gone")
    op.drop_index("ix_search_deltas_owner", table_name="search_deltas")
    op.drop_table("search_deltas")
    op.drop_table("search_shards")
    op.drop_table("search_meta")
