"""Utilisation of shared instruments (issue 6, item 3): effective machine hours (有效机时),
external service hours (对外服务机时), sharing rate (共享率 = external / effective) and income, per
instrument, per lab (the provider organisation) and in total, for one calendar year.

Figures come from recorded use (`Usage`, started and stopped by the manager), summed in Python
from seconds and integer fen, so they are exact on SQLite and PostgreSQL alike. "External" means
the booking was made for an organisation other than the instrument's provider (or for none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from .models import Usage

# Grading bands shown beside the figures. NOT the official thresholds: the national open-sharing
# evaluation of large research instruments grades on several indicators with its own scoring, and
# we do not reproduce it here. These are an approximation for orientation, set by the platform
# (annual effective machine hours per instrument; sharing rate as a fraction). Replace them with
# the figures of the evaluation rules in force when the operator supplies them.
HOURS_BANDS = [  # (at least, grade)
    (1600, _("优秀")),
    (1200, _("良好")),
    (800, _("合格")),
    (0, _("较差")),
]
SHARING_BANDS = [
    (Decimal("0.50"), _("优秀")),
    (Decimal("0.30"), _("良好")),
    (Decimal("0.15"), _("合格")),
    (Decimal("0"), _("较差")),
]

# National reference figures published with the results of the evaluation of open sharing of
# major research facilities and large instruments (重大科研基础设施和大型科研仪器开放共享评价考核,
# rules 国科办基〔2022〕93号), by the General Offices of MOST and MOF: instruments of ¥500,000
# and more at central universities and institutes. Shown beside our figures for comparison.
NATIONAL_REFERENCE = {
    # 2025 results notice: average annual effective working hours and external service hours.
    "effective_hours": 1599,
    "external_hours": 273,
    "year": 2025,
    # The 2019 results notice reported the average sharing rate (16%).
    "sharing_rate": Decimal("0.16"),
    "sharing_year": 2019,
}

HOUR = Decimal(3600)
CENT = Decimal("0.01")


def grade(value, bands):
    if value is None:
        return None
    for threshold, label in bands:
        if value >= threshold:
            return label
    return bands[-1][1]


@dataclass
class Figures:
    label: str = ""
    effective_seconds: int = 0
    external_seconds: int = 0
    income_fen: int = 0
    uses: int = 0
    resource_id: int | None = None
    provider_id: int | None = None
    provider: str = ""
    children: list = field(default_factory=list)

    def add(self, seconds: int, external: bool, fen: int) -> None:
        self.effective_seconds += seconds
        self.external_seconds += seconds if external else 0
        self.income_fen += fen
        self.uses += 1

    @property
    def effective_hours(self) -> Decimal:
        return (Decimal(self.effective_seconds) / HOUR).quantize(CENT, ROUND_HALF_UP)

    @property
    def external_hours(self) -> Decimal:
        return (Decimal(self.external_seconds) / HOUR).quantize(CENT, ROUND_HALF_UP)

    @property
    def sharing_rate(self) -> Decimal | None:
        if not self.effective_seconds:
            return None
        rate = Decimal(self.external_seconds) / Decimal(self.effective_seconds)
        return rate.quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @property
    def income_yuan(self) -> Decimal:
        return Decimal(self.income_fen) / 100

    @property
    def hours_grade(self):
        return grade(self.effective_hours, HOURS_BANDS)

    @property
    def sharing_grade(self):
        return grade(self.sharing_rate, SHARING_BANDS)


@dataclass
class Report:
    year: int
    instruments: list[Figures]
    labs: list[Figures]
    total: Figures


def report(instruments, year: int) -> Report:
    """Figures of the given instruments (a Resource queryset) for the local calendar year."""
    per_instrument = {
        r.pk: Figures(
            label=r.title, resource_id=r.pk, provider_id=r.provider_id, provider=r.provider.name
        )
        for r in instruments.select_related("provider").order_by("provider__name", "title")
    }
    rows = Usage.objects.filter(
        stopped_at__isnull=False,
        started_at__year=year,
        booking__resource__in=list(per_instrument),
    ).values_list(
        "booking__resource_id",
        "booking__resource__provider_id",
        "booking__organization_id",
        "started_at",
        "stopped_at",
        "fee_fen",
    )
    for resource_id, provider_id, org_id, started, stopped, fen in rows:
        seconds = int((stopped - started).total_seconds())
        per_instrument[resource_id].add(seconds, org_id != provider_id, fen or 0)
    labs: dict[int, Figures] = {}
    total = Figures(label=str(_("合计")))
    for f in per_instrument.values():
        lab = labs.setdefault(f.provider_id, Figures(label=f.provider, provider_id=f.provider_id))
        lab.children.append(f)
        for agg in (lab, total):
            agg.effective_seconds += f.effective_seconds
            agg.external_seconds += f.external_seconds
            agg.income_fen += f.income_fen
            agg.uses += f.uses
    return Report(year=year, instruments=list(per_instrument.values()),
                  labs=list(labs.values()), total=total)  # fmt: skip


def to_xlsx(rep: Report) -> bytes:
    from openpyxl import Workbook

    from atelier.catalog.exporting import HEADER_FILL, HEADER_FONT, _workbook_bytes, safe_cell

    wb = Workbook()
    headers = [str(h) for h in (_("层级"), _("名称"), _("所属单位"), _("有效机时"),
               _("对外服务机时"), _("共享率"), _("收入（元）"), _("上机次数"),
               _("机时评级"), _("共享率评级"))]  # fmt: skip
    ws = wb.active
    ws.title = str(rep.year)
    ws.append(headers)
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL

    def row(level, f: Figures, owner=""):
        ws.append([safe_cell(v) for v in (
            str(level), f.label, owner, f.effective_hours, f.external_hours,
            f.sharing_rate, f.income_yuan, f.uses,
            str(f.hours_grade) if f.hours_grade else "",
            str(f.sharing_grade) if f.sharing_grade else "",
        )])  # fmt: skip

    for lab in rep.labs:
        for f in lab.children:
            row(_("仪器"), f, lab.label)
        row(_("实验室"), lab)
    row(_("合计"), rep.total)
    for letter, width in zip("ABCDEFGHIJ", (8, 30, 30, 10, 12, 8, 12, 8, 8, 10), strict=True):
        ws.column_dimensions[letter].width = width
    return _workbook_bytes(wb)
