"""The public notice (公示) of reviewed claims: what each enterprise's voucher paid for, with
whom, how much was approved, and until when objections are taken. Public, like the notices
district science bureaus post; it shows organisations and amounts, no people."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import Claim, UseStatus


def notice(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    claims = (
        Claim.objects.filter(use__status=UseStatus.NOTICED, notice_until__gte=today)
        .select_related(
            "use", "use__voucher__enterprise", "use__voucher__programme", "use__provider"
        )
        .order_by("notice_until", "id")
    )
    page = Paginator(claims, 50).get_page(request.GET.get("page"))
    return render(request, "vouchers/notice.html", {"page": page, "today": today})
