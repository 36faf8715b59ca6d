"""The migrations build exactly the schema the models describe, on both databases."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from journal import MIGRATIONS, create_app
from journal.extensions import db
from tests.postgres import create_database, drop_database, other_database_url


@pytest.fixture
def empty_database_url(backend, tmp_path, request):
    """A database with no tables at all."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    url = other_database_url(
        request.getfixturevalue("postgres_url"), f"migrations_{uuid.uuid4().hex[:8]}"
    )
    create_database(url)
    yield url
    drop_database(url)


def test_upgrade_to_head_matches_the_models_and_downgrades_cleanly(empty_database_url, tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "k" * 40,
            "INSTANCE_PATH": tmp_path,
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())

        downgrade(directory=str(MIGRATIONS), revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        db.engine.dispose()
