"""Goals, check-ins and reviews sealed; the share's readable copy; comments within a link.

Revision ID: 6fd72ac756ad
Revises: 8e4b1f7c2a63
Create Date: 2026-12-02

Written by hand and checked against the models by tests/test_migrations.py (issue 17).

- `goals`, `check_ins` and `reviews` gain `sealed`: their text (a goal's title, why and
  how-I-know, a check-in's note, a review's notes and snapshot) sealed with the owner's data
  key. As for entries, a migration cannot seal anything (no key exists until the owner logs
  in): the plain columns keep the text written before this revision until the owner's next
  log-in seals it and empties them (journal/auth/keys.py). A sealed goal's plain title is
  empty, so the check that it is not goes.
- `shares` gain a readable copy of what the manager sees of the goal (title, why,
  how-I-know) and `shared_notes` the copy of its check-in notes when the leader includes
  them: the manager's pages read only these. Filled here from the plain text.
- `comments` gain `link_id`: the link a comment was made within. An existing comment
  belongs to the link that was accepted for the goal's leader when it was written, if its
  author is that link's manager or the leader; else to none (no manager sees it).

On SQLite only `comments` is rebuilt (batch mode), which no table refers to; the others
get ADD COLUMN only, on purpose: `goals` holds most of the rows a leader owns and every
sealed table refers to it, so it is not copied. The title check is removed from SQLite's
stored schema as SQLite documents for removing a CHECK constraint (writable_schema),
checked before and after.

Downgrading is refused while anything is sealed: the plain columns could not be filled
again without the owners' keys.
"""

import re
import sqlite3

import sqlalchemy as sa
from alembic import op

revision = "6fd72ac756ad"
down_revision = "8e4b1f7c2a63"
branch_labels = None
depends_on = None

TITLE_CHECK = "CONSTRAINT ck_goals_title_length CHECK (length(title) >= 1)"
SEALED_TABLES = ("goals", "check_ins", "reviews")

COMMENT_LINKS = """
UPDATE comments SET link_id = (
    SELECT manager_links.id
    FROM manager_links JOIN goals ON goals.owner_id = manager_links.leader_id
    WHERE goals.id = comments.goal_id
      AND manager_links.status IN ('accepted', 'ended')
      AND manager_links.responded_at IS NOT NULL
      AND manager_links.responded_at <= comments.created_at
      AND (manager_links.ended_at IS NULL OR manager_links.ended_at >= comments.created_at)
      AND comments.author_id IN (manager_links.manager_id, manager_links.leader_id)
    ORDER BY manager_links.responded_at DESC
    LIMIT 1
)
"""

SHARE_COPIES = """
UPDATE shares SET
    title = (SELECT goals.title FROM goals WHERE goals.id = shares.goal_id),
    why = (SELECT goals.why FROM goals WHERE goals.id = shares.goal_id),
    how_i_know = (SELECT goals.how_i_know FROM goals WHERE goals.id = shares.goal_id)
"""

NOTE_COPIES = """
INSERT INTO shared_notes (check_in_id, goal_id, note)
SELECT check_ins.id, check_ins.goal_id, check_ins.note
FROM check_ins JOIN shares ON shares.goal_id = check_ins.goal_id
WHERE shares.include_notes AND check_ins.note <> ''
"""


def upgrade():
    """Add the columns and the table, fill the copies and the comments' links, and drop the
    check on goals' plain title."""
    for table in SEALED_TABLES:
        op.add_column(table, sa.Column("sealed", sa.LargeBinary(), nullable=True))

    for name, kind in (
        ("title", sa.String(length=300)),
        ("why", sa.Text()),
        ("how_i_know", sa.Text()),
    ):
        op.add_column("shares", sa.Column(name, kind, nullable=True))
    op.create_table(
        "shared_notes",
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_ins.id"],
            name=op.f("fk_shared_notes_check_in_id_check_ins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["shares.goal_id"],
            name=op.f("fk_shared_notes_goal_id_shares"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("check_in_id", name=op.f("pk_shared_notes")),
    )
    op.create_index(op.f("ix_shared_notes_goal_id"), "shared_notes", ["goal_id"])
    op.execute(SHARE_COPIES)
    op.execute(NOTE_COPIES)

    # Comments may be rebuilt on SQLite (batch mode): no table refers to them.
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("link_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_comments_link_id_manager_links"),
            "manager_links",
            ["link_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_comments_link_id"), ["link_id"])
    op.execute(COMMENT_LINKS)

    if _is_sqlite():
        _change_sqlite_goals(_without_title_check)
    else:
        op.drop_constraint(op.f("ck_goals_title_length"), "goals", type_="check")


def downgrade():
    """Drop them again, unless anything is sealed (its text would be lost)."""
    bind = op.get_bind()
    sealed = sum(
        bind.scalar(sa.text(f"SELECT count(*) FROM {table} WHERE sealed IS NOT NULL"))  # noqa: S608
        for table in SEALED_TABLES
    )
    if sealed:
        raise RuntimeError(
            f"{sealed} goals, check-ins or reviews are encrypted; downgrading would lose their "
            "text. Export each journal from the app first."
        )
    with op.batch_alter_table("comments") as batch:
        batch.drop_index(op.f("ix_comments_link_id"))
        batch.drop_constraint(op.f("fk_comments_link_id_manager_links"), type_="foreignkey")
        batch.drop_column("link_id")
    op.drop_index(op.f("ix_shared_notes_goal_id"), table_name="shared_notes")
    op.drop_table("shared_notes")
    for name in ("how_i_know", "why", "title"):
        op.drop_column("shares", name)
    for table in SEALED_TABLES:
        op.drop_column(table, "sealed")
    if _is_sqlite():
        _change_sqlite_goals(_with_title_check)
    else:
        op.create_check_constraint(op.f("ck_goals_title_length"), "goals", "length(title) >= 1")


# SQLite ------------------------------------------------------------------------------------


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _without_title_check(sql: str) -> str:
    changed, found = re.subn(r",\s*" + re.escape(TITLE_CHECK), "", sql)
    if found != 1:
        raise RuntimeError("goals: the title check is not where this migration expects it")
    return changed


def _with_title_check(sql: str) -> str:
    empty = op.get_bind().scalar(sa.text("SELECT count(*) FROM goals WHERE length(title) < 1"))
    if empty:
        raise RuntimeError(f"{empty} goals have no plain title; the check cannot come back")
    body = sql.rstrip()
    if not body.endswith(")"):
        raise RuntimeError("goals: the table's definition is not what this migration expects")
    return f"{body[:-1].rstrip()}, \n\t{TITLE_CHECK}\n)"


def _change_sqlite_goals(change) -> None:
    """Replace the stored definition of `goals` by `change(definition)`, as SQLite documents
    for removing (or restoring a satisfied) CHECK constraint: the rows are not touched."""
    bind = op.get_bind()
    where = "type = 'table' AND name = 'goals'"
    old = bind.scalar(sa.text(f"SELECT sql FROM sqlite_master WHERE {where}"))  # noqa: S608
    new = change(old)
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.execute(new)  # a definition that does not parse would make the file unreadable
    finally:
        scratch.close()
    version = bind.scalar(sa.text("PRAGMA schema_version"))
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.execute(
            sa.text(f"UPDATE sqlite_master SET sql = :sql WHERE {where}"),  # noqa: S608
            {"sql": new},
        )
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    if bind.scalar(sa.text("PRAGMA quick_check")) != "ok":
        raise RuntimeError("goals: SQLite's check of the database failed after the change")
