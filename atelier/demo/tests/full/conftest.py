"""One demo load for every test in this package.

The base set (`data.load(scale=1)`, ~35 s on SQLite) is loaded once, inside a transaction that
is rolled back after the package's last test; each test runs in its own savepoint on top of it,
so tests cannot see each other's writes. Tests that build their own small world (e.g.
../test_demo_orders.py) live outside this package, so they never run on top of the demo.
"""

import pytest
from django.db import transaction
from django.test import override_settings

from atelier.demo import data

# atelier/conftest.py switches to MD5 per test; the package-wide load must hash the same way.
FAST_HASHING = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"))
    with django_db_blocker.unblock(), FAST_HASHING, media, transaction.atomic():
        result = data.load(scale=1)
        yield result
        transaction.set_rollback(True)
