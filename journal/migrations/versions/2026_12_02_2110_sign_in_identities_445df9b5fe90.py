"""Sign-in identities: accounts bound to a subject of the municipality's OpenID provider.

Revision ID: 445df9b5fe90
Revises: 7e1f0c2a9b41
Create Date: 2026-12-02

Written by hand and checked against the models by tests/test_migrations.py (issue 19).
One new table; nothing existing changes. A row holds the provider's issuer URL and the
subject it gives the person (for Entra ID the tenant and object ids), never a name, an
address or a token (journal/models/identity.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "445df9b5fe90"
down_revision = "7e1f0c2a9b41"
branch_labels = None
depends_on = None


def upgrade():
    """Create the table."""
    op.create_table(
        "sign_in_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sign_in_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_identities")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_sign_in_identities_issuer_subject")),
        sa.UniqueConstraint("user_id", "issuer", name=op.f("uq_sign_in_identities_user_issuer")),
    )


def downgrade():
    """Drop it."""
    op.drop_table("sign_in_identities")
