"""Sign-in identities: an account bound to a subject of an OpenID provider (journal/sso)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from journal.extensions import db
from journal.models.types import UTCDateTime
from journal.models.user import utcnow

MAX_ISSUER_LENGTH = 255
MAX_SUBJECT_LENGTH = 255


class SignInIdentity(db.Model):
    """The municipality's sign-in of one person (issuer and subject), bound to one account.

    An account is found by this pair, never by the email alone: an address can be renamed,
    reused or typed by an identity-provider administrator, a subject cannot. One subject per
    account and issuer, so that a second person at the provider cannot take an account over.
    """

    __tablename__ = "sign_in_identities"
    __table_args__ = (
        UniqueConstraint("issuer", "subject", name="uq_sign_in_identities_issuer_subject"),
        UniqueConstraint("user_id", "issuer", name="uq_sign_in_identities_user_issuer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The provider as configured (OIDC_ISSUER), and the subject as OIDC_SUBJECT_CLAIMS make
    # it ("<tid>:<oid>" for Entra ID): pseudonymous ids, no name or address.
    issuer: Mapped[str] = mapped_column(String(MAX_ISSUER_LENGTH))
    subject: Mapped[str] = mapped_column(String(MAX_SUBJECT_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<SignInIdentity {self.id} of user {self.user_id}>"
