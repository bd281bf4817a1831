"""The demo's innovation resource library (创新资源库, issue 3 item 7; seed 003 asks for one with
domestic and foreign design and innovation institutions and their cooperation agreements):
≈ 440 listings per batch across the six kinds, owned by the demo's verified institutions.

Two halves, like atelier.demo.data:

* `generate(owners, scale)` is pure: it reads fixtures/library.toml (templates written from
  ../shared/reference/domain.md: standards, limits, methods, devices) and expands them with one
  `random.Random(LIBRARY_SEED)` — its own stream, so the organisations' stream is untouched. The
  base batch is drawn first; `--scale N` appends N - 1 batches (reworded services, new experts,
  second instruments, improved achievements, earlier policy editions, more partners) and never
  changes the base batch. No clock: every date is fixed.
* `LibraryLoader` writes what is missing through the real actions of atelier.catalog.actions —
  `resource_create(..., publish=True)` by the demo operator for published listings, the owner's
  admin for drafts, then `resource_submit`, `resource_reject` (by the operator, with a reason) and
  `resource_archive` for the other states — so every listing has its audit row, status history
  and search-index entry. Listings are matched by `external_id` (DEMO-S0001, DEMO-E0001, …): a
  second run creates nothing and writes no audit row.

Stale listings. A listing is flagged "待核实" when it was not confirmed for 12 months
(catalog.models.STALE_AFTER), which a freshly loaded demo cannot show. So a handful of published
listings (one of them the test lab's, so `lab_admin` sees the reminder on 我的资源) get fixed dates
in 2023–2024 for `created_at`, `published_at` and `last_verified_at`, set with a queryset update
right after creation (the actions stamp "now"; there is no action to backdate, on purpose). The
dates are constants, so the data stays deterministic, and they are already more than 12 months
old. Only newly created listings are backdated: a rerun never undoes an owner's confirmation.
The daily `remind_stale` job sends the owners' notifications as it would for any stale listing.

Speed: one action call per listing (≈ 8 ms on SQLite) keeps the full audit trail and history
instead of the bulk import; measured on a 2-core machine, the base library adds ≈ 3.5 s and a
first `atelier demo --no-serve` takes ≈ 8 s in all (a rerun ≈ 1 s, each --scale batch ≈ 6 s).
"""

from __future__ import annotations

import random
import re
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db.models import Count

from atelier.catalog import actions
from atelier.catalog.models import Resource, ResourceKind, ResourceStatus
from atelier.core.models import Cluster, Industry
from atelier.core.validators import patent_check_char

LIBRARY_SEED = 20222
LIBRARY_TOML = Path(__file__).with_name("fixtures") / "library.toml"
EXTERNAL_PREFIX = "DEMO-"
ID_LETTERS = {
    ResourceKind.SERVICE: "S",
    ResourceKind.EXPERT: "E",
    ResourceKind.INSTRUMENT: "I",
    ResourceKind.ACHIEVEMENT: "A",
    ResourceKind.POLICY: "P",
    ResourceKind.PARTNER: "C",  # 合作机构
}
MAX_DESCRIPTION = 200

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Published base listings that were last confirmed long ago: (owner, kind) → the first such listing
# of the base batch, and the fixed moment it was published and last confirmed.
STALE = [
    ("中国鞋都鞋业检验检测服务中心", ResourceKind.INSTRUMENT, "2024-03-18 10:00"),
    ("瓯海眼镜产业仪器设备创新中心", ResourceKind.INSTRUMENT, "2023-11-06 09:30"),
    ("温州职业技术学院", ResourceKind.EXPERT, "2023-09-12 14:00"),
    ("中国鞋都科技金融服务中心", ResourceKind.SERVICE, "2024-01-22 16:20"),
    ("中国鞋都工业设计基地", ResourceKind.PARTNER, "2023-06-30 11:00"),
    ("温州锦程服装检测技术有限公司", ResourceKind.SERVICE, "2024-05-08 15:45"),
]  # Asia/Shanghai

SHARING_SENTENCES = {
    "open": "开放共享，工作日可在线预约机时。",
    "limited": "有限开放，需提前预约并由本机构人员操作。",
    "closed": "设备维护中，暂停对外共享。",
}
AGREEMENT_WEIGHTS = {"signed": 5, "negotiating": 3, "expired": 1, "none": 1}


@dataclass(frozen=True)
class Owner:
    """An organisation that publishes listings (from the demo's institutions)."""

    name: str
    kind: str
    district: str
    address: str
    admin: str  # username of its first admin


@dataclass
class ResourceSpec:
    external_id: str
    kind: str
    title: str
    owner: str  # organisation name
    category: str
    description: str
    clusters: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    keywords: str = ""
    price: Decimal | None = None
    price_unit: str = ""
    voucher_eligible: bool = False
    detail: dict = field(default_factory=dict)
    state: str = ResourceStatus.PUBLISHED
    reason: str = ""  # rejection or archiving reason
    verified_at: datetime | None = None  # stale: fixed publication / last confirmation
    batch: int = 0


def read_templates() -> dict:
    with LIBRARY_TOML.open("rb") as f:
        return tomllib.load(f)


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _round_price(value: float) -> int:
    step = 100 if value >= 1000 else 10 if value >= 100 else 1
    return int(round(value / step) * step)


class _Generator:
    def __init__(self, owners: dict[str, Owner], people: tuple[str, str]):
        self.owners = owners
        self.surnames, self.given = people
        self.rng = random.Random(LIBRARY_SEED)
        self.t = read_templates()
        self.serial: Counter = Counter()
        self.specs: list[ResourceSpec] = []
        self.names: set[str] = set()
        self.patents: set[str] = set()
        self.partner_titles = {p["title"] for p in self.t["partner"]}

    # helpers ---------------------------------------------------------------------------------
    def owner(self, name: str) -> Owner:
        try:
            return self.owners[name]
        except KeyError:
            raise KeyError(f"library.toml names an unknown or unverified owner: {name}") from None

    def add(self, kind: str, **fields) -> ResourceSpec:
        self.serial[kind] += 1
        external_id = f"{EXTERNAL_PREFIX}{ID_LETTERS[kind]}{self.serial[kind]:04d}"
        spec = ResourceSpec(external_id=external_id, kind=kind, **fields)
        self.specs.append(spec)
        return spec

    def voucher(self, probability: float) -> bool:
        return self.rng.random() < probability

    def factor(self) -> float:
        return self.rng.choice((0.8, 0.9, 1.0, 1.0, 1.1, 1.2))

    def priced(self, value) -> Decimal | None:
        if value is None:
            return None
        return _money(_round_price(value * self.factor()) if value else 0)

    def person(self) -> str:
        while True:
            given = "".join(self.rng.choice(self.given) for _ in range(self.rng.choice((1, 2, 2))))
            name = self.rng.choice(self.surnames) + given
            if name not in self.names:
                self.names.add(name)
                return name

    def patent_numbers(self, types: str) -> str:
        numbers = []
        for patent_type in types:
            while True:
                year, serial = self.rng.randint(2016, 2023), self.rng.randint(0, 9_999_999)
                digits = f"{year}{patent_type}{serial:07d}"
                number = f"{digits}.{patent_check_char(digits)}"
                if number not in self.patents:
                    self.patents.add(number)
                    numbers.append(number)
                    break
        return "; ".join(numbers)

    @staticmethod
    def with_tail(text: str, tail: str) -> str:
        return text + tail if len(text) + len(tail) <= MAX_DESCRIPTION else text

    # kinds -----------------------------------------------------------------------------------
    def services(self, batch: int) -> None:
        qualifiers = self.t["scale"]["service_qualifiers"]
        tails = self.t["tails"]
        for n, tpl in enumerate(self.t["service"]):
            for i, name in enumerate(tpl["owners"]):
                owner = self.owner(name)
                title = tpl["titles"][i % len(tpl["titles"])]
                if batch:
                    title = f"{title}（{qualifiers[(batch - 1 + n + i) % len(qualifiers)]}）"
                lead = tpl.get("lead")
                if lead and lead >= 3:
                    lead += self.rng.choice((-1, 0, 0, 1, 2))
                tail = self.rng.choice(tails.get(tpl["category"], tails["*"]))
                self.add(
                    ResourceKind.SERVICE,
                    title=title,
                    owner=owner.name,
                    category=tpl["category"],
                    description=self.with_tail(tpl["description"], tail),
                    clusters=tuple(tpl["clusters"]),
                    industries=tuple(tpl["industries"]),
                    keywords=tpl.get("keywords", ""),
                    price=self.priced(tpl.get("price")),
                    price_unit=tpl.get("unit", "") if tpl.get("price") is not None else "",
                    voucher_eligible=self.voucher(tpl.get("voucher", 0.6)),
                    detail={"lead_time_days": lead, "standards": tpl.get("standards", "")},
                    batch=batch,
                )

    def experts(self, batch: int) -> None:
        for tpl in self.t["expert"]:
            for j in range(tpl["count"]):
                owner = self.owner(tpl["owners"][(j + batch) % len(tpl["owners"])])
                name = self.person()
                rank = self.rng.choice(tpl["titles"])
                specialties = self.rng.sample(tpl["specialties"], 3)
                deed = self.rng.choice(tpl["deeds"])
                years = self.rng.randint(8, 30)
                description = (
                    f"{owner.name}{rank}，从事{tpl['area']} {years} 年。{deed}"
                    f"擅长{specialties[0]}、{specialties[1]}和{specialties[2]}，"
                    f"可提供{tpl['offer']}。"
                )
                fee = tpl.get("fee")
                self.add(
                    ResourceKind.EXPERT,
                    title=f"{self.rng.choice(tpl['labels'])} {name}",
                    owner=owner.name,
                    category=tpl["category"],
                    description=description,
                    clusters=tuple(tpl["clusters"]),
                    industries=tuple(tpl["industries"]),
                    keywords=" ".join(specialties),
                    price=self.priced(fee),
                    price_unit=tpl.get("unit", "") if fee else "",
                    voucher_eligible=self.voucher(tpl.get("voucher", 0.5)),
                    detail={
                        "person_name": name,
                        "title": rank,
                        "specialties": "; ".join(specialties),
                        "employer": owner.name,
                        "consulting_available": self.rng.random() < 0.85,
                    },
                    batch=batch,
                )
        if batch:
            return
        for tpl in self.t["foreign_expert"]:
            owner = self.owner(tpl["owner"])
            self.add(
                ResourceKind.EXPERT,
                title=f"{tpl['label']} {tpl['name']}",
                owner=owner.name,
                category=tpl["category"],
                description=tpl["description"],
                clusters=tuple(tpl["clusters"]),
                industries=tuple(tpl["industries"]),
                keywords=tpl["specialties"].replace(";", ""),
                voucher_eligible=False,
                detail={
                    "person_name": tpl["name"],
                    "title": tpl["title"],
                    "specialties": tpl["specialties"],
                    "employer": tpl["employer"],
                    "consulting_available": True,
                },
            )

    def instruments(self, batch: int) -> None:
        suffix = self.t["scale"]["instrument_suffix"]
        for tpl in self.t["instrument"]:
            for name in tpl["owners"]:
                owner = self.owner(name)
                fee_hour = self.priced(tpl.get("fee_hour"))
                fee_sample = self.priced(tpl.get("fee_sample"))
                sharing = tpl.get("sharing", "open")
                price, unit = (fee_sample, "样") if fee_sample is not None else (fee_hour, "小时")
                title = tpl["title"] + (suffix.format(n=batch + 1) if batch else "")
                self.add(
                    ResourceKind.INSTRUMENT,
                    title=title,
                    owner=owner.name,
                    category=tpl["category"],
                    description=self.with_tail(tpl["description"], SHARING_SENTENCES[sharing]),
                    clusters=tuple(tpl["clusters"]),
                    industries=tuple(tpl["industries"]),
                    keywords=tpl.get("keywords", ""),
                    price=price,
                    price_unit=unit if price is not None else "",
                    voucher_eligible=self.voucher(tpl.get("voucher", 0.7)),
                    detail={
                        "model_number": tpl["model"],
                        "maker": tpl["maker"],
                        "specs": tpl["specs"],
                        "location": f"{owner.address} {tpl['room']}",
                        "fee_per_hour": fee_hour,
                        "fee_per_sample": fee_sample,
                        "sharing_status": sharing,
                    },
                    batch=batch,
                )

    def achievements(self, batch: int) -> None:
        suffixes = self.t["scale"]["achievement_suffixes"]
        for tpl in self.t["achievement"]:
            for i, name in enumerate(tpl["owners"]):
                owner = self.owner(name)
                low, high = tpl["trl"]
                trl = min(9, self.rng.randint(low, high) + (1 if batch else 0))
                price = self.priced(tpl.get("price"))
                title = tpl["title"] + (suffixes[(batch - 1) % len(suffixes)] if batch else "")
                self.add(
                    ResourceKind.ACHIEVEMENT,
                    title=title,
                    owner=owner.name,
                    category=tpl["category"],
                    description=tpl["description"],
                    clusters=tuple(tpl["clusters"]),
                    industries=tuple(tpl["industries"]),
                    keywords=tpl.get("keywords", ""),
                    price=price,
                    price_unit="项" if price is not None else "",
                    voucher_eligible=self.voucher(tpl.get("voucher", 0.5)),
                    detail={
                        "trl": trl,
                        "patents": self.patent_numbers(tpl["patents"]),
                        "transfer_mode": tpl["modes"][(i + batch) % len(tpl["modes"])],
                        "negotiable": price is None,
                    },
                    batch=batch,
                )

    def policies(self, batch: int) -> None:
        for tpl in self.t["policy"]:
            owner = self.owner(tpl["owner"])
            issued: date = tpl["issued_on"]
            title, number = tpl["title"], tpl["number"]
            if batch:  # an earlier edition of the same document
                year = issued.year - batch
                issued = issued.replace(year=year)
                title = f"{title}（{year}年版）"
                number = re.sub(r"〔\d{4}〕\d+号", f"〔{year}〕{self.rng.randint(2, 60)}号", number)
            self.add(
                ResourceKind.POLICY,
                title=title,
                owner=owner.name,
                category=tpl["category"],
                description=tpl["description"],
                clusters=tuple(tpl["clusters"]),
                keywords=tpl.get("keywords", ""),
                detail={
                    "issuer": tpl.get("issuer", owner.name),
                    "document_number": number,
                    "issued_on": issued,
                    "scope": tpl["scope"],
                },
                batch=batch,
            )

    def partner(self, tpl: dict, batch: int = 0) -> None:
        owner = self.owner(tpl["owner"])
        self.add(
            ResourceKind.PARTNER,
            title=tpl["title"],
            owner=owner.name,
            category=tpl["category"],
            description=tpl["description"],
            clusters=tuple(tpl["clusters"]),
            keywords=" ".join([tpl["country"], *tpl["terms"].split("；")[:2]])[:200],
            detail={
                "country": tpl["country"],
                "is_foreign": tpl.get("foreign", False),
                "agreement_status": tpl["status"],
                "agreement_start": tpl.get("start"),
                "agreement_end": tpl.get("end"),
                "terms": tpl["terms"],
            },
            batch=batch,
        )

    def partners(self, batch: int) -> None:
        if not batch:
            for tpl in self.t["partner"]:
                self.partner(tpl)
            return
        owners_of: dict[str, list[str]] = {}  # cluster → base partners' owners, in file order
        for p in self.t["partner"]:
            for cluster in p["clusters"]:
                owners_of.setdefault(cluster, [])
                if p["owner"] not in owners_of[cluster]:
                    owners_of[cluster].append(p["owner"])
        countries = self.t["scale"]["partner_countries"]
        types = self.t["scale"]["partner_types"]
        for _ in range(len(self.t["partner"])):
            country, cities = self.rng.choice(countries)
            city = self.rng.choice(cities)
            kind, category, clusters = self.rng.choice(types)
            title = f"{country}{city}{kind}"
            n = 2
            while title in self.partner_titles:
                title, n = f"{country}{city}{kind}（第{n}合作点）", n + 1
            self.partner_titles.add(title)
            status = self.rng.choices(list(AGREEMENT_WEIGHTS), list(AGREEMENT_WEIGHTS.values()))[0]
            start = date(self.rng.randint(2019, 2024), self.rng.randint(1, 12), 1)
            if status == "expired":
                start = start.replace(year=min(start.year, 2021))
            years = 3 if status == "expired" else self.rng.choice((3, 4, 5))
            end = date(start.year + years, start.month, 1)
            if status == "signed" and end < date(2027, 1, 1):
                end = date(2027, start.month, 1)
            dated = status in ("signed", "expired")
            state = {
                "signed": "双方已签署合作协议，按年度计划执行。",
                "negotiating": "合作协议正在洽谈中，预计年内签署。",
                "expired": "原合作协议已到期，双方正在评估续签。",
                "none": "目前已建立联系，尚未签署合作协议。",
            }[status]
            self.partner(
                {
                    "owner": self.rng.choice(owners_of[clusters[0]]),
                    "title": title,
                    "country": country,
                    "foreign": True,
                    "status": status,
                    "start": start if dated else None,
                    "end": end if dated else None,
                    "category": category,
                    "clusters": clusters,
                    "terms": "设计交流；联合开发；人员互访与培训",
                    "description": (
                        f"位于{country}{city}的{kind}，关注时尚产业的设计创新与技术交流，"
                        f"可为温州企业提供设计交流、联合开发、人员互访和培训等合作渠道。{state}"
                    ),
                },
                batch,
            )

    def specials(self) -> None:
        for tpl in self.t["special"]:
            owner = self.owner(tpl["owner"])
            detail = dict(tpl.get("detail", {}))
            for money in ("fee_per_hour", "fee_per_sample"):
                if money in detail:
                    detail[money] = _money(detail[money])
            if "patents" in detail:
                detail["patents"] = self.patent_numbers(detail["patents"])
            self.add(
                tpl["kind"],
                title=tpl["title"],
                owner=owner.name,
                category=tpl["category"],
                description=tpl["description"],
                clusters=tuple(tpl["clusters"]),
                industries=tuple(tpl.get("industries", ())),
                keywords=tpl.get("keywords", ""),
                price=_money(tpl.get("price")),
                price_unit=tpl.get("unit", "") if tpl.get("price") is not None else "",
                voucher_eligible=tpl.get("voucher", False),
                detail=detail,
                state=tpl["state"],
                reason=tpl.get("reason", ""),
            )

    def mark_stale(self) -> None:
        for owner, kind, moment in STALE:
            spec = next(
                s
                for s in self.specs
                if s.owner == owner and s.kind == kind and s.state == ResourceStatus.PUBLISHED
            )
            spec.verified_at = datetime.fromisoformat(moment).replace(tzinfo=SHANGHAI)

    def run(self, scale: int) -> list[ResourceSpec]:
        for batch in range(scale):
            self.services(batch)
            self.experts(batch)
            self.instruments(batch)
            self.achievements(batch)
            self.policies(batch)
            self.partners(batch)
            if batch == 0:
                self.specials()
                self.mark_stale()
        return self.specs


def generate(owners: list[Owner], scale: int, *, people: tuple[str, str]) -> list[ResourceSpec]:
    """Every demo listing for `scale` (≥ 1), owned by `owners`; experts' names are drawn from
    `people` (surname characters, given-name characters). Pure and deterministic."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    return _Generator({o.name: o for o in owners}, people).run(scale)


# ---------------------------------------------------------------------------------------------
# The loader.


class LibraryLoader:
    """Create the listings of `specs` that do not exist yet (matched by external_id)."""

    def __init__(
        self,
        specs: list[ResourceSpec],
        *,
        owners: dict[str, Owner],
        organizations: dict,  # name → Organization
        account: Callable,  # username → User
        operator,
    ):
        self.specs = specs
        self.owners = owners
        self.organizations = organizations
        self.account = account
        self.operator = operator
        self.clusters = {c.code: c for c in Cluster.objects.all()}
        self.industries = {i.code: i for i in Industry.objects.all()}
        self.created: Counter = Counter()

    def missing(self) -> list[ResourceSpec]:
        existing = set(
            Resource.objects.filter(external_id__startswith=EXTERNAL_PREFIX).values_list(
                "external_id", flat=True
            )
        )
        return [s for s in self.specs if s.external_id not in existing]

    def create(self, spec: ResourceSpec) -> Resource:
        provider = self.organizations[spec.owner]
        owner_admin = self.account(self.owners[spec.owner].admin)
        by_operator = spec.state in (ResourceStatus.PUBLISHED, ResourceStatus.ARCHIVED)
        resource = actions.resource_create(
            actor=self.operator if by_operator else owner_admin,
            provider=provider,
            kind=spec.kind,
            title=spec.title,
            clusters=[self.clusters[c] for c in spec.clusters],
            industries=[self.industries[i] for i in spec.industries],
            detail=spec.detail,
            publish=by_operator,
            external_id=spec.external_id,
            category=spec.category,
            description=spec.description,
            keywords=spec.keywords,
            price=spec.price,
            price_unit=spec.price_unit,
            voucher_eligible=spec.voucher_eligible,
        )
        if spec.state in (ResourceStatus.SUBMITTED, ResourceStatus.REJECTED):
            resource = actions.resource_submit(actor=owner_admin, resource=resource)
        if spec.state == ResourceStatus.REJECTED:
            resource = actions.resource_reject(
                actor=self.operator, resource=resource, reason=spec.reason
            )
        elif spec.state == ResourceStatus.ARCHIVED:
            resource = actions.resource_archive(
                actor=owner_admin, resource=resource, reason=spec.reason
            )
        return resource

    def run(self, progress: Callable[[int, int], None] | None = None) -> Counter:
        todo = self.missing()
        stale: list[tuple[int, datetime]] = []
        for n, spec in enumerate(todo, 1):
            resource = self.create(spec)
            self.created[spec.kind] += 1
            if spec.verified_at:
                stale.append((resource.pk, spec.verified_at))
            if progress and (n % 25 == 0 or n == len(todo)):
                progress(n, len(todo))
        # See the module docstring: backdate the stale examples (no action sets an old date).
        for pk, moment in stale:
            Resource.objects.filter(pk=pk).update(
                created_at=moment, published_at=moment, last_verified_at=moment
            )
        return self.created


@dataclass
class Summary:
    by_kind: dict[str, int]
    by_status: dict[str, int]
    stale: int

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def lines(self) -> list[str]:
        kinds = "、".join(f"{ResourceKind(k).label} {n}" for k, n in self.by_kind.items() if n)
        statuses = "、".join(
            f"{ResourceStatus(s).label} {n}" for s, n in self.by_status.items() if n
        )
        return [
            f"资源库：共 {self.total} 条（{kinds}）",
            f"　　状态：{statuses}；其中 {self.stale} 条超过 12 个月未核实",
        ]


def summary() -> Summary:
    """Counts of the whole resource library (by kind, by status, stale), for the printout."""
    kinds = dict(Resource.objects.order_by().values_list("kind").annotate(n=Count("id")))
    statuses = dict(Resource.objects.order_by().values_list("status").annotate(n=Count("id")))
    return Summary(
        by_kind={k: kinds.get(k, 0) for k in ResourceKind.values},
        by_status={s: statuses.get(s, 0) for s in ResourceStatus.values},
        stale=Resource.objects.stale().count(),
    )
