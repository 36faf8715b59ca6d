"""Unlock factors: the data key's wraps move from two columns of users to a table of their own.

Revision ID: 7e1f0c2a9b41
Revises: 18aabda09ed9
Create Date: 2026-12-02

Written by hand and checked against the models by tests/test_migrations.py (issue 19).
A leader who signs in with the municipality's account has no password to derive a key
from: the journal opens with a passkey (WebAuthn PRF), a journal passphrase or the recovery
key. Each is one row of unlock_factors wrapping the same data key. The two wraps every
account has today are copied over unchanged (same text, same context), so every journal
opens as before; then the columns go. Downgrade copies them back, and refuses while an
account has a way in that the old columns cannot hold (a passkey or a passphrase): that
leader would be locked out.
"""

import sqlalchemy as sa
from alembic import op

from journal.models.types import UTCDateTime

revision = "7e1f0c2a9b41"
down_revision = "18aabda09ed9"
branch_labels = None
depends_on = None


def upgrade():
    """Make the table, copy both wraps of every account, drop the columns."""
    op.create_table(
        "unlock_factors",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey(
                "users.id", ondelete="CASCADE", name=op.f("fk_unlock_factors_user_id_users")
            ),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("wrapped", sa.String(255), nullable=False),
        sa.Column("name", sa.String(60), nullable=False, server_default=sa.text("''")),
        sa.Column("credential_id", sa.LargeBinary(), nullable=True),
        sa.Column("public_key", sa.LargeBinary(), nullable=True),
        sa.Column("sign_count", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("transports", sa.String(200), nullable=False, server_default=sa.text("''")),
        sa.Column("prf_salt", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('password', 'passphrase', 'passkey', 'recovery')",
            name="kind",
        ),
        sa.CheckConstraint(
            "kind <> 'passkey' OR (credential_id IS NOT NULL AND public_key IS NOT NULL "
            "AND prf_salt IS NOT NULL)",
            name="passkey_parts",
        ),
        sa.UniqueConstraint("credential_id", name=op.f("uq_unlock_factors_credential_id")),
    )
    op.create_index(
        "uq_unlock_factors_one_per_kind",
        "unlock_factors",
        ["user_id", "kind"],
        unique=True,
        sqlite_where=sa.text("kind <> 'passkey'"),
        postgresql_where=sa.text("kind <> 'passkey'"),
    )
    op.create_index("ix_unlock_factors_user", "unlock_factors", ["user_id"])
    for kind, column in (("password", "key_by_password"), ("recovery", "key_by_recovery")):
        op.execute(
            "INSERT INTO unlock_factors (user_id, kind, wrapped, name, sign_count, transports, "  # noqa: S608
            f"created_at) SELECT id, '{kind}', {column}, '', 0, '', created_at FROM users "
            f"WHERE {column} IS NOT NULL"
        )
    with op.batch_alter_table("users") as batch:
        batch.drop_column("key_by_recovery")
        batch.drop_column("key_by_password")


def downgrade():
    """Copy the password's and the recovery key's wraps back; refuse while a journal opens
    only in a way the old columns cannot hold."""
    other = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM unlock_factors WHERE kind IN ('passphrase', 'passkey')")
    )
    if other:
        raise RuntimeError(
            f"{other} passkeys or journal passphrases exist; the release before cannot open "
            "those journals. Remove them (or keep this release) before downgrading."
        )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("key_by_password", sa.String(255), nullable=True))
        batch.add_column(sa.Column("key_by_recovery", sa.String(255), nullable=True))
    for kind, column in (("password", "key_by_password"), ("recovery", "key_by_recovery")):
        op.execute(
            f"UPDATE users SET {column} = (SELECT wrapped FROM unlock_factors "  # noqa: S608
            f"WHERE unlock_factors.user_id = users.id AND kind = '{kind}')"
        )
    op.drop_index("ix_unlock_factors_user", table_name="unlock_factors")
    op.drop_index("uq_unlock_factors_one_per_kind", table_name="unlock_factors")
    op.drop_table("unlock_factors")
