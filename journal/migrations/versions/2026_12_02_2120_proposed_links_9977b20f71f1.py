"""Proposed manager links: an administrator's import proposes, the leader confirms.

Revision ID: 9977b20f71f1
Revises: 445df9b5fe90
Create Date: 2026-12-02

Written by hand (issue 19, item 4) and checked against the models by tests/test_migrations.py.

A manager named in an imported CSV file is not linked: the link is `proposed`, seen by the
leader only, who confirms it (it becomes a request, `pending`, for the manager to accept)
or declines it. A proposal is the leader's one open link, so the partial unique index that
allows one open link per leader counts it too. The sharing log gains `link_proposed` and
`proposal_declined` (the address, never anything else). Changing a CHECK rebuilds the
table on SQLite (the migration environment turns foreign keys off while it runs);
PostgreSQL drops and adds the constraint.
"""

import sqlalchemy as sa
from alembic import op

revision = "9977b20f71f1"
down_revision = "445df9b5fe90"
branch_labels = None
depends_on = None

OLD_STATUSES = ("pending", "accepted", "declined", "ended")
NEW_STATUSES = ("proposed", *OLD_STATUSES)
OLD_OPEN = ("pending", "accepted")
NEW_OPEN = ("proposed", *OLD_OPEN)
OLD_KINDS = (
    "link_requested",
    "link_accepted",
    "link_declined",
    "link_ended",
    "shared",
    "unshared",
    "viewed",
    "commented",
    "replied",
)
NEW_KINDS = ("link_requested", "link_proposed", "proposal_declined", *OLD_KINDS[1:])


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _links(statuses: tuple[str, ...], open_statuses: tuple[str, ...]) -> None:
    with op.batch_alter_table("manager_links") as batch:
        batch.drop_index("uq_manager_links_one_open")
        batch.drop_constraint(op.f("ck_manager_links_status"), type_="check")
        batch.create_check_constraint("status", _in("status", statuses))
        batch.create_index(
            "uq_manager_links_one_open",
            ["leader_id"],
            unique=True,
            sqlite_where=sa.text(_in("status", open_statuses)),
            postgresql_where=sa.text(_in("status", open_statuses)),
        )


def _kinds(kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table("sharing_events") as batch:
        batch.drop_constraint(op.f("ck_sharing_events_kind"), type_="check")
        batch.create_check_constraint("kind", _in("kind", kinds))


def upgrade():
    """Allow the new status and log lines; count a proposal as the leader's open link."""
    _links(NEW_STATUSES, NEW_OPEN)
    _kinds(NEW_KINDS)


def downgrade():
    """Back to links without proposals: an open proposal is dropped, as are its log lines
    (the manager never knew of it)."""
    op.execute("DELETE FROM manager_links WHERE status = 'proposed'")
    op.execute("DELETE FROM sharing_events WHERE kind IN ('link_proposed', 'proposal_declined')")
    _kinds(OLD_KINDS)
    _links(OLD_STATUSES, OLD_OPEN)
