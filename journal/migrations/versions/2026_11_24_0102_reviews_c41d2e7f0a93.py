"""Saved reviews.

Revision ID: c41d2e7f0a93
Revises: 8570641dd88c
Create Date: 2026-11-24

Written by hand and checked against the models by tests/test_migrations.py. A review goes
with its owner's account.
"""

import sqlalchemy as sa
from alembic import op

revision = "c41d2e7f0a93"
down_revision = "8570641dd88c"
branch_labels = None
depends_on = None


def upgrade():
    """Create reviews."""
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("proud", sa.Text(), nullable=False),
        sa.Column("next_practice", sa.Text(), nullable=False),
        sa.Column("need_from_manager", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period_start <= period_end", name=op.f("ck_reviews_period_order")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_reviews_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    op.create_index("ix_reviews_owner", "reviews", ["owner_id", "created_at"])


def downgrade():
    """Drop reviews."""
    op.drop_table("reviews")
