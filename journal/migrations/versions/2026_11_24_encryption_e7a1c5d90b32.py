"""Journal text encrypted at rest: sealed entries and each leader's wrapped data key.

Revision ID: e7a1c5d90b32
Revises: c41d2e7f0a93
Create Date: 2026-11-24

Written by hand and checked against the models by tests/test_migrations.py.

Entries gain `sealed` (title and body encrypted with the owner's data key). The old plain
`title` and `body` columns stay, nullable, for entries written before this revision: a
migration cannot encrypt them, because no key exists until the owner logs in. At each
owner's next login their entries are sealed and the plain columns emptied (see
journal/auth/keys.py; `flask --app wsgi encryption status` lists who is left).

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
    """Add the wrapped keys to users and the sealed text to entries."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("key_by_password", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("key_by_recovery", sa.String(length=255), nullable=True))
        batch.add_column(
            sa.Column("recovery_key_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    with op.batch_alter_table("entries") as batch:
        batch.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
        batch.alter_column("title", existing_type=sa.String(length=200), nullable=True)
        batch.alter_column("body", existing_type=sa.Text(), nullable=True)
        batch.create_check_constraint(
            op.f("ck_entries_has_text"), "sealed IS NOT NULL OR body IS NOT NULL"
        )


def downgrade():
    """Drop them again, unless an entry is sealed (its text would be lost)."""
    sealed = op.get_bind().scalar(sa.text("SELECT count(*) FROM entries WHERE sealed IS NOT NULL"))
    if sealed:
        raise RuntimeError(
            f"{sealed} entries are encrypted; downgrading would lose their text. "
            "Export each journal from the app first."
        )
    with op.batch_alter_table("entries") as batch:
        batch.drop_constraint(op.f("ck_entries_has_text"), type_="check")
        batch.alter_column("body", existing_type=sa.Text(), nullable=False)
        batch.alter_column("title", existing_type=sa.String(length=200), nullable=False)
        batch.drop_column("sealed")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
        batch.drop_column("recovery_key_confirmed_at")
        batch.drop_column("key_by_recovery")
        batch.drop_column("key_by_password")
