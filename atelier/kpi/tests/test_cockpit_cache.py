"""The cockpit cache: fresh entries are served, old or outdated ones are rebuilt, and
`atelier warm_cockpit` fills the cache so that no request waits for a cold build."""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from atelier.kpi import cockpit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache(monkeypatch):
    cache.clear()
    monkeypatch.setattr(cockpit, "BACKGROUND_REFRESH", False)
    yield
    cache.clear()


@pytest.fixture
def builds(monkeypatch):
    calls = []
    real = cockpit.build

    def counting(year, district=None, cluster=None):
        calls.append((year, district, cluster))
        return real(year, district, cluster)

    monkeypatch.setattr(cockpit, "build", counting)
    return calls


def test_a_fresh_entry_is_served_without_building(builds):
    year = cockpit.this_year()
    cockpit.cached_build(year)
    cockpit.cached_build(year)
    assert builds == [(year, None, None)]


def test_an_old_entry_is_rebuilt_even_without_a_write(builds, monkeypatch):
    year = cockpit.this_year()
    cockpit.cached_build(year)
    key = cockpit.cache_key(year, None, None)
    entry = cache.get(key)
    cache.set(key, {**entry, "at": entry["at"] - cockpit.FRESH_SECONDS - 1})
    cockpit.cached_build(year)
    assert len(builds) == 2


def test_warm_fills_the_city_and_every_district(builds, capsys):
    call_command("warm_cockpit", "--year", "2025")
    assert (2025, None, None) in builds and (2025, "330302", None) in builds
    assert len(builds) == 13  # the city and Wenzhou's 12 county-level divisions
    assert "13" in capsys.readouterr().out
    builds.clear()
    cockpit.cached_build(2025, "330304")
    assert builds == []  # served from the warmed cache
