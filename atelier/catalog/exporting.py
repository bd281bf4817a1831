"""Spreadsheet output of the resource library: the export, the import template, the error report.

Every workbook written here goes through `safe_cell()`: a text starting with =, +, -, @, a tab or a
carriage return gets a leading apostrophe, so a spreadsheet never runs it as a formula (CSV/formula
injection; DESIGN.md §5). The import removes that apostrophe again, so an export re-imports to the
same data. The export has the columns of the import contract (DESIGN.md §4), Chinese headers with
the English keys in a second header row, which the import recognises and skips.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill

from atelier.core import codes
from atelier.core.models import Cluster, District, Industry

from .importing import COLUMNS, FORMULA_TRIGGERS, KEYS, LOCAL_ID_PREFIX, RowError
from .models import KIND_ALIASES, Resource, ResourceKind

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

# The canonical Chinese name of each kind (the first alias in models.KIND_ALIASES).
KIND_NAMES: dict[str, str] = {}
for _alias, _kind in KIND_ALIASES.items():
    KIND_NAMES.setdefault(str(_kind), _alias)

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
KEY_FONT = Font(italic=True, color="808080")
WIDTHS = {"external_id": 14, "kind": 8, "title": 36, "provider": 30, "district": 10,
          "industries": 18, "category": 14, "description": 60, "price_yuan": 10,
          "voucher_eligible": 10}  # fmt: skip


def safe_cell(value):
    """A value that is safe to put in a spreadsheet cell: formula-like text neutralised,
    characters that xlsx cannot hold removed."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_TRIGGERS):
            return "'" + value
    return value


def write_sheet(
    wb: Workbook, title: str, header: list, rows: list[list], *, widths=None, formats=None
):
    """A sheet with a bold header row, safe cells, column widths and number formats by column
    (1-based), the header frozen. Used by every statistics export."""
    ws = wb.create_sheet(title=title[:31])
    ws.append([safe_cell(h) for h in header])
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    for index, width in enumerate(widths or [], start=1):
        ws.column_dimensions[ws.cell(row=1, column=index).column_letter].width = width
    for column, number_format in (formats or {}).items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = number_format
    ws.freeze_panes = "A2"
    return ws


def _workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _header_rows(ws, *, write_only: bool) -> None:
    """Row 1: the Chinese headers; row 2: the English keys (both recognised by the import)."""
    # Column widths and panes first: a write-only sheet takes them only before its rows.
    for index, key in enumerate(KEYS):
        ws.column_dimensions[chr(ord("A") + index)].width = WIDTHS[key]
    ws.freeze_panes = "A3"
    if write_only:
        from openpyxl.cell import WriteOnlyCell

        head = []
        for _, zh, required in COLUMNS:
            cell = WriteOnlyCell(ws, value=zh + ("*" if required else ""))
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            head.append(cell)
        ws.append(head)
        keys = []
        for key in KEYS:
            cell = WriteOnlyCell(ws, value=key)
            cell.font = KEY_FONT
            keys.append(cell)
        ws.append(keys)
    else:
        ws.append([zh + ("*" if required else "") for _, zh, required in COLUMNS])
        ws.append(KEYS)
        for cell in ws[1]:
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        for cell in ws[2]:
            cell.font = KEY_FONT


# --- export -------------------------------------------------------------------------------------


def industries_cell(resource: Resource) -> str:
    """The `industries` cell: cluster names for clusters, GB/T 4754 codes for specific classes.

    A cluster's representative class (C195 for 鞋业) is written as the cluster's name, and a
    cluster already implied by a written class is not repeated; the import maps both back.
    """
    clusters = {c.code: c.name for c in resource.clusters.all()}
    representative = {v: k for k, v in codes.CLUSTER_REPRESENTATIVE_INDUSTRY.items()}
    named: set[str] = set()  # clusters written by name (standing for their representative too)
    items: list[str] = []
    implied: set[str] = set()  # clusters that a written industry code brings back
    for industry in sorted(resource.industries.all(), key=lambda i: i.code):
        cluster = representative.get(industry.code)
        if cluster in clusters:
            named.add(cluster)
            continue
        items.append(industry.code)
        implied.add(industry.cluster)
    names = [name for code, name in clusters.items() if code in named or code not in implied]
    return ";".join(names + items)


def export_row(resource: Resource) -> list:
    return [
        resource.external_id or f"{LOCAL_ID_PREFIX}{resource.pk}",
        KIND_NAMES.get(resource.kind, resource.kind),
        resource.title,
        resource.provider.name,
        resource.district.name,
        industries_cell(resource),
        resource.category,
        resource.description,
        resource.price,  # Decimal or None: a number cell
        "是" if resource.voucher_eligible else "否",
    ]


def filter_resources(qs, params) -> tuple:
    """Apply the list page's filters (kind, industry, district, category, voucher, provider) to
    `qs`. `params` is a QueryDict. Returns (qs, q) — the full-text `q` is left to the caller."""
    kinds = [k for k in params.getlist("kind") if k in ResourceKind.values]
    if kinds:
        qs = qs.filter(kind__in=kinds)
    industries = [v.strip() for v in params.getlist("industry") if v.strip()]
    if industries:
        qs = qs.filter(
            Q(clusters__code__in=industries)
            | Q(clusters__name__in=industries)
            | Q(industries__code__in=[v.upper() for v in industries])
        )
    districts = [v.strip() for v in params.getlist("district") if v.strip()]
    if districts:
        qs = qs.filter(Q(district__code__in=districts) | Q(district__name__in=districts))
    categories = [v.strip() for v in params.getlist("category") if v.strip()]
    if categories:
        qs = qs.filter(category__in=categories)
    voucher = (params.get("voucher") or "").strip().lower()
    if voucher in ("1", "true", "yes", "是"):
        qs = qs.filter(voucher_eligible=True)
    elif voucher in ("0", "false", "no", "否"):
        qs = qs.filter(voucher_eligible=False)
    providers = [int(v) for v in params.getlist("provider") if v.strip().isdigit()]
    if providers:
        qs = qs.filter(provider_id__in=providers)
    if industries:
        qs = qs.distinct()
    return qs, (params.get("q") or "").strip()


def export_workbook(resources: Iterable[Resource]) -> bytes:
    """An xlsx of `resources` with the import contract's columns (re-importable as is)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("资源")
    _header_rows(ws, write_only=True)
    for resource in resources:
        ws.append([safe_cell(v) for v in export_row(resource)])
    return _workbook_bytes(wb)


def export_filename(now=None) -> str:
    return f"resources-{timezone.localtime(now):%Y%m%d-%H%M}.xlsx"


# --- the import template ------------------------------------------------------------------------

EXAMPLE_ROW = [
    "SVC-0001",
    "服务",
    "皮鞋成品物理性能检验（QB/T 1002）",
    "温州市示例检测技术有限公司",
    "鹿城区",
    "鞋业;C1952",
    "检测认证",
    "按 QB/T 1002-2015 检验帮底剥离强度、成鞋耐折、外底耐磨等项目，约 7 个工作日出报告。",
    1200,
    "是",
]
NOTES = [
    "每行一条资源；表头可用中文或英文列名，第 2 行的英文列名可保留也可删除，多余的列会被忽略。",
    "带 * 的列必填。编号用于匹配已有记录：编号已存在则更新，否则新建。",
    "类型：服务、专家、仪器、成果（或 service、expert、instrument、achievement）。",
    "区县：温州市 12 个县级行政区的名称或区划代码；温州以外的机构填「市外」。",
    "行业：产业集群名称或 GB/T 4754 行业代码，多个以分号（;）分隔，如「鞋业;C1952」。",
    "价格：单位为元，最多两位小数，留空表示面议。可用创新券：1/0、是/否。",
    "机构名称与平台上的机构完全一致时关联到该机构；否则新建为待认证的服务机构。",
    "整个文件校验通过后才会导入；任何一行有错都不会导入任何数据。",
]


def allowed_values() -> list[tuple[str, str, str]]:
    """(column, value, meaning) rows of the template's second sheet."""
    rows = []
    for kind in (ResourceKind.SERVICE, ResourceKind.EXPERT, ResourceKind.INSTRUMENT,
                 ResourceKind.ACHIEVEMENT):  # fmt: skip
        rows.append(("类型 kind", KIND_NAMES[kind.value], kind.value))
    for d in District.objects.order_by("sort"):
        rows.append(("区县 district", d.name, d.code if not d.is_outside else "温州市以外的机构"))
    for c in Cluster.objects.order_by("sort"):
        rep = codes.CLUSTER_REPRESENTATIVE_INDUSTRY.get(c.code, "")
        rows.append(
            ("行业 industries", c.name, f"产业集群（{c.code}）" + (f"，对应 {rep}" if rep else ""))
        )
    for i in Industry.objects.order_by("code"):
        rows.append(("行业 industries", i.code, i.name))
    rows += [
        ("可用创新券 voucher_eligible", v, m)
        for v, m in (("是", "1、true、y"), ("否", "0、false、n"))
    ]
    return rows


def template_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "资源"
    _header_rows(ws, write_only=False)
    ws.append([safe_cell(v) for v in EXAMPLE_ROW])
    values = wb.create_sheet("可选值")
    values.append(["列", "可填的值", "说明"])
    for cell in values[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row in allowed_values():
        values.append([safe_cell(v) for v in row])
    values.column_dimensions["A"].width = 26
    values.column_dimensions["B"].width = 16
    values.column_dimensions["C"].width = 40
    notes = wb.create_sheet("填写说明")
    for line in NOTES:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    return _workbook_bytes(wb)


def template_csv() -> bytes:
    """UTF-8 with BOM, so that Excel opens the Chinese text correctly."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([zh for _, zh, _ in COLUMNS])
    writer.writerow(KEYS)
    writer.writerow(EXAMPLE_ROW)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# --- the error report ---------------------------------------------------------------------------


def errors_workbook(errors: list[RowError], *, filename: str = "") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误")
    for column, width in zip("ABCD", (8, 26, 40, 70), strict=True):
        ws.column_dimensions[column].width = width
    ws.append(["行", "列", "值", "原因"])
    for e in errors:
        ws.append([e.row, safe_cell(e.column_label), safe_cell(e.value), safe_cell(e.reason)])
    if filename:
        info = wb.create_sheet("文件")
        info.append(["文件", safe_cell(filename)])
        info.append(["错误数", len(errors)])
    return _workbook_bytes(wb)
