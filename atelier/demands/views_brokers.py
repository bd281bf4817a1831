"""The broker registry (技术经纪人库): the list of active brokers with their figures, one broker's
page (profile, demands, dockings, rewards) and the operator's reward form."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from atelier.core.errors import ActionError
from atelier.core.forms import apply_error
from atelier.core.widgets import BootstrapFormMixin

from . import actions, permissions, stats
from .models import BrokerProfile, Demand, Docking, DockingStatus
from .views_stats import sees_all_rewards

# How many demands and dockings the broker page lists (newest first).
PAGE_ROWS = 50

# Badge colours of the docking states (the shared status_badge tag knows other apps' states).
DOCKING_BADGES = {
    DockingStatus.INTERESTED: "text-bg-info",
    DockingStatus.PROPOSED: "text-bg-warning",
    DockingStatus.ACTIVE: "text-bg-primary",
    DockingStatus.WON: "text-bg-success",
    DockingStatus.LOST: "text-bg-secondary",
    DockingStatus.DECLINED: "text-bg-secondary",
    DockingStatus.CANCELLED: "text-bg-light",
}
DEMAND_BADGES = {
    "draft": "text-bg-light",
    "submitted": "text-bg-warning",
    "rejected": "text-bg-danger",
    "published": "text-bg-success",
    "docking": "text-bg-primary",
    "resolved": "text-bg-success",
    "closed": "text-bg-secondary",
    "expired": "text-bg-secondary",
}


def sees_rewards(user, profile: BrokerProfile) -> bool:
    """Rewards are seen by the broker, operators, finance and auditors only."""
    return sees_all_rewards(user) or (user.is_authenticated and user.pk == profile.user_id)


def _broker_dockings(profile: BrokerProfile):
    """The dockings a reward may point to: those the broker handled or whose demand it has."""
    return Docking.objects.filter(Q(broker=profile.user_id) | Q(demand__broker=profile.user_id))


class RewardForm(BootstrapFormMixin, forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("金额（元）"),
        max_digits=12,
        decimal_places=2,
        help_text=gettext_lazy("最多两位小数；更正已登记的奖励时填负数。"),
        error_messages={
            "required": gettext_lazy("请填写金额。"),
            "invalid": gettext_lazy("金额格式不正确，请填写数字，例如 1200.00。"),
            "max_decimal_places": gettext_lazy("金额最多两位小数。"),
            "max_digits": gettext_lazy("金额过大。"),
            "max_whole_digits": gettext_lazy("金额过大。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    docking = forms.ModelChoiceField(
        label=gettext_lazy("相关对接"),
        queryset=Docking.objects.none(),
        required=False,
        empty_label=gettext_lazy("（不关联对接）"),
    )
    reason = forms.CharField(
        label=gettext_lazy("事由"),
        max_length=200,
        error_messages={"required": gettext_lazy("请填写事由。")},
    )
    half_fields = ("amount", "docking")

    def __init__(self, *args, profile: BrokerProfile, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["docking"].queryset = _broker_dockings(profile).select_related(
            "demand", "provider"
        )

    def clean_amount(self):
        amount: Decimal = self.cleaned_data["amount"]
        if amount == 0:
            raise ValidationError(_("金额不能为零。"))
        return amount


def _get_profile(request: HttpRequest, pk: int) -> BrokerProfile:
    """A registered broker; one no longer in the registry only for itself and staff."""
    profile = BrokerProfile.objects.select_related("user").filter(pk=pk).first()
    if profile is None:
        raise Http404(_("该技术经纪人不存在。"))
    if not profile.active and not (
        permissions.reads_everything(request.user) or request.user.pk == profile.user_id
    ):
        raise Http404(_("该技术经纪人不存在。"))
    return profile


@login_required
@require_GET
def brokers(request: HttpRequest) -> HttpResponse:
    profiles = list(stats.active_brokers())
    figures = stats.broker_figures(profiles)
    ctx = {
        "rows": [(p, figures[p.pk]) for p in profiles],
        "sees_rewards": sees_all_rewards(request.user),
    }
    return render(request, "demands/brokers.html", ctx)


def _broker_context(request: HttpRequest, profile: BrokerProfile, **extra) -> dict:
    user = request.user
    figures = stats.broker_figures([profile])[profile.pk]
    demands_qs = Demand.objects.visible_to(user).filter(broker=profile.user_id)
    demands = list(
        demands_qs.select_related("enterprise", "cluster").order_by("-created_at", "-id")[
            :PAGE_ROWS
        ]
    )
    for demand in demands:
        demand.show_enterprise = permissions.sees_identity(user, demand)
        demand.badge = DEMAND_BADGES.get(demand.status, "text-bg-light")
    dockings_qs = Docking.objects.visible_to(user).filter(broker=profile.user_id)
    dockings = list(dockings_qs.for_list().order_by("-started_at", "-id")[:PAGE_ROWS])
    for docking in dockings:
        docking.badge = DOCKING_BADGES.get(docking.status, "text-bg-light")
    ctx = {
        "profile": profile,
        "figures": figures,
        "demands": demands,
        "demand_count": demands_qs.count() if len(demands) == PAGE_ROWS else len(demands),
        "dockings": dockings,
        "docking_count": dockings_qs.count() if len(dockings) == PAGE_ROWS else len(dockings),
        "page_rows": PAGE_ROWS,
        "is_self": user.pk == profile.user_id,
        "sees_rewards": sees_rewards(user, profile),
        "can_reward": bool(permissions.can_record_reward(user)),
    }
    if ctx["sees_rewards"]:
        ctx["rewards"] = list(
            profile.rewards.select_related("docking__demand", "recorded_by").order_by(
                "-recorded_at", "-id"
            )
        )
    if ctx["can_reward"] and "form" not in extra:
        ctx["form"] = RewardForm(profile=profile)
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def broker(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _get_profile(request, pk)
    return render(request, "demands/broker.html", _broker_context(request, profile))


@login_required
@require_POST
def reward(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _get_profile(request, pk)
    decision = permissions.can_record_reward(request.user)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = RewardForm(request.POST, profile=profile)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = actions.broker_reward(
                request.user,
                profile,
                amount=data["amount"],
                reason=data["reason"],
                docking=data["docking"],
            )
        except (ValidationError, ActionError) as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request,
                _("已登记经纪奖励 %(amount)s 元。") % {"amount": f"{saved.amount_yuan:,.2f}"},
            )
            return redirect(f"{profile.get_absolute_url()}#rewards")
    ctx = _broker_context(request, profile, form=form)
    return render(request, "demands/broker.html", ctx, status=400)
