import os

import pytest

import suite_state  # noqa: F401  (imported before any test, so its state is watched)


@pytest.fixture
def ledger_db():
    """A connection to the shared database of AUDIT_SUITE_DATABASE_URL."""
    url = os.environ.get("AUDIT_SUITE_DATABASE_URL")
    if not url:
        pytest.skip("no database: set AUDIT_SUITE_DATABASE_URL")
    psycopg2 = pytest.importorskip("psycopg2")
    conn = psycopg2.connect(url)
    conn.autocommit = True
    yield conn
    conn.close()
