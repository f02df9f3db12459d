"""The SQL a test sends to PostgreSQL through psycopg2, where it can be seen.

libpq talks to the server from C, so no audit event shows a query. As soon
as psycopg2 is imported (install puts a finder on sys.meta_path that waits
for it, for suites that import it inside a test or fixture),
``psycopg2.connect`` is wrapped so that connections it makes (without a
connection_factory of the caller's own) use cursors that record each
statement and the database it went to; shoal reads the tables from the
statements. Connections made through a connection or cursor factory of the
suite's own, or with a ``connect`` taken from psycopg2 before the wrapping,
are not seen.
"""

import importlib.util
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
    """Wrap psycopg2.connect if psycopg2 is imported; cheap when it is not."""
    psycopg2 = sys.modules.get("psycopg2")
    if psycopg2 is None or getattr(getattr(psycopg2, "connect", None), "shoal_traced", False):
        return
    try:
        connection = _classes(psycopg2)
        psycopg2.connect = _wrap(psycopg2.connect, connection)
    except Exception:
        return


class _Finder:
    """Finds nothing itself: when psycopg2 is about to be imported, it has
    the real loader do it and then wraps connect."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "psycopg2":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            watch()

        spec.loader.exec_module = exec_module
        return spec


def install():
    """Watch for psycopg2 from now on, wherever it is imported."""
    if "psycopg2" in sys.modules:
        watch()
    else:
        sys.meta_path.insert(0, _Finder())


touch.own(__file__)
