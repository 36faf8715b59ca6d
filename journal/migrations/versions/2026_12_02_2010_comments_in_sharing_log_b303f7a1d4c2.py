"""Comments in the sharing log: a comment by the manager and a reply by the leader.

Revision ID: b303f7a1d4c2
Revises: bcca8d264735
Create Date: 2026-12-02

Written by hand (issue 18, item 1). The log's CHECK on `sharing_events.kind` gains
`commented` and `replied`: who commented on which goal and when, never the words. Changing a
CHECK rebuilds the table on SQLite (no table refers to `sharing_events`, and the migration
environment turns foreign keys off while it runs); PostgreSQL drops and adds the constraint.
"""

from alembic import op

revision = "b303f7a1d4c2"
down_revision = "bcca8d264735"
branch_labels = None
depends_on = None

OLD_KINDS = (
    "link_requested",
    "link_accepted",
    "link_declined",
    "link_ended",
    "shared",
    "unshared",
    "viewed",
)
NEW_KINDS = (*OLD_KINDS, "commented", "replied")


def _kinds(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def upgrade():
    """Allow the two new kinds."""
    with op.batch_alter_table("sharing_events") as batch:
        batch.drop_constraint(op.f("ck_sharing_events_kind"), type_="check")
        batch.create_check_constraint("kind", _kinds(NEW_KINDS))


def downgrade():
    """Back to the log without comments (their lines are dropped)."""
    op.execute("DELETE FROM sharing_events WHERE kind IN ('commented', 'replied')")
    with op.batch_alter_table("sharing_events") as batch:
        batch.drop_constraint(op.f("ck_sharing_events_kind"), type_="check")
        batch.create_check_constraint("kind", _kinds(OLD_KINDS))
