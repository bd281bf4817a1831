"""Upload checks by content, never by file name or the browser's content type."""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
KIND_LABELS = {"pdf": "PDF", "jpg": "JPG", "png": "PNG"}


def sniff(head: bytes) -> str | None:
    for kind, prefixes in SIGNATURES.items():
        if any(head.startswith(p) for p in prefixes):
            return kind
    return None


def validate_document(
    upload, *, allowed=("pdf", "jpg", "png"), max_bytes: int | None = None
) -> str:
    """Check that `upload` really is one of `allowed` and not larger than `max_bytes`.

    Returns the detected kind ("pdf", "jpg", "png"); raises ValidationError in the active language.
    """
    max_bytes = max_bytes or settings.ATELIER_MAX_UPLOAD_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            _("文件过大（%(size).1f MB），上限为 %(max)d MB。"),
            code="file_too_large",
            params={"size": upload.size / 1024 / 1024, "max": max_bytes // 1024 // 1024},
        )
    if upload.size == 0:
        raise ValidationError(_("文件为空。"), code="file_empty")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    kind = sniff(data[:16])
    names = pgettext("list separator", "、").join(KIND_LABELS[k] for k in allowed)
    if kind not in allowed:
        raise ValidationError(
            _("文件内容不是有效的 %(names)s 文件（系统按文件内容而不是扩展名判断）。"),
            code="file_type",
            params={"names": names},
        )
    try:
        if kind == "pdf":
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise ValidationError(
                    _("PDF 文件已加密，请上传未加密的文件。"), code="file_encrypted"
                )
            if len(reader.pages) == 0:
                raise ValueError("no pages")
        else:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as image:
                image.verify()
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError(_("文件已损坏或无法读取，请重新上传。"), code="file_corrupt") from exc
    return kind
