"""Journal text encrypted at rest: sealed entries and each leader's wrapped data key.

Revision ID: e7a1c5d90b32
Revises: c41d2e7f0a93
Create Date: 2026-11-24

Written by hand and checked against the models by tests/test_migrations.py.

Entries gain `sealed` (title and body encrypted with the owner's data key). The old plain
`title` and `body` columns stay for entries written before this revision (a migration
cannot encrypt them: no key exists until the owner logs in) and are empty strings for
every sealed entry. At each owner's next login their entries are sealed and the plain
columns emptied (journal/auth/keys.py; `flask --app wsgi encryption status` lists who is
left).

Downgrading is refused while any entry is sealed: the plain columns could not be filled
again without the owners' keys, and the text would be lost.
"""

import sqlalchemy as sa
from alembic import op

revision = "e7a1c5d90b32"
down_revision = "c41d2e7f0a93"
branch_labels = None
depends_on = None


def upgrade():
    """Add the wrapped keys to users and the sealed text to entries.

    Only ADD COLUMN, on purpose: SQLite's batch mode would rebuild the tables, and dropping
    the old users or entries table fires their ON DELETE CASCADE rules, deleting every
    entry, tag and goal link with it.
    """
    op.add_column("users", sa.Column("key_by_password", sa.String(length=255), nullable=True))
    op.add_column("users", sa.Column("key_by_recovery", sa.String(length=255), nullable=True))
    op.add_column(
        "users", sa.Column("recovery_key_confirmed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "users", sa.Column("key_version", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("entries", sa.Column("sealed", sa.LargeBinary(), nullable=True))


def downgrade():
    """Drop them again, unless an entry is sealed (its text would be lost)."""
    sealed = op.get_bind().scalar(sa.text("SELECT count(*) FROM entries WHERE sealed IS NOT NULL"))
    if sealed:
        raise RuntimeError(
            f"{sealed} entries are encrypted; downgrading would lose their text. "
            "Export each journal from the app first."
        )
    op.drop_column("entries", "sealed")
    op.drop_column("users", "must_change_password")
    op.drop_column("users", "key_version")
    op.drop_column("users", "recovery_key_confirmed_at")
    op.drop_column("users", "key_by_recovery")
    op.drop_column("users", "key_by_password")
