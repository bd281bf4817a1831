import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

from atelier.accounts.tests.factories import make_user
from atelier.core.models import District, Industry
from atelier.core.validators import org_code_check_char, uscc_check_char
from atelier.orgs import actions
from atelier.orgs.models import Organization, OrgKind

_seq = itertools.count(1)
_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_credit_code(district: str = "330302", n: int | None = None, prefix: str = "91") -> str:
    """A valid unified social credit code (GB 32100-2015) for a synthetic organisation."""
    n = next(_seq) if n is None else n
    body = "MA"
    for _ in range(6):
        n, r = divmod(n, 31)
        body += _BODY_CHARS[r]
    first16 = prefix + district + body
    first17 = first16 + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def pdf_bytes() -> bytes:
    """A minimal but real one-page PDF, written by pypdf."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "PNG")
    return buf.getvalue()


def licence_file(kind: str = "pdf", name: str | None = None) -> SimpleUploadedFile:
    data = pdf_bytes() if kind == "pdf" else png_bytes()
    return SimpleUploadedFile(name or f"licence.{kind}", data, content_type="application/pdf")


def make_org(
    *,
    admin=None,
    kind: str = OrgKind.ENTERPRISE,
    district: str = "330302",
    verified: bool = False,
    industries=("C1952",),
    **overrides,
) -> Organization:
    admin = admin or make_user()
    n = next(_seq)
    org = actions.organization_register(
        actor=admin,
        kind=kind,
        name=overrides.pop("name", f"温州测试鞋业有限公司{n}"),
        credit_code=overrides.pop("credit_code", make_credit_code(district, n)),
        district=District.objects.get(pk=district),
        industries=list(Industry.objects.filter(code__in=industries)),
        licence=overrides.pop("licence", licence_file()),
        **overrides,
    )
    if verified:
        from atelier.accounts.models import Role

        operator = make_user(Role.OPERATOR)
        actions.organization_verify(actor=operator, organization=org)
    return org
