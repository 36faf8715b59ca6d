"""The agenda for the appraisal conversation: points, their shares, meetings and notes.

Revision ID: 8d4f6a2b1c90
Revises: 5b21d0a7c3e4
Create Date: 2026-12-03

Written by hand and checked against the models by tests/test_migrations.py (issue 21,
item 5). Four new tables (journal/models/agenda.py). The sharing log gains a talking point
per line (`point_id`) and four kinds: `point_shared`, `point_unshared`, `point_added` and
`agenda_viewed` (who and when, never the words). Changing a CHECK rebuilds the table on
SQLite (the migration environment turns foreign keys off while it runs); PostgreSQL drops
and adds the constraint.
"""

import sqlalchemy as sa
from alembic import op

revision = "8d4f6a2b1c90"
down_revision = "5b21d0a7c3e4"
branch_labels = None
depends_on = None

OLD_KINDS = (
    "link_requested",
    "link_proposed",
    "proposal_declined",
    "link_accepted",
    "link_declined",
    "link_ended",
    "shared",
    "unshared",
    "viewed",
    "commented",
    "replied",
)
NEW_KINDS = (*OLD_KINDS, "point_shared", "point_unshared", "point_added", "agenda_viewed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _kinds(kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table("sharing_events") as batch:
        batch.drop_constraint(op.f("ck_sharing_events_kind"), type_="check")
        batch.create_check_constraint("kind", _in("kind", kinds))


def upgrade():
    """Create the tables, then let the log name a point."""
    op.create_table(
        "agenda_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["leader_id"],
            ["users.id"],
            name=op.f("fk_agenda_meetings_leader_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["manager_links.id"],
            name=op.f("fk_agenda_meetings_link_id_manager_links"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_meetings")),
    )
    op.create_index("ix_agenda_meetings_leader", "agenda_meetings", ["leader_id", "held_on"])
    op.create_index(op.f("ix_agenda_meetings_link_id"), "agenda_meetings", ["link_id"])

    op.create_table(
        "agenda_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("manager_body", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("carried_over", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "(author_id = leader_id AND manager_body IS NULL)"
            " OR (author_id <> leader_id AND sealed IS NULL AND manager_body IS NOT NULL)",
            name=op.f("ck_agenda_points_who_wrote"),
        ),
        sa.CheckConstraint(
            "length(manager_body) <= 500", name=op.f("ck_agenda_points_manager_body_length")
        ),
        sa.CheckConstraint("carried_over >= 0", name=op.f("ck_agenda_points_carried_over")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_agenda_points_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"],
            ["users.id"],
            name=op.f("fk_agenda_points_done_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["leader_id"],
            ["users.id"],
            name=op.f("fk_agenda_points_leader_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["manager_links.id"],
            name=op.f("fk_agenda_points_link_id_manager_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["agenda_meetings.id"],
            name=op.f("fk_agenda_points_meeting_id_agenda_meetings"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_points")),
    )
    op.create_index(
        "ix_agenda_points_leader", "agenda_points", ["leader_id", "meeting_id", "created_at"]
    )
    op.create_index(op.f("ix_agenda_points_link_id"), "agenda_points", ["link_id"])

    op.create_table(
        "agenda_shares",
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=500), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["manager_links.id"],
            name=op.f("fk_agenda_shares_link_id_manager_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["agenda_points.id"],
            name=op.f("fk_agenda_shares_point_id_agenda_points"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("point_id", name=op.f("pk_agenda_shares")),
    )
    op.create_index(op.f("ix_agenda_shares_link_id"), "agenda_shares", ["link_id"])

    op.create_table(
        "agenda_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_agenda_notes_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["agenda_meetings.id"],
            name=op.f("fk_agenda_notes_meeting_id_agenda_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_notes")),
        sa.UniqueConstraint("meeting_id", "author_id", name=op.f("uq_agenda_notes_meeting_id")),
    )
    op.create_index(op.f("ix_agenda_notes_author_id"), "agenda_notes", ["author_id"])
    op.create_index(op.f("ix_agenda_notes_meeting_id"), "agenda_notes", ["meeting_id"])

    with op.batch_alter_table("sharing_events") as batch:
        batch.add_column(sa.Column("point_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_sharing_events_point_id_agenda_points"),
            "agenda_points",
            ["point_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _kinds(NEW_KINDS)


def downgrade():
    """Drop the agenda and its log lines."""
    op.execute(
        "DELETE FROM sharing_events WHERE kind IN "
        "('point_shared', 'point_unshared', 'point_added', 'agenda_viewed')"
    )
    _kinds(OLD_KINDS)
    with op.batch_alter_table("sharing_events") as batch:
        batch.drop_constraint(op.f("fk_sharing_events_point_id_agenda_points"), type_="foreignkey")
        batch.drop_column("point_id")
    op.drop_table("agenda_notes")
    op.drop_table("agenda_shares")
    op.drop_table("agenda_points")
    op.drop_table("agenda_meetings")
