"""Translation catalogs: compile the .po files of LOCALE_PATHS into .mo files with polib.

The UI's source language is Chinese; English lives in atelier/locale/en/LC_MESSAGES/django.po.
.mo files are build output (git-ignored): `atelier i18n_compile` (or compile_messages()) writes
them without GNU gettext. To refresh the .po after changing strings, from the atelier package
directory (GNU xgettext needed only here):

    DJANGO_SETTINGS_MODULE=atelier.config.settings ../.venv/bin/django-admin makemessages -l en \\
        --ignore 'static/vendor/*' --ignore 'tests*' --no-obsolete

then translate every new or fuzzy entry (core/tests/test_i18n.py fails while one is left).
"""

import os
from pathlib import Path

import polib
from django.conf import settings


def catalogs(locale_paths=None) -> list[Path]:
    """Every .po file under LOCALE_PATHS (<path>/<lang>/LC_MESSAGES/<domain>.po)."""
    paths = settings.LOCALE_PATHS if locale_paths is None else locale_paths
    found: list[Path] = []
    for base in paths:
        found.extend(sorted(Path(base).glob("*/LC_MESSAGES/*.po")))
    return found


def compile_messages(locale_paths=None, *, force: bool = False) -> list[Path]:
    """Write the .mo of every .po that has none or an older one; return the .mo files written.

    Fuzzy entries are left out of the .mo, as msgfmt does. Each .mo is written to a temporary file
    and renamed into place, so a running server never reads half a catalog.
    """
    written: list[Path] = []
    for po_path in catalogs(locale_paths):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        tmp_path = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.tmp")
        try:
            polib.pofile(str(po_path)).save_as_mofile(str(tmp_path))
            os.replace(tmp_path, mo_path)
        finally:
            tmp_path.unlink(missing_ok=True)
        written.append(mo_path)
    if written:
        _reset_translation_cache()
    return written


def _reset_translation_cache() -> None:
    """Make this process load the new catalogs: Django caches each language's translations (as it
    does itself when LOCALE_PATHS changes in tests)."""
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None
    for name in ("translation_catalog_exists", "check_for_language"):  # lru_cached, by version
        cache_clear = getattr(getattr(trans_real, name, None), "cache_clear", None)
        if cache_clear is not None:
            cache_clear()
