import pytest


@pytest.fixture(autouse=True)
def _fast_hashing_and_private_media(settings, tmp_path):
    # MD5 keeps the suite fast (argon2 is for real passwords); uploads go to a throw-away dir.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_search_caches():
    # The search engine caches synonym groups per process; every test starts
    # from its own (rolled-back) database, so start from empty caches too.
    from atelier.search import engine

    engine.reset_synonyms()
    yield
    engine.reset_synonyms()


@pytest.fixture(autouse=True)
def _back_to_default_language():
    # LocaleMiddleware activates a language per request and leaves it active on the thread: a
    # test that switched to English must not make the next one (in any module) speak English.
    yield
    from django.utils import translation

    translation.deactivate()
