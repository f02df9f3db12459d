"""The SQL a test sends to PostgreSQL through psycopg2, where it can be seen.

libpq talks to the server from C, so no audit event shows a query. Once a
test runs with psycopg2 imported, ``psycopg2.connect`` is wrapped so that
connections it makes (without a connection_factory of the caller's own)
use cursors that record each statement and the database it went to; shoal
reads the tables from the statements. Connections made before, through a
connection or cursor factory of the suite's own, or with
``from psycopg2 import connect`` are not seen.
"""

import os
import sys
from urllib.parse import urlsplit

from shoal_plugin import touch

_MAX_STATEMENTS = 200
_MAX_LENGTH = 2000
_state = {"classes": None, "own_db": None}


def _own_database():
    """The name of this worker's own database (SHOAL_DATABASE_URL), which is private."""
    if _state["own_db"] is None:
        url = os.environ.get("SHOAL_DATABASE_URL", "")
        _state["own_db"] = urlsplit(url).path.lstrip("/") if url.startswith("postgres") else ""
    return _state["own_db"]


def record(conn, query):
    if not touch.SINKS:
        return
    try:
        if hasattr(query, "as_string"):
            query = query.as_string(conn)
        if isinstance(query, bytes):
            query = query.decode("utf-8", "replace")
        info = conn.info
        database = "%s:%s/%s" % (info.host, info.port, info.dbname)
        private = bool(info.dbname) and info.dbname == _own_database()
    except Exception:
        return
    where = touch.origin() or ""
    query = str(query)[:_MAX_LENGTH]
    for fp in touch.SINKS:
        if private:
            fp.count("own database")
            continue
        entry = fp.sql.setdefault(database, {"statements": [], "at": where})
        if query not in entry["statements"] and len(entry["statements"]) < _MAX_STATEMENTS:
            entry["statements"].append(query)


def _classes(psycopg2):
    ext = psycopg2.extensions

    class Cursor(ext.cursor):
        def execute(self, query, vars=None):
            record(self.connection, query)
            return super().execute(query, vars)

        def executemany(self, query, vars_list):
            record(self.connection, query)
            return super().executemany(query, vars_list)

    class Connection(ext.connection):
        def cursor(self, *args, **kwargs):
            if kwargs.get("cursor_factory") is None and self.cursor_factory is None:
                kwargs["cursor_factory"] = Cursor
            return super().cursor(*args, **kwargs)

    return Connection


def _wrap(connect, connection):
    def traced_connect(dsn=None, connection_factory=None, cursor_factory=None, **kwargs):
        if connection_factory is None:
            connection_factory = connection
        return connect(dsn, connection_factory=connection_factory, cursor_factory=cursor_factory, **kwargs)

    traced_connect.shoal_traced = True
    return traced_connect


def watch():
    """Wrap psycopg2.connect once psycopg2 is imported; cheap when it is not."""
    psycopg2 = sys.modules.get("psycopg2")
    if psycopg2 is None or getattr(psycopg2.connect, "shoal_traced", False):
        return
    try:
        connection = _classes(psycopg2)
        psycopg2.connect = _wrap(psycopg2.connect, connection)
    except Exception:
        return


touch.own(__file__)
