"""The ways a leader's journal opens: each an unlock factor holding the same data key,
wrapped by a key that only the leader's factor can make."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from journal.extensions import db
from journal.models.types import UTCDateTime
from journal.models.user import utcnow

# password: the log-in password (scrypt); passphrase: a journal passphrase for a leader who
# signs in with the municipality's account (scrypt); passkey: a passkey's PRF output (HKDF);
# recovery: the printed recovery key (HKDF).
FACTOR_KINDS = ("password", "passphrase", "passkey", "recovery")
MAX_PASSKEY_NAME = 60
MAX_CREDENTIAL_ID = 1023  # WebAuthn: a credential id is at most 1023 bytes
MAX_PUBLIC_KEY = 2048


class UnlockFactor(db.Model):
    """One wrap of a leader's data key: by the password, a journal passphrase, a passkey or
    the recovery key. At most one of each kind but passkeys; every wrap holds the same key,
    so adding or removing one never touches what the leader wrote.

    A passkey's row keeps what checks its assertions (credential id, public key, signature
    counter) and the PRF input (`prf_salt`) whose output, made by the authenticator and
    never stored, derives the wrapping key.
    """

    __tablename__ = "unlock_factors"
    __table_args__ = (
        CheckConstraint("kind IN ('password', 'passphrase', 'passkey', 'recovery')", name="kind"),
        CheckConstraint(
            "kind <> 'passkey' OR (credential_id IS NOT NULL AND public_key IS NOT NULL "
            "AND prf_salt IS NOT NULL)",
            name="passkey_parts",
        ),
        Index(
            "uq_unlock_factors_one_per_kind",
            "user_id",
            "kind",
            unique=True,
            sqlite_where=text("kind <> 'passkey'"),
            postgresql_where=text("kind <> 'passkey'"),
        ),
        Index("ix_unlock_factors_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # The data key wrapped, as text: "<derivation>$<salt>$<sealed key>" (journal/crypto.py).
    wrapped: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(
        String(MAX_PASSKEY_NAME), default="", server_default=text("''")
    )
    credential_id: Mapped[bytes | None] = mapped_column(LargeBinary, unique=True)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The authenticator's counter is 32 bits unsigned: beyond a signed INTEGER.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    transports: Mapped[str] = mapped_column(String(200), default="", server_default=text("''"))
    prf_salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<UnlockFactor {self.id} {self.kind} of user {self.user_id}>"


class SpentChallenge(db.Model):
    """A passkey ceremony's challenge, once answered: never accepted again.

    The ceremony under way lives in the signed session cookie, and taking it out changes only
    the next cookie: a copy of the cookie from before would answer it again, as often as it
    likes, for as long as the ceremony lasts. So each challenge answered is kept here (only
    its SHA-256) for that long, on every server alike.
    """

    __tablename__ = "spent_passkey_challenges"

    challenge_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    spent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
