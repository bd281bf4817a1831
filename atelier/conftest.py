import pytest


@pytest.fixture(autouse=True)
def _fast_hashing_and_private_media(settings, tmp_path):
    # MD5 keeps the suite fast (argon2 is for real passwords); uploads go to a throw-away dir.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
