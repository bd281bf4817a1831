"""The demo's service orders: ~15 orders from demo enterprises (`shoe_boss`'s company first) for
the published service products of the demo labs, through atelier.orders.service like real use,
so every order state shows: waiting for a quote, quoted, accepted (one paid partly with an
innovation voucher when the company holds an active one for an enrolled provider), in service
(one with an open dispute), delivered, confirmed with a rating and cancelled.

Deterministic: the plan below is fixed and enterprises and products are taken in a stable order
(only the order codes are random). Idempotent: nothing is created while `shoe_boss`'s company
has service orders.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from atelier.catalog.models import Resource, ResourceKind, ResourceStatus
from atelier.core.errors import ActionError
from atelier.orders import service
from atelier.orders.models_orders import ServiceOrder
from atelier.orgs.models import Membership, Organization, OrgKind, OrgStatus
from atelier.vouchers.models import EnrolmentStatus, Voucher, VoucherStatus

QUIET_MAIL = "django.core.mail.backends.dummy.EmailBackend"
SHOE_COMPANY = "温州骏履鞋业有限公司"  # = data.SHOE_COMPANY (shoe_boss)
LABS = ("中国鞋都鞋业检验检测服务中心", "鞋类舒适性与生物力学实验室", "健康鞋材有害物质检测实验室")
OTHER_ENTERPRISES = 6

# (final state, requirements, rating score, rating comment) — one order each.
PLAN = [
    ("requested", "新款童鞋 20 双，需出具第三方检测报告，两周内完成。", None, ""),
    ("requested", "秋冬款女靴防滑性能检测，请先报价。", None, ""),
    ("quoted", "运动鞋底耐磨与耐折性能检测，共 3 个型号。", None, ""),
    ("quoted", "出口欧盟鞋材的有害物质筛查。", None, ""),
    ("accepted", "新品鞋垫舒适性评估，希望使用创新券抵扣部分费用。", None, ""),
    ("accepted", "皮鞋帮面剥离强度检测，5 个批次。", None, ""),
    ("in_service", "安全鞋防砸性能检测，需附检测曲线。", None, ""),
    ("disputed", "男士休闲鞋整鞋物理性能检测。", None, ""),
    ("delivered", "鞋用胶粘剂挥发性有机物检测。", None, ""),
    ("confirmed", "童鞋邻苯二甲酸酯检测。", 5, "出报告很快，讲解清楚，下批货还找你们。"),
    ("confirmed", "运动鞋足底压力分布测试。", 4, "数据详实，报告格式规范，只是排期稍长。"),
    ("confirmed", "女鞋鞋跟疲劳测试。", 5, "沟通顺畅，比预期提前两天交付。"),
    ("confirmed", "鞋面材料透气性检测。", 3, "结果可靠，但中途补样沟通花了些时间。"),
    ("cancelled", "老人鞋防滑检测（企业取消）。", None, ""),
    ("cancelled", "拖鞋甲醛含量检测（报价后取消）。", None, ""),
]
STEPS = ["requested", "quoted", "accepted", "in_service", "delivered", "confirmed"]


def _lines(resource: Resource, big: bool = False) -> list[dict]:
    price = resource.price if resource.price and resource.price > 0 else Decimal("1500")
    lines = [{"description": resource.title[:100], "quantity": "3" if big else "1", "unit": "项",
              "unit_price": str(price)},
             {"description": "检测报告（中英文）", "quantity": "1", "unit": "份",
              "unit_price": "300"}]  # fmt: skip
    if big:  # large enough that the voucher pays only part of it
        lines.append({"description": "加急服务", "quantity": "1", "unit": "项",
                      "unit_price": "30000"})  # fmt: skip
    return lines


class OrderLoader:
    def __init__(self, *, account: Callable):
        self.account = account
        self.created = 0

    def run(self) -> int:
        with override_settings(EMAIL_BACKEND=QUIET_MAIL):
            return self._run()

    def enterprises(self) -> list[tuple[object, Organization]]:
        """(actor, enterprise): the demo accounts' company first, then other verified ones."""
        out = []
        company = Organization.objects.filter(name=SHOE_COMPANY, status=OrgStatus.VERIFIED).first()
        if company:
            out.append((self.account("shoe_boss"), company))
        others = (
            Organization.objects.filter(kind=OrgKind.ENTERPRISE, status=OrgStatus.VERIFIED)
            .exclude(name=SHOE_COMPANY)
            .filter(memberships__role=Membership.Role.ADMIN)
            .order_by("credit_code", "pk")
            .distinct()[:OTHER_ENTERPRISES]
        )
        for org in others:
            m = org.memberships.filter(role=Membership.Role.ADMIN).select_related("user").first()
            out.append((m.user, org))
        return out

    @staticmethod
    def products() -> list[Resource]:
        """Published service products of verified providers with staff, the demo labs first."""
        items = list(
            Resource.objects.filter(
                kind=ResourceKind.SERVICE, status=ResourceStatus.PUBLISHED,
                provider__status=OrgStatus.VERIFIED, provider__memberships__isnull=False,
            )
            .select_related("provider")
            .distinct()
            .order_by("provider__name", "pk")
        )  # fmt: skip
        rank = {name: n for n, name in enumerate(LABS)}
        items.sort(key=lambda r: (rank.get(r.provider.name, len(LABS)), r.provider.name, r.pk))
        return items[:40]

    @staticmethod
    def staff(provider: Organization):
        m = (
            Membership.objects.filter(organization=provider)
            .select_related("user")
            .order_by("-role", "pk")
            .first()
        )
        return m.user

    def voucher_for(self, enterprise: Organization, products: list[Resource]):
        """An active voucher of `enterprise` and a product of a provider enrolled in its
        programme, or (None, None)."""
        today = timezone.localdate()
        vouchers = Voucher.objects.filter(
            enterprise=enterprise, status=VoucherStatus.ACTIVE, use_by__gte=today
        ).order_by("pk")
        for voucher in vouchers:
            enrolled = set(
                voucher.programme.enrolments.filter(status=EnrolmentStatus.ACCEPTED).values_list(
                    "provider_id", flat=True
                )
            )
            for product in products:
                if product.provider_id in enrolled:
                    return voucher, product
        return None, None

    def _run(self) -> int:
        people = self.enterprises()
        products = self.products()
        if not people or not products:
            return 0
        if ServiceOrder.objects.filter(enterprise=people[0][1]).exists():
            return 0
        boss, company = people[0]
        voucher, voucher_product = self.voucher_for(company, products)
        with transaction.atomic():
            for n, (state, requirements, score, comment) in enumerate(PLAN):
                with_voucher = state == "accepted" and voucher is not None and n == 4
                if with_voucher:
                    buyer, enterprise, product = boss, company, voucher_product
                else:
                    # Every other order goes to the company; the rest round the enterprises.
                    buyer, enterprise = people[0] if n % 2 == 0 else people[n % len(people)]
                    product = next(
                        p for k in range(len(products))
                        if (p := products[(n + k) % len(products)]).provider_id != enterprise.pk
                    )  # fmt: skip
                self.order(buyer, enterprise, product, state, requirements, score, comment,
                           voucher if with_voucher else None)  # fmt: skip
                self.created += 1
        return self.created

    def order(self, buyer, enterprise, product, state, requirements, score, comment, voucher):
        lab = self.staff(product.provider)
        order = service.order_request(
            buyer, enterprise=enterprise, resource=product, requirements=requirements
        )
        if state == "requested":
            return order
        if state == "cancelled" and "企业取消" in requirements:
            return service.order_cancel(buyer, order, reason="计划调整，暂不需要该检测。")
        service.order_quote(lab, order, lines=_lines(product, big=voucher is not None),
                            terms="含检测报告一份；样品检测后可退回。", lead_days=7)  # fmt: skip
        if state == "quoted":
            return order
        if state == "cancelled":
            return service.order_cancel(buyer, order, reason="报价超出预算，另行安排。")
        try:
            service.order_accept(buyer, order, voucher=voucher)
        except ActionError:  # the voucher cannot pay for this provider: pay it all
            order.refresh_from_db()
            service.order_accept(buyer, order)
        if state == "accepted":
            return order
        service.order_start(lab, order)
        if state == "disputed":
            service.dispute_open(buyer, order, reason="约定的检测周期已过，仍未收到阶段性数据。")
            return order
        if state == "in_service":
            return order
        service.order_deliver(lab, order, note="检测报告已上传，请查收。")
        if state == "delivered":
            return order
        service.order_confirm(buyer, order)
        service.order_rate(buyer, order, score=score, comment=comment)
        return order


def load(*, account: Callable) -> int:
    """Create the demo's service orders unless they exist; return how many were created."""
    return OrderLoader(account=account).run()
