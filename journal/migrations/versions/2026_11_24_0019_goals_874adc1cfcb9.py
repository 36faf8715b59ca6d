"""Goals, their tasks, status history and check-ins; entries linked to goals.

Revision ID: 874adc1cfcb9
Revises: 5b0e7c3d9a41
Create Date: 2026-11-24

Reviewed by hand: autogenerate wrote the app's UTCDateTime type (a TypeDecorator, which the
migration must not import); its column type is DateTime(timezone=True). Everything belongs to
its owner through goals.owner_id and goes with the account (ON DELETE CASCADE).
"""

import sqlalchemy as sa
from alembic import op

revision = "874adc1cfcb9"
down_revision = "5b0e7c3d9a41"
branch_labels = None
depends_on = None

STATUSES = "status IN ('active', 'paused', 'achieved', 'let_go')"


def upgrade():
    """Create goals, goal_tasks, goal_status_changes, check_ins and entry_goals."""
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("how_i_know", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(STATUSES, name=op.f("ck_goals_status")),
        sa.CheckConstraint("length(title) >= 1", name=op.f("ck_goals_title_length")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_goals_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
    )
    op.create_index("ix_goals_owner_status", "goals", ["owner_id", "status", "position"])
    op.create_table(
        "goal_tasks",
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("task_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_goal_tasks_goal_id_goals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("goal_id", "task_key", name=op.f("pk_goal_tasks")),
    )
    op.create_table(
        "goal_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(STATUSES, name=op.f("ck_goal_status_changes_status")),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goals.id"],
            name=op.f("fk_goal_status_changes_goal_id_goals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_status_changes")),
    )
    op.create_index(op.f("ix_goal_status_changes_goal_id"), "goal_status_changes", ["goal_id"])
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_check_ins_rating_range")),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_check_ins_goal_id_goals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
    )
    op.create_index("ix_check_ins_goal_day", "check_ins", ["goal_id", "day"])
    op.create_table(
        "entry_goals",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_entry_goals_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_entry_goals_goal_id_goals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entry_id", "goal_id", name=op.f("pk_entry_goals")),
    )
    op.create_index(op.f("ix_entry_goals_goal_id"), "entry_goals", ["goal_id"])


def downgrade():
    """Drop the goal tables."""
    op.drop_table("entry_goals")
    op.drop_table("check_ins")
    op.drop_table("goal_status_changes")
    op.drop_table("goal_tasks")
    op.drop_table("goals")
