"""The demo's innovation vouchers (创新券, issue 5): programmes after 鹿城区, 瓯海区, 瑞安市 and a
city-wide one with 玉环-style rules, enrolled providers, a voucher history since 2015 whose
statistics reproduce seed 003, and live items for the demo accounts.

Two parts:

* **Historical import** (2015 up to last year). Seed 003 (温科提复〔2024〕97号) reports 9,000+
  enterprises and units taking part since 2015, 550+ of them fashion-related (≈ 6.0 %, more than
  half shoe-related), 鹿城区 100+ (≥ 20 % of its voucher enterprises, ≈ 10 % of its amount), 瑞安市
  180+ (≥ 10 %, ≈ 5 %), 瓯海区 300+ (≥ 17 %, ≈ 8 %). PLAN below fixes how many participants of
  each kind every district has; `generate()` draws their years, vouchers, uses and claims from
  `random.Random(VOUCHERS_SEED)` (pure, no database), then scales the fashion firms' service prices
  per district until their share of the redeemed amount is the seed's. The loader writes it all
  with bulk_create, the way a migration of the authorities' old voucher systems would: lightweight
  verified enterprises (name, synthetic valid credit code, district, industries, one verification
  StatusChange each), closed programmes with their rules, budgets and accepted enrolments,
  applications (5 % rejected), expired vouchers, paid uses with their claims (documents stay in the
  old systems) and payout batches, and the ledger rows of every step — each row balanced like
  `ledger._entry`'s, the running figures on programme and voucher rows equal to the ledger sums, so
  `ledger.check()` passes. Vouchers, uses and claims of the import have no StatusChange rows: the
  old systems did not record their history. Base-set verified enterprises of 瓯海区 and 瑞安市
  (shoes, eyewear, apparel) fill the first of their districts' fashion places, so the demo's own
  firms have a voucher history; everyone else is new. The statistics are then computed by
  atelier.vouchers.stats from the ledger and the applications like any others.
* **This year**, through the actions: the four programmes (operator), the rules, enrolments (the
  shoe test lab of `lab_admin` and a few other demo providers accepted, one pending) and for
  `shoe_boss`'s company every state the UI shows: an application waiting for review, an active
  voucher with a reservation and a claim under review, a claim in public notice, and a claim paid
  in a payout batch (that one reviewed ten days ago, with the clock pointed back as in
  atelier.demo.demands, so its notice period is over).

Idempotent: the history is skipped when its first programme exists, this year's programmes are
matched by name and the live story runs only while the company has no application this year.
"""

from __future__ import annotations

import io
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.utils import timezone

from atelier.core.models import StatusChange
from atelier.core.validators import org_code_check_char, uscc_check_char
from atelier.orgs.models import Organization, OrgKind, OrgStatus, SizeBand
from atelier.vouchers import actions
from atelier.vouchers.models import (
    Application,
    ApplicationStatus,
    BatchStatus,
    Claim,
    Enrolment,
    EnrolmentStatus,
    Entry,
    LedgerEntry,
    PayoutBatch,
    Programme,
    ProgrammeStatus,
    RuleSet,
    UseStatus,
    Voucher,
    VoucherStatus,
    VoucherUse,
)

if TYPE_CHECKING:
    from atelier.demo.data import DemoData

VOUCHERS_SEED = 20225
FIRST_YEAR = 2015
FEN = 100

LUCHENG, LONGWAN, OUHAI, RUIAN = "330302", "330303", "330304", "330381"
SHOE_COMPANY = "温州骏履鞋业有限公司"  # = data.SHOE_COMPANY (shoe_boss)
TEST_LAB = "中国鞋都鞋业检验检测服务中心"  # = data.TEST_LAB (lab_admin)

# 玉环 2023 (tests/factories.py YUHUAN_RULES): ≤ ¥10,000 paid 100 %, the part above at 50 %;
# ¥20,000 a draw, ¥50,000 held at once, ¥100,000 a year; 90 days to use, 60 more to redeem.
RULES = {
    "per_draw_cap_fen": 2_000_000,
    "holding_cap_fen": 5_000_000,
    "yearly_cap_fen": 10_000_000,
    "bands": [[1_000_000, 100], [None, 50]],
    "validity_days": 90,
    "redeem_days": 60,
    "notice_days": 5,
    "spot_check_percent": 5,
}

# Issuing authorities: (district or None for the city, name, authority).
AUTHORITIES = [
    (LUCHENG, "鹿城区", "温州市鹿城区科学技术局"),
    (OUHAI, "瓯海区", "温州市瓯海区科学技术局"),
    (RUIAN, "瑞安市", "瑞安市科学技术局"),
    (None, "温州市", "温州市科学技术局"),
]

# Participants since 2015 per district: places by kind (fashion kinds and "other"). The shoe
# company (鹿城区, shoes) joins this year through the actions and is the 117th fashion firm
# of 鹿城区. Totals: 9,990 enterprises, 600 fashion (6.0 %), 301 shoe (50.2 %).
# 鹿城区 116/545 = 21.3 %, 瓯海区 301/1,700 = 17.7 %, 瑞安市 181/1,650 = 11.0 %.
PLAN = {
    LUCHENG: {"shoes": 115, "accessories": 1, "other": 428},
    LONGWAN: {"other": 1100},
    OUHAI: {"shoes": 70, "eyewear": 170, "apparel": 61, "other": 1399},
    "330305": {"other": 120},  # 洞头区
    "330324": {"apparel": 1, "other": 819},  # 永嘉县
    "330326": {"other": 720},  # 平阳县
    "330327": {"other": 660},  # 苍南县
    "330328": {"other": 150},  # 文成县
    "330329": {"other": 135},  # 泰顺县
    RUIAN: {"shoes": 115, "eyewear": 20, "apparel": 26, "leather": 20, "other": 1469},
    "330382": {"other": 1930},  # 乐清市
    "330383": {"other": 460},  # 龙港市
}
# Seed 003: the fashion firms' share of the amount redeemed in their district.
FASHION_AMOUNT_SHARE = {LUCHENG: 0.10, RUIAN: 0.05, OUHAI: 0.08}
FASHION_KINDS = ("shoes", "eyewear", "apparel", "leather", "accessories")

INDUSTRIES = {
    "shoes": (("C1952",), ("C1952", "F5133"), ("C1951",), ("C1953",), ("C1954",), ("C1959",)),
    "eyewear": (("C3587",), ("C3587", "C4040"), ("C3587", "F5236")),
    "apparel": (("C1819",), ("C1829",), ("C1821",), ("C1819", "F5132")),
    "leather": (("C1910",), ("C1921",), ("C1929",)),
    "accessories": (("C1922",), ("C1830",)),
    "other": (("C2913",), ("C2924",), ("C2929",), ("C3360",), ("C3525",), ("C3552",),
              ("C3553",), ("C2925",), ("F5292",)),
}  # fmt: skip
NAME_WORDS = {
    "shoes": ("鞋业", "制鞋", "鞋业", "鞋服", "童鞋", "胶鞋"),
    "eyewear": ("眼镜", "光学眼镜", "光学"),
    "apparel": ("服饰", "服装", "制衣"),
    "leather": ("皮革", "皮业"),
    "accessories": ("皮具", "饰品"),
    "other": ("电气", "阀门", "泵业", "机械", "汽车部件", "科技", "新材料", "印刷", "包装",
              "食品", "塑业", "五金", "电子", "仪表", "光电", "医疗器械", "建材", "环保科技",
              "化工", "纸业", "家居", "智能装备", "模具", "机电", "电器", "汽摩配件"),
}  # fmt: skip
NAME_PREFIX = {
    LUCHENG: ("温州", "温州市鹿城区"), LONGWAN: ("温州", "温州市龙湾区"),
    OUHAI: ("温州", "温州市瓯海区"), "330305": ("温州", "洞头"), "330324": ("永嘉", "浙江"),
    "330326": ("平阳", "浙江"), "330327": ("苍南", "浙江"), "330328": ("文成", "浙江"),
    "330329": ("泰顺", "浙江"), RUIAN: ("瑞安市", "浙江"), "330382": ("乐清市", "浙江"),
    "330383": ("龙港市", "浙江"),
}  # fmt: skip
BRAND_FIRST = "骏雅逸卓尚锦鼎嘉铭聚恒博晟润盛泓启朗凯宸悦翔琪澜越鸿泽昊沐禾亦屹弘璟"
BRAND_SECOND = "达源丰泰成信华隆顺新利通宝昌步履途迈行跃驰翼帆程视光明瞳晶衣裳绣纶织丽姿"
BASE_REUSE = {  # base-set segments whose verified firms take the first places of their kind
    (OUHAI, "shoes"): "shoe_ouhai_kids", (RUIAN, "shoes"): "shoe_ruian",
    (OUHAI, "eyewear"): "eyewear_ouhai", (RUIAN, "eyewear"): "eyewear_ruian",
    (OUHAI, "apparel"): "apparel_ouhai",
}  # fmt: skip
SERVICES = [
    "鞋类有害物质检测", "鞋类物理性能检测", "足底压力测试与舒适度评价", "眼镜镍释放检测",
    "纺织品甲醛与色牢度检测", "工业设计服务", "产品外观设计", "工艺改进技术咨询",
    "知识产权分析评议", "智能制造诊断", "新材料研发测试", "标准制定咨询", "检测认证辅导",
]  # fmt: skip
CUT_REASON = "部分费用不在补助范围，按核定金额兑付。"
PURPOSE = "用于%s等创新服务"


def voucher_part(price_fen: int) -> int:
    """The rules' voucher part of a price (RuleSet.voucher_part with RULES)."""
    return RuleSet(**RULES).voucher_part(price_fen)


# ---------------------------------------------------------------- the generator (pure)


@dataclass
class UseSpec:
    provider: int  # index into the provider list
    service: str
    price: int  # fen
    amount: int = 0  # reserved (the voucher part)
    approved: int = 0  # spent
    day: int = 0  # days after issue


@dataclass
class VoucherSpec:
    year: int
    amount: int  # fen granted
    issued: date
    rejected: bool = False
    uses: list[UseSpec] = field(default_factory=list)


@dataclass
class EnterpriseSpec:
    district: str
    kind: str  # shoes, eyewear, … or other
    name: str
    credit_code: str
    industries: tuple[str, ...]
    size: str
    founded: date
    base_group: str = ""  # reuse a base-set firm of this segment instead
    vouchers: list[VoucherSpec] = field(default_factory=list)

    @property
    def fashion(self) -> bool:
        return self.kind in FASHION_KINDS


def _credit_code(n: int, district: str) -> str:
    """A valid synthetic credit code (GB 32100-2015 check characters), numbered: "MAW" and five
    base-31 digits of `n` (the loader still checks for a clash with existing codes)."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "MAW"
    for _ in range(5):
        n, r = divmod(n, 31)
        body += chars[r]
    first17 = "91" + district + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def _allocate(rng: random.Random, spec: VoucherSpec, providers: int) -> None:
    """The uses of one voucher, each the voucher part of its price, within what is left."""
    if rng.random() < 0.08:  # never used: all reclaimed at the use-by date
        return
    left = spec.amount
    for _ in range(1 if spec.amount < 2_000_000 or rng.random() < 0.6 else 2):
        price = rng.randint(30, 400) * 100 * FEN  # ¥3,000–¥40,000
        use = UseSpec(
            provider=int(providers * rng.random() ** 1.6),  # a few providers serve many
            service=rng.choice(SERVICES),
            price=price,
            day=rng.randint(5, 80),
        )
        spec.uses.append(use)
        left = _settle(use, left, cut=rng.random() < 0.12)
        if left <= 0:
            break


def _settle(use: UseSpec, left: int, *, cut: bool) -> int:
    use.amount = min(voucher_part(use.price), left)
    use.approved = use.amount * 4 // 5 if cut else use.amount
    return left - use.amount + (use.amount - use.approved)


def generate(years: range, providers: int, taken: set[str]) -> list[EnterpriseSpec]:
    """Every historical participant with its vouchers. `years` are the history's years,
    `providers` how many providers serve them, `taken` names already used by the base set."""
    rng = random.Random(VOUCHERS_SEED)
    names = set(taken)
    out: list[EnterpriseSpec] = []
    weights = [1 + i for i in range(len(years))]  # the schemes grew year by year
    serial = 0
    for district, places in PLAN.items():
        for kind, count in places.items():
            base_group = BASE_REUSE.get((district, kind), "")
            for _ in range(count):
                serial += 1
                while True:
                    brand = rng.choice(BRAND_FIRST) + rng.choice(BRAND_SECOND)
                    prefix, word = rng.choice(NAME_PREFIX[district]), rng.choice(NAME_WORDS[kind])
                    name = f"{prefix}{brand}{word}有限公司"
                    if name not in names and brand[0] != brand[1]:
                        names.add(name)
                        break
                spec = EnterpriseSpec(
                    district=district,
                    kind=kind,
                    name=name,
                    credit_code=_credit_code(serial, district),
                    industries=rng.choice(INDUSTRIES[kind])
                    if kind != "other" or rng.random() < 0.35
                    else (),
                    size=rng.choices(
                        [SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM, SizeBand.LARGE],
                        [30, 45, 20, 5],
                    )[0],
                    founded=date(rng.randint(1990, 2018), rng.randint(1, 12), rng.randint(1, 28)),
                    base_group=base_group,
                )
                first = rng.choices(list(years), weights)[0]
                count_years = rng.choices((1, 2, 3), (70, 22, 8))[0]
                later = [y for y in years if y > first]
                chosen = [first, *rng.sample(later, min(len(later), count_years - 1))]
                for year in sorted(chosen):
                    issued = date(year, rng.randint(3, 9), rng.randint(1, 28))
                    amount = rng.choices((5_000, 10_000, 20_000, 30_000, 50_000),
                                         (20, 30, 30, 12, 8))[0] * FEN  # fmt: skip
                    voucher = VoucherSpec(year=year, amount=amount, issued=issued)
                    if rng.random() < 0.05:
                        voucher.rejected = True
                    else:
                        _allocate(rng, voucher, providers)
                    spec.vouchers.append(voucher)
                out.append(spec)
    _fit_fashion_shares(out)
    return out


def _redeemed(specs, district: str, fashion: bool) -> int:
    return sum(
        u.approved
        for s in specs
        if s.district == district and s.fashion == fashion
        for v in s.vouchers
        for u in v.uses
    )


def _fit_fashion_shares(specs: list[EnterpriseSpec]) -> None:
    """Scale the fashion firms' prices per district until their share of the amount redeemed
    is seed 003's (the voucher part is not linear in the price, hence a few rounds)."""
    for district, share in FASHION_AMOUNT_SHARE.items():
        for _ in range(6):
            others = _redeemed(specs, district, fashion=False)
            current = _redeemed(specs, district, fashion=True)
            wanted = others * share / (1 - share)
            if not current or abs(current - wanted) / wanted < 0.002:
                break
            factor = wanted / current
            for s in specs:
                if s.district != district or not s.fashion:
                    continue
                for v in s.vouchers:
                    left = v.amount
                    for u in v.uses:
                        u.price = max(500 * FEN, round(u.price * factor / FEN) * FEN)
                        left = _settle(u, left, cut=u.approved < u.amount)
                    v.uses = [u for u in v.uses if u.amount > 0]


# ---------------------------------------------------------------- the loader


LEDGER_FIELDS = (
    "programme", "voucher", "enterprise_id", "provider", "use", "kind", "d_budget",
    "d_unallocated", "d_granted", "d_available", "d_reserved", "d_spent", "d_paid", "year", "at",
    "actor", "note",
)  # fmt: skip


def _insert_ledger(rows: list[dict]) -> None:
    """Ledger rows by executemany: 60,000 model instances through bulk_create cost seconds of
    the demo's load, and no code reads them back here. Columns and values as the model's."""
    columns = [LedgerEntry._meta.get_field(f).column for f in LEDGER_FIELDS]
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        table, ", ".join(columns), ", ".join(["%s"] * len(columns))
    )
    adapt = connection.ops.adapt_datetimefield_value
    values = []
    for row in rows:
        out = []
        for name in LEDGER_FIELDS:
            value = row.get(name, 0 if name.startswith("d_") else None)
            if isinstance(value, models.Model):
                value = value.pk
            elif name == "at":
                value = adapt(value)
            elif name == "note":
                value = value or ""
            out.append(value)
        values.append(out)
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5000):
            cursor.executemany(sql, values[start : start + 5000])


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@contextmanager
def _clock(moment: datetime) -> Iterator[None]:
    """Point django.utils.timezone.now at `moment` (like atelier.demo.demands)."""
    real = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real


def _pdf(title: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _documents(tag: str) -> dict:
    names = {"contract": "服务合同", "invoice": "发票", "payment": "付款凭证", "report": "服务报告"}
    return {
        kind: SimpleUploadedFile(f"{kind}.pdf", _pdf(f"{label} {tag}"), "application/pdf")
        for kind, label in names.items()
    }


@dataclass
class Counts:
    enterprises: int = 0
    programmes: int = 0
    applications: int = 0
    vouchers: int = 0
    uses: int = 0
    ledger_rows: int = 0

    def __bool__(self) -> bool:
        return any(vars(self).values())


class VoucherLoader:
    def __init__(self, demo: DemoData, *, account: Callable):
        self.demo = demo
        self.account = account
        self.today = timezone.localdate()
        self.counts = Counts()

    def history_years(self) -> range:
        return range(FIRST_YEAR, self.today.year)

    def providers(self) -> list[Organization]:
        """The demo's verified providers and institutes, the shoe test lab first."""
        orgs = list(
            Organization.objects.filter(
                kind__in=(OrgKind.PROVIDER, OrgKind.UNIVERSITY), status=OrgStatus.VERIFIED
            ).order_by("credit_code")
        )
        orgs.sort(key=lambda o: o.name != TEST_LAB)
        return orgs

    def run(self) -> Counts:
        if not Programme.objects.filter(name=self._name("鹿城区", FIRST_YEAR)).exists():
            with transaction.atomic():
                self.history()
        self.this_year()
        return self.counts

    @staticmethod
    def _name(area: str, year: int) -> str:
        return f"{area} {year} 年度科技创新券"

    # history ---------------------------------------------------------------------------
    def history(self) -> None:
        providers = self.providers()
        taken = {o.name for o in self.demo.orgs}
        specs = generate(self.history_years(), len(providers), taken)
        operator = self.account("operator")
        reviewers = {
            LUCHENG: self.account("reviewer_lucheng"),
            OUHAI: self.account("reviewer_ouhai"),
        }
        finance = self.account("finance")
        enterprises = self._enterprises(specs, operator, reviewers)

        programmes: dict[tuple, Programme] = {}
        for year in self.history_years():
            for district, area, authority in AUTHORITIES:
                programmes[(district, year)] = Programme(
                    name=self._name(area, year), authority=authority, district_id=district,
                    year=year, batch=1, budget_fen=0, unallocated_fen=0,
                    opens_on=date(year, 3, 1), closes_on=date(year, 9, 30),
                    status=ProgrammeStatus.CLOSED,
                )  # fmt: skip
        grants: dict[tuple, int] = defaultdict(int)
        for spec in specs:
            for v in spec.vouchers:
                if not v.rejected:
                    grants[self._programme_key(spec, v)] += v.amount
        for key, programme in programmes.items():
            # The budget: what was granted, rounded up to ¥100,000, plus a reserve.
            budget = -(-grants[key] * 11 // 10 // 10_000_000) * 10_000_000 or 10_000_000
            programme.budget_fen = budget
        Programme.objects.bulk_create(programmes.values())
        rules = {
            p.pk: r
            for p, r in zip(
                programmes.values(),
                RuleSet.objects.bulk_create(
                    RuleSet(
                        programme=p,
                        version=1,
                        created_by=operator,
                        published_at=_aware(p.opens_on - timedelta(days=14)),
                        **RULES,
                    )  # fmt: skip
                    for p in programmes.values()
                ),
                strict=True,
            )
        }
        self.counts.programmes += len(programmes)

        ledger: list[dict] = []
        for p in programmes.values():
            ledger.append(dict(
                programme=p, kind=Entry.BUDGET, d_budget=p.budget_fen,
                d_unallocated=p.budget_fen, year=p.year, at=_aware(date(p.year, 2, 20)),
                actor=operator, note="项目预算",
            ))  # fmt: skip
        batches = {
            key: PayoutBatch(
                programme=p,
                status=BatchStatus.PAID,
                created_by=finance,
                created_at=_aware(date(p.year, 12, 10)),
                paid_at=_aware(date(p.year, 12, 20)),
            )  # fmt: skip
            for key, p in programmes.items()
        }
        PayoutBatch.objects.bulk_create(batches.values())
        used_providers: dict[int, set[int]] = defaultdict(set)

        applications, vouchers, uses, claims = [], [], [], []
        stories = []  # (voucher spec, application, voucher, [(use spec, use)])
        serial = 0
        for spec, enterprise in zip(specs, enterprises, strict=True):
            for v in spec.vouchers:
                serial += 1
                key = self._programme_key(spec, v)
                programme = programmes[key]
                application = Application(
                    programme=programme, enterprise=enterprise, rules=rules[programme.pk],
                    amount_fen=v.amount, purpose=PURPOSE % SERVICES[serial % len(SERVICES)],
                    status=ApplicationStatus.REJECTED if v.rejected else ApplicationStatus.APPROVED,
                    applied_at=_aware(v.issued - timedelta(days=12)),
                )  # fmt: skip
                applications.append(application)
                if v.rejected:
                    continue
                use_by = v.issued + timedelta(days=RULES["validity_days"])
                spent = sum(u.approved for u in v.uses)
                voucher = Voucher(
                    code=f"CX{v.year}{(programme.district_id or '330300')[-2:]}H{serial:06d}",
                    application=application, programme=programme, enterprise=enterprise,
                    granted_fen=spent, use_by=use_by,
                    redeem_by=use_by + timedelta(days=RULES["redeem_days"]),
                    status=VoucherStatus.EXPIRED, issued_at=_aware(v.issued, 15),
                    available_fen=0, reserved_fen=0, spent_fen=spent,
                )  # fmt: skip
                vouchers.append(voucher)
                story = []
                for n, u in enumerate(v.uses):
                    provider = providers[u.provider]
                    used_providers[programme.pk].add(provider.pk)
                    use = VoucherUse(
                        voucher=voucher, provider=provider, service=u.service,
                        contract_no=f"HT{v.year}{serial:06d}{n}", price_fen=u.price,
                        amount_fen=u.amount, status=UseStatus.PAID,
                        created_at=_aware(v.issued + timedelta(days=u.day)),
                    )  # fmt: skip
                    uses.append(use)
                    story.append((u, use))
                stories.append((spec, v, voucher, story))
        Application.objects.bulk_create(applications, batch_size=2000)
        for voucher in vouchers:
            voucher.application_id = voucher.application.pk
        Voucher.objects.bulk_create(vouchers, batch_size=2000)
        for use in uses:
            use.voucher_id = use.voucher.pk
        VoucherUse.objects.bulk_create(uses, batch_size=2000)

        for _spec, v, voucher, story in stories:
            programme = voucher.programme
            ledger.append(dict(
                programme=programme, voucher=voucher, enterprise_id=voucher.enterprise_id,
                kind=Entry.GRANT, d_unallocated=-v.amount, d_granted=v.amount,
                d_available=v.amount, year=v.year, at=voucher.issued_at, actor=reviewers.get(
                    programme.district_id, operator),
            ))  # fmt: skip
            for u, use in story:
                at = use.created_at
                common = {
                    "programme": programme, "voucher": voucher, "use": use,
                    "enterprise_id": voucher.enterprise_id, "provider": use.provider,
                }  # fmt: skip
                ledger.append(dict(
                    kind=Entry.RESERVE, d_available=-u.amount, d_reserved=u.amount,
                    year=at.year, at=at, **common,
                ))  # fmt: skip
                reviewed = at + timedelta(days=20)
                ledger.append(dict(
                    kind=Entry.SPEND, d_reserved=-u.amount, d_spent=u.approved,
                    d_available=u.amount - u.approved, year=reviewed.year, at=reviewed, **common,
                ))  # fmt: skip
                paid = batches[(programme.district_id, programme.year)].paid_at
                ledger.append(dict(
                    kind=Entry.PAYOUT, d_paid=u.approved, year=paid.year, at=paid, **common,
                ))  # fmt: skip
                claims.append(Claim(
                    use=use, mode="tongdui", claimant=use.provider,
                    idempotency_key=f"history-{use.contract_no}", invoice_issuer=use.provider,
                    invoice_no=f"H{use.contract_no[2:]}", claimed_fen=u.amount,
                    approved_fen=u.approved,
                    reasons=[{"no": 1, "text": CUT_REASON}] if u.approved < u.amount else [],
                    notice_until=(reviewed + timedelta(days=RULES["notice_days"])).date(),
                    submitted_at=at + timedelta(days=10),
                    batch=batches[(programme.district_id, programme.year)],
                ))  # fmt: skip
            left = v.amount - voucher.spent_fen
            if left:
                at = _aware(voucher.use_by + timedelta(days=1), 2)
                ledger.append(dict(
                    programme=programme, voucher=voucher, enterprise_id=voucher.enterprise_id,
                    kind=Entry.RECLAIM, d_available=-left, d_granted=-left, d_unallocated=left,
                    year=at.year, at=at, note="到期回收",
                ))  # fmt: skip
        Claim.objects.bulk_create(claims, batch_size=2000)
        _insert_ledger(ledger)
        Enrolment.objects.bulk_create(
            Enrolment(programme_id=p, provider_id=o, status=EnrolmentStatus.ACCEPTED)
            for p, providers_of in used_providers.items()
            for o in sorted(providers_of)
        )
        # The running figures of the programmes: budget − net grants.
        net: dict[int, int] = defaultdict(int)
        for voucher in vouchers:
            net[voucher.programme_id] += voucher.granted_fen
        for p in programmes.values():
            p.unallocated_fen = p.budget_fen - net[p.pk]
        Programme.objects.bulk_update(programmes.values(), ["unallocated_fen"])
        self.counts.applications += len(applications)
        self.counts.vouchers += len(vouchers)
        self.counts.uses += len(uses)
        self.counts.ledger_rows += len(ledger)

    @staticmethod
    def _programme_key(spec: EnterpriseSpec, v: VoucherSpec) -> tuple:
        own = spec.district if spec.district in (LUCHENG, OUHAI, RUIAN) else None
        return (own, v.year)

    def _enterprises(self, specs, operator, reviewers) -> list[Organization]:
        """The participants' organisations: base-set firms where BASE_REUSE says so, the rest
        created as lightweight verified enterprises with one verification StatusChange."""
        base = defaultdict(list)
        reuse_codes = [
            o.credit_code
            for o in self.demo.orgs
            if o.batch == 0 and o.group in BASE_REUSE.values() and o.status == OrgStatus.VERIFIED
        ]
        existing = {
            o.credit_code: o for o in Organization.objects.filter(credit_code__in=reuse_codes)
        }
        for o in self.demo.orgs:
            if o.credit_code in existing:
                base[o.group].append(existing[o.credit_code])
        taken = set(Organization.objects.values_list("credit_code", flat=True))
        result: list[Organization | None] = []
        new: list[tuple[EnterpriseSpec, Organization]] = []
        for spec in specs:
            if spec.base_group and base[spec.base_group]:
                result.append(base[spec.base_group].pop(0))
                continue
            code = spec.credit_code
            if code in taken:  # never for the base set; kept for safety
                code = None
            org = Organization(
                kind=OrgKind.ENTERPRISE, name=spec.name, credit_code=code,
                district_id=spec.district, status=OrgStatus.VERIFIED, size_band=spec.size,
                founded_on=spec.founded, verified_at=_aware(date(FIRST_YEAR, 1, 10)),
                description="历史创新券申兑企业（由原创新券系统迁移）。",
            )  # fmt: skip
            result.append(org)
            new.append((spec, org))
        Organization.objects.bulk_create([o for _, o in new], batch_size=2000)
        link = Organization.industries.through
        link.objects.bulk_create(
            [link(organization_id=o.pk, industry_id=c) for s, o in new for c in s.industries],
            batch_size=5000,
        )
        org_type = ContentType.objects.get_for_model(Organization)
        StatusChange.objects.bulk_create(
            [
                StatusChange(
                    content_type=org_type,
                    object_id=str(o.pk),
                    event="verify",
                    from_state=OrgStatus.PENDING,
                    to_state=OrgStatus.VERIFIED,
                    actor=reviewers.get(o.district_id, operator),
                    reason="历史创新券申兑企业，随原系统数据迁移并核验。",
                )  # fmt: skip
                for _, o in new
            ],
            batch_size=2000,
        )
        self.counts.enterprises += len(new)
        return result

    # this year --------------------------------------------------------------------------
    def this_year(self) -> None:
        year = self.today.year
        operator = self.account("operator")
        programmes = {}
        budgets = {LUCHENG: "3000000", OUHAI: "4000000", RUIAN: "3500000", None: "5000000"}
        for district, area, authority in AUTHORITIES:
            name = self._name(area, year)
            programme = Programme.objects.filter(name=name).first()
            if programme is None:
                opens_on = min(date(year, 1, 1), self.today - timedelta(days=30))
                with _clock(_aware(opens_on - timedelta(days=7))):  # set up before it opened
                    programme = actions.programme_create(
                        operator, budget_yuan=budgets[district], name=name,
                        authority=authority, district_id=district, year=year, batch=1,
                        opens_on=opens_on, closes_on=date(year, 12, 31),
                        status=ProgrammeStatus.OPEN, cross_region=district is None,
                    )  # fmt: skip
                    actions.rules_publish(operator, programme, dict(RULES))
                self.counts.programmes += 1
            programmes[district] = programme
        self._enrol(programmes, operator)
        self._shoe_company(programmes[LUCHENG])

    def _enrol(self, programmes: dict, operator) -> None:
        providers = self.providers()
        specs = {o.name: o for o in self.demo.orgs}
        chosen = providers[:6]
        for programme in programmes.values():
            for n, provider in enumerate(chosen):
                if Enrolment.objects.filter(programme=programme, provider=provider).exists():
                    continue
                admin = self.account(specs[provider.name].admin)
                enrolment = actions.enrol(admin, programme, provider)
                if n < 5:  # the last one waits for the operator
                    actions.enrolment_decide(operator, enrolment, accept=True)

    def _shoe_company(self, programme: Programme) -> None:
        company = Organization.objects.filter(name=SHOE_COMPANY).first()
        lab = Organization.objects.filter(name=TEST_LAB).first()
        if company is None or lab is None:
            return
        if Application.objects.filter(enterprise=company, programme=programme).exists():
            return
        boss, lab_admin = self.account("shoe_boss"), self.account("lab_admin")
        reviewer, finance = self.account("reviewer_lucheng"), self.account("finance")

        def redeem(voucher, price, service, tag, *, approve: bool):
            use = actions.reserve(boss, voucher, provider=lab, price=price, service=service)
            actions.use_confirm(boss, use)
            claim = actions.claim_submit(
                lab_admin, use, mode="tongdui", invoice_no=f"3302{self.today.year}{tag}",
                documents=_documents(f"{SHOE_COMPANY} {tag}"), idempotency_key=f"demo-{tag}",
            )  # fmt: skip
            if approve:
                actions.claim_review(reviewer, claim, approved=price)
            return use

        # Ten days ago: a voucher, a service reviewed then (its public notice is over).
        earlier = timezone.now() - timedelta(days=10)
        with _clock(earlier):
            second = actions.application_approve(
                reviewer,
                actions.apply(
                    boss,
                    programme,
                    company,
                    amount="20000",
                    purpose="女靴新品开发的检测与工业设计服务",
                ),  # fmt: skip
            )
            redeem(second, "4000", "女式皮靴物理性能检测", "0001", approve=True)
        batch = actions.batch_create(finance, programme)
        actions.batch_approve(finance, batch)
        actions.batch_paid(finance, batch)
        redeem(second, "8000", "鞋类有害物质检测（GB 30585）", "0002", approve=True)  # noticed
        first = actions.application_approve(
            reviewer,
            actions.apply(
                boss,
                programme,
                company,
                amount="20000",
                purpose="数字化车间改造前的工艺诊断与舒适度评价",
            ),  # fmt: skip
        )
        redeem(first, "5000", "足底压力测试与舒适度评价", "0003", approve=False)  # under review
        actions.reserve(boss, first, provider=lab, price="6000", service="鞋底耐磨与剥离强度检测")
        actions.apply(boss, programme, company, amount="10000", purpose="秋冬新品眼镜式鞋扣设计")
        self.counts.applications += 3
        self.counts.vouchers += 2
        self.counts.uses += 4


def load(demo: DemoData, *, account: Callable) -> Counts:
    return VoucherLoader(demo, account=account).run()
