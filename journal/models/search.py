"""A leader's search index, kept sealed in the database (journal/entries/search_index.py).

Every block is sealed with the leader's data key: nothing here is readable without it. What
the rows show to someone holding the database (their number, sizes and when they change) is
told in the README's "What a database dump shows".
"""

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from journal.extensions import db


class SearchMeta(db.Model):
    """The index's directory: which entry and day each slot holds, and each shard's version.

    `generation` grows with every compaction; a compaction writes only if it is still the
    one it read, so two servers compacting at once cannot both write.
    """

    __tablename__ = "search_meta"

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    generation: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class SearchShard(db.Model):
    """One shard of the index: the words of the buckets a keyed hash sends to it, each with
    the entries it is in (sealed, padded to a whole number of KiB)."""

    __tablename__ = "search_shards"

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class SearchDelta(db.Model):
    """An entry saved since the last compaction: its words, sealed; read beside the shards
    until the next compaction folds it in."""

    __tablename__ = "search_deltas"
    __table_args__ = (Index("ix_search_deltas_owner", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class SearchGone(db.Model):
    """An entry deleted for good since the last compaction: its id only, written without
    the key (the trash is purged by a job that has none)."""

    __tablename__ = "search_gone"

    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
