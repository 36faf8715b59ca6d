"""Sharing with one's manager: links, shares, comments and the sharing log.

Revision ID: 8570641dd88c
Revises: 874adc1cfcb9
Create Date: 2026-11-24

Reviewed by hand: UTCDateTime written as DateTime(timezone=True) and the boolean default as
sa.false() (autogenerate wrote SQLite's literal 0). One open link per leader is a partial
unique index (SQLite and PostgreSQL both support WHERE on an index). The log keeps its rows
when a goal or the manager's account goes (SET NULL); everything else cascades.
"""

import sqlalchemy as sa
from alembic import op

revision = "8570641dd88c"
down_revision = "874adc1cfcb9"
branch_labels = None
depends_on = None


def upgrade():
    """Create manager_links, shares, comments and sharing_events."""
    op.create_table(
        "manager_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'ended')",
            name=op.f("ck_manager_links_status"),
        ),
        sa.CheckConstraint("leader_id <> manager_id", name=op.f("ck_manager_links_not_self")),
        sa.ForeignKeyConstraint(
            ["leader_id"],
            ["users.id"],
            name=op.f("fk_manager_links_leader_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["users.id"],
            name=op.f("fk_manager_links_manager_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_links")),
    )
    with op.batch_alter_table("manager_links", schema=None) as batch_op:
        batch_op.create_index("ix_manager_links_manager", ["manager_id", "status"], unique=False)
        batch_op.create_index(
            "uq_manager_links_one_open",
            ["leader_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('pending', 'accepted')"),
            postgresql_where=sa.text("status IN ('pending', 'accepted')"),
        )

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(body) BETWEEN 1 AND 2000", name=op.f("ck_comments_body_length")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_comments_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_comments_goal_id_goals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_goal", ["goal_id", "created_at"], unique=False)

    op.create_table(
        "shares",
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("include_notes", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_shares_goal_id_goals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["manager_links.id"],
            name=op.f("fk_shares_link_id_manager_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("goal_id", name=op.f("pk_shares")),
    )
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shares_link_id"), ["link_id"], unique=False)

    op.create_table(
        "sharing_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('link_requested', 'link_accepted', 'link_declined', 'link_ended', 'shared', 'unshared', 'viewed')",
            name=op.f("ck_sharing_events_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goals.id"],
            name=op.f("fk_sharing_events_goal_id_goals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["leader_id"],
            ["users.id"],
            name=op.f("fk_sharing_events_leader_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["users.id"],
            name=op.f("fk_sharing_events_manager_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_events")),
    )
    with op.batch_alter_table("sharing_events", schema=None) as batch_op:
        batch_op.create_index("ix_sharing_events_leader", ["leader_id", "at"], unique=False)


def downgrade():
    """Drop the sharing tables."""
    op.drop_table("sharing_events")
    op.drop_table("shares")
    op.drop_table("comments")
    op.drop_table("manager_links")
