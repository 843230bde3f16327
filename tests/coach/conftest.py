"""The data-layer fixtures (SQLite and PostgreSQL) for the service tests, defined once in tests/db/fixtures.py."""

from tests.db.fixtures import (  # noqa: F401 - fixtures are found by name
    backend,
    db_url,
    empty_db_url,
    engine,
    fresh_pg_url,
    logbook_catalog,
    pg_database,
    session_factory,
    sqlite_template,
)
