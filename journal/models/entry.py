"""Journal entries: a leader's private reflections, tagged with framework tasks."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.types import UTCDateTime
from journal.models.user import utcnow

MAX_BODY_LENGTH = 100_000
MAX_TITLE_LENGTH = 200
TASK_KEY_LENGTH = 64


class EntryNotOpened(RuntimeError):
    """An entry's text was read before its owner's key opened it (a bug, never a page).

    Not an AttributeError, which a template would quietly render as nothing.
    """


class Entry(db.Model):
    """One reflection; `version` grows with every save, `deleted_at` marks the trash.

    Title and body are stored only sealed with the owner's data key (`sealed`); the
    services open them into `title` and `body` for the owner, see `open_text`.
    """

    __tablename__ = "entries"
    __table_args__ = (
        CheckConstraint(f"length(body) <= {MAX_BODY_LENGTH}", name="body_length"),
        CheckConstraint("version >= 1", name="version_positive"),
        # The journal list walks this index newest first, page after page (keyset).
        Index("ix_entries_owner_date", "owner_id", "entry_date", "id"),
        # When a leader last wrote, read by the reminder to write (journal/notifications/
        # reminders.py) for every leader who wants it: one step into this index each.
        Index("ix_entries_owner_created", "owner_id", "created_at"),
        # The trash, which every search leaves out (journal/entries/search_index.py): only
        # the few entries in it, so that finding them costs nothing like the journal.
        Index(
            "ix_entries_owner_trashed",
            "owner_id",
            "id",
            sqlite_where=text("deleted_at IS NOT NULL"),
            postgresql_where=text("deleted_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    entry_date: Mapped[date] = mapped_column(Date)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Plain text from before encryption, until the owner's next login seals it (auth/keys.py);
    # empty for every sealed entry.
    plain_title: Mapped[str] = mapped_column("title", String(MAX_TITLE_LENGTH), default="")
    plain_body: Mapped[str] = mapped_column("body", Text, default="")
    starred: Mapped[bool] = mapped_column(default=False, server_default=false())
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    task_links: Mapped[list["EntryTask"]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="EntryTask.task_key",
    )

    goal_links: Mapped[list["EntryGoal"]] = relationship(  # noqa: F821 (models/goal.py)
        cascade="all, delete-orphan", passive_deletes=True
    )

    unreadable = False  # set (not stored) when the seal did not open: see open_entries

    def open_text(self, title: str, body: str) -> None:
        """Give the entry the title and body its current seal holds, opened by the caller."""
        self.__dict__["_text"] = (self.sealed, title, body)

    def _opened(self) -> tuple[bytes, str, str]:
        try:
            return self.__dict__["_text"]
        except KeyError:
            raise EntryNotOpened(self.id) from None

    @property
    def title(self) -> str:
        """The title, once opened with the owner's key."""
        return self._opened()[1]

    @property
    def body(self) -> str:
        """The body (Markdown), once opened with the owner's key."""
        return self._opened()[2]

    @property
    def goal_ids(self) -> list[int]:
        """The goals this entry is evidence for."""
        return [link.goal_id for link in self.goal_links]

    @property
    def task_keys(self) -> list[str]:
        """The keys of the framework tasks this entry is tagged with."""
        return [link.task_key for link in self.task_links]

    @classmethod
    def belongs_to(cls, user_id: int):
        """`owner_id == user_id`, written so that SQLite does not answer it from the owner's
        index: joined from a goal's few links, it would otherwise walk all the leader's
        entries (a thousand, after a few years), then check the owner of each of those."""
        return cls.owner_id + 0 == user_id

    def __repr__(self) -> str:
        return f"<Entry {self.id}>"


@event.listens_for(Entry, "refresh")
def _forget_stale_text(entry: Entry, _context, _attributes) -> None:
    """Reloaded from the database with another seal, the opened text is stale: forget it.

    (Expiry alone, as at every commit, keeps it: the same seal holds the same text.)
    """
    opened = entry.__dict__.get("_text")
    if opened is not None and opened[0] != entry.__dict__.get("sealed"):
        del entry.__dict__["_text"]


class EntryTask(db.Model):
    """An entry's tag: a framework task, by its stable key."""

    __tablename__ = "entry_tasks"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
    )
    task_key: Mapped[str] = mapped_column(String(TASK_KEY_LENGTH), primary_key=True)

    entry: Mapped[Entry] = relationship(back_populates="task_links")
