"""Notifications: what is new for a person, the mails about it, and who wants which.

Revision ID: bcca8d264735
Revises: 6fd72ac756ad
Create Date: 2026-12-02

Written by hand and checked against the models by tests/test_migrations.py (issue 18).
Three new tables; nothing existing changes. A notification names a kind, who did it and a
goal or link by id, never any text (journal/models/notification.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "bcca8d264735"
down_revision = "6fd72ac756ad"
branch_labels = None
depends_on = None


def upgrade():
    """Create the tables: mails first, since notifications refer to them."""
    op.create_table(
        "outgoing_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=32), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("unsubscribe_hash", sa.String(length=64), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_outgoing_mails_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mails")),
        sa.UniqueConstraint("unsubscribe_hash", name=op.f("uq_outgoing_mails_unsubscribe_hash")),
    )
    op.create_index("ix_outgoing_mails_due", "outgoing_mails", ["sent_at", "next_try_at"])
    op.create_index(op.f("ix_outgoing_mails_recipient_id"), "outgoing_mails", ["recipient_id"])

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.Column("once_key", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_notifications_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goals.id"],
            name=op.f("fk_notifications_goal_id_goals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["manager_links.id"],
            name=op.f("fk_notifications_link_id_manager_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["outgoing_mails.id"],
            name=op.f("fk_notifications_mail_id_outgoing_mails"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_notifications_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("once_key", name=op.f("uq_notifications_once_key")),
    )
    op.create_index("ix_notifications_unread", "notifications", ["recipient_id", "read_at"])
    op.create_index("ix_notifications_to_mail", "notifications", ["mail_id", "mail_after"])
    op.create_index(op.f("ix_notifications_goal_id"), "notifications", ["goal_id"])
    op.create_index(op.f("ix_notifications_link_id"), "notifications", ["link_id"])

    op.create_table(
        "notification_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("links", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("check_in_due", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reflection", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("appraisal", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("requests", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("shares", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("replies", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("reflection_days", sa.String(length=7), server_default="12345", nullable=False),
        sa.Column(
            "reflection_time", sa.Time(), server_default=sa.text("'16:30:00'"), nullable=False
        ),
        sa.Column("reflection_misses", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reflection_last_sent", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appraisal_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_settings")),
    )


def downgrade():
    """Drop the tables (what was new and the mails waiting go with them)."""
    op.drop_table("notification_settings")
    op.drop_index(op.f("ix_notifications_link_id"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_goal_id"), table_name="notifications")
    op.drop_index("ix_notifications_to_mail", table_name="notifications")
    op.drop_index("ix_notifications_unread", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_outgoing_mails_recipient_id"), table_name="outgoing_mails")
    op.drop_index("ix_outgoing_mails_due", table_name="outgoing_mails")
    op.drop_table("outgoing_mails")
