"""The throw-away database of the `atelier bench …` commands that build their own data.

`throwaway_database()` creates a test database on the configured backend (a file in a
temporary directory for SQLite, so that millions of rows need not fit in memory), switches
SQLite's fsync off (the data is thrown away), and destroys it afterwards — or, with `keep` on
SQLite, leaves the file for analysis. `analyze()` does what autovacuum or a periodic ANALYZE
would do after a bulk load, so the measured queries see real statistics.
"""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version()}


@contextmanager
def throwaway_database(*, keep: bool = False) -> Iterator[str]:
    """Yields the temporary directory (for a benchmark's other files; removed afterwards)."""
    tmp = tempfile.mkdtemp(prefix="atelier-bench-")
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = os.path.join(tmp, "bench.sqlite3")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as c:
                c.execute("PRAGMA synchronous=OFF")
        yield tmp
    finally:
        if keep and connection.vendor == "sqlite":
            connection.close()
            connection.settings_dict["NAME"] = old_name
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
            shutil.rmtree(tmp, ignore_errors=True)


def analyze() -> None:
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
