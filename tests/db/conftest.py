"""Fixtures for the data-layer tests (defined in tests/db/fixtures.py so tests/coach can share them)."""

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
