"""Bulk import of resources: parsing by content, whole-file validation, all-or-nothing, CLI."""

import csv
import importlib
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.core.management import CommandError, call_command

from atelier.accounts.tests.factories import make_user
from atelier.catalog import importing
from atelier.catalog.importing import KEYS, ImportRejected
from atelier.catalog.models import ExpertDetail, PolicyDetail, Resource, ResourceStatus
from atelier.catalog.tests.factories import make_provider, make_resource
from atelier.core.errors import NotAllowed
from atelier.core.models import AuditEntry, StatusChange
from atelier.core.workflow import history
from atelier.orgs.models import Organization, OrgKind, OrgStatus
from atelier.search import engine

pytestmark = pytest.mark.django_db

CORPUS = Path("/work/shared/eval/corpus.csv")
ZH = ["编号", "类型", "名称", "机构", "区县", "行业", "类别", "简介", "价格", "可用创新券"]


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def indexed(monkeypatch):
    """The documents sent to the search index, by resource id."""
    docs = {}

    def upsert(documents):
        docs.update({d.doc_id: d for d in documents})

    monkeypatch.setattr(engine, "upsert", upsert)
    return docs


def row(n=1, **overrides):
    values = {
        "external_id": f"T{n:04d}",
        "kind": "service",
        "title": f"鞋类检测服务{n}",
        "provider": "温州导入测试检测中心",
        "district": "鹿城区",
        "industries": "鞋业",
        "category": "检测认证",
        "description": "依据 GB 30585 开展全项检验。",
        "price_yuan": "1800",
        "voucher_eligible": "1",
    }
    values.update(overrides)
    return values


def csv_bytes(rows, *, header=KEYS, encoding="utf-8", bom=False) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(k, "") for k in KEYS] if isinstance(r, dict) else r)
    return (("\ufeff" if bom else "") + buf.getvalue()).encode(encoding)


def xlsx_bytes(rows, *, header=KEYS, raw=False) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append([r.get(k) for k in KEYS] if isinstance(r, dict) else list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(data: bytes, name: str = "resources.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def counts():
    return (
        Resource.objects.count(),
        Organization.objects.count(),
        AuditEntry.objects.count(),
        StatusChange.objects.count(),
    )


def import_bytes(data: bytes, actor=None, name="resources.csv", **kwargs):
    return importing.import_file(actor=actor, source=upload(data, name), **kwargs)


def reasons(plan_or_exc) -> str:
    return " / ".join(e.reason for e in plan_or_exc.errors)


# --- happy paths --------------------------------------------------------------------------------


class TestImportFormats:
    @pytest.mark.parametrize(
        "encoding, bom",
        [("utf-8", False), ("utf-8", True), ("gbk", False), ("gb18030", False)],
        ids=["utf8", "utf8-bom", "gbk", "gb18030"],
    )
    def test_it_imports_csv_in_every_encoding(self, operator, indexed, encoding, bom):
        data = csv_bytes([row(1), row(2, kind="专家", title="王建国–鞋楦设计")],
                         encoding=encoding, bom=bom)  # fmt: skip
        result = import_bytes(data, actor=operator)
        assert (result.created, result.updated, result.providers_created) == (2, 0, 1)
        first = Resource.objects.get(external_id="T0001")
        assert first.title == "鞋类检测服务1"
        assert first.status == ResourceStatus.PUBLISHED and first.published_at is not None
        assert first.price == Decimal("1800.00") and first.voucher_eligible is True
        assert first.district_id == "330302"
        assert [c.code for c in first.clusters.all()] == ["shoes"]
        assert [i.code for i in first.industries.all()] == ["C195"]
        assert first.created_by == operator
        expert = Resource.objects.get(external_id="T0002")
        assert expert.kind == "expert"
        assert ExpertDetail.objects.get(resource=expert).person_name == "王建国"
        assert set(indexed) == {first.pk, expert.pk}  # searchable once the import returns

    def test_it_imports_xlsx_with_chinese_headers_and_numeric_cells(self, operator, indexed):
        rows = [
            ["X1", "仪器", "三维足型扫描仪共享", "温州大学", "330304", "C1952;眼镜", "仪器共享",
             "<b>粗体</b>", 12.5, 1],
            ["X2", "成果", "防滑鞋底配方", "温州大学", "瓯海", "", "", "", None, "否"],
            [1003, "政策", "创新券实施细则", "鹿城区科技局", "鹿城区", "通用", "", "", 0, "是"],
        ]  # fmt: skip
        result = import_bytes(xlsx_bytes(rows, header=ZH), actor=operator, name="a.bin")
        assert (result.created, result.updated) == (3, 0)
        scanner = Resource.objects.get(external_id="X1")
        assert scanner.kind == "instrument" and scanner.district_id == "330304"
        assert scanner.price == Decimal("12.50")
        assert {c.code for c in scanner.clusters.all()} == {"shoes", "eyewear"}
        assert {i.code for i in scanner.industries.all()} == {"C1952", "C3587"}
        assert Resource.objects.get(external_id="X2").price is None
        policy = Resource.objects.get(external_id="1003")  # a numeric cell, without ".0"
        assert PolicyDetail.objects.get(resource=policy).issuer == "鹿城区科技局"
        assert policy.price == Decimal("0.00")
        assert Organization.objects.filter(name="温州大学").count() == 1

    def test_headers_are_case_and_space_insensitive_and_extra_columns_ignored(self, operator):
        header = [" External_ID ", "KIND", "Title", "provider", "District", "备注"]
        data = csv_bytes([["H1", "service", "标题", "机构甲", "市外", "随便写"]], header=header)
        result = import_bytes(data, actor=operator)
        assert result.created == 1
        r = Resource.objects.get(external_id="H1")
        assert r.district_id == "000000" and r.price is None and r.voucher_eligible is False

    def test_a_template_style_second_header_row_of_keys_is_skipped(self, operator):
        data = csv_bytes([KEYS, row(1)], header=ZH)
        assert import_bytes(data, actor=operator).created == 1

    def test_unknown_providers_are_created_unverified_and_known_ones_reused(self, operator):
        known = make_provider(name="温州已认证检测中心")
        before = Organization.objects.count()
        data = csv_bytes(
            [row(1, provider="温州已认证检测中心"), row(2, provider="新机构", district="瑞安市")]
        )
        result = import_bytes(data, actor=operator)
        assert result.providers_created == 1
        assert Organization.objects.count() == before + 1
        assert Resource.objects.get(external_id="T0001").provider == known
        new = Organization.objects.get(name="新机构")
        assert new.status == OrgStatus.PENDING and new.credit_code is None
        assert new.kind == OrgKind.PROVIDER and new.district_id == "330381"

    def test_html_and_script_are_stored_verbatim(self, operator):
        evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        import_bytes(csv_bytes([row(1, description=evil, title="<b>标题</b>")]), actor=operator)
        r = Resource.objects.get(external_id="T0001")
        assert r.description == evil and r.title == "<b>标题</b>"

    def test_prices_are_exact_decimals(self, operator):
        rows = [row(1, price_yuan="0.1"), row(2, price_yuan="1,234.56"), row(3, price_yuan="面议")]
        import_bytes(csv_bytes(rows), actor=operator)
        prices = dict(Resource.objects.values_list("external_id", "price"))
        assert prices == {"T0001": Decimal("0.10"), "T0002": Decimal("1234.56"), "T0003": None}

    def test_it_records_one_audit_row_and_one_history_row_per_resource(self, operator):
        import_bytes(csv_bytes([row(1), row(2)]), actor=operator, note="测试")
        for r in Resource.objects.all():
            entries = AuditEntry.objects.for_object(r)
            assert [e.verb for e in entries] == ["resource.import"]
            assert entries[0].actor == operator
            assert [(h.from_state, h.to_state, h.actor) for h in history(r)] == [
                ("", "published", operator)
            ]


@pytest.mark.skipif(not CORPUS.exists(), reason="the shared eval corpus is absent")
def test_the_eval_corpus_imports_cleanly_and_creates_providers(operator, indexed):
    plan = importing.prepare(CORPUS)
    assert plan.errors == []
    assert (plan.creates, plan.updates) == (240, 0)
    result = importing.resources_import(actor=operator, rows=plan.rows)
    assert (result.created, result.updated) == (240, 0)
    providers = {r["provider"] for r in csv.DictReader(CORPUS.open(encoding="utf-8-sig"))}
    assert result.providers_created == len(providers)
    assert set(Organization.objects.values_list("name", flat=True)) >= providers
    assert Resource.objects.published().count() == 240
    assert len(indexed) == 240
    assert AuditEntry.objects.filter(verb="resource.import").count() == 240
    # Importing the same file again updates every row and creates nothing.
    again = importing.import_file(actor=operator, source=CORPUS)
    assert (again.created, again.updated, again.providers_created) == (0, 240, 0)
    assert Resource.objects.count() == 240


class TestUpdate:
    def test_rows_matched_by_external_id_are_updated(self, operator, indexed):
        import_bytes(csv_bytes([row(1), row(2)]), actor=operator)
        r1 = Resource.objects.get(external_id="T0001")
        changed = row(1, title="新名称", industries="眼镜;C1952", price_yuan="99.90",
                      voucher_eligible="否", district="330381")  # fmt: skip
        result = import_bytes(csv_bytes([changed, row(3)]), actor=operator)
        assert (result.created, result.updated) == (1, 1)
        r1.refresh_from_db()
        assert r1.title == "新名称" and r1.price == Decimal("99.90") and not r1.voucher_eligible
        assert r1.district_id == "330381"
        assert {c.code for c in r1.clusters.all()} == {"eyewear", "shoes"}
        assert {i.code for i in r1.industries.all()} == {"C3587", "C1952"}
        entry = AuditEntry.objects.for_object(r1).first()
        assert entry.verb == "resource.import"
        assert entry.changes["title"] == ["鞋类检测服务1", "新名称"]
        assert Resource.objects.count() == 3
        assert indexed[r1.pk].fields["title"] == "新名称"

    def test_an_update_keeps_the_status_of_an_unpublished_listing(self, operator):
        draft = make_resource(published=False, external_id="D1")
        import_bytes(csv_bytes([row(1, external_id="D1", title="改名")]), actor=operator)
        draft.refresh_from_db()
        assert draft.title == "改名" and draft.status == ResourceStatus.DRAFT

    def test_an_update_cannot_change_the_kind(self, operator):
        make_resource(external_id="K1")
        before = counts()
        plan = importing.prepare(upload(csv_bytes([row(1, external_id="K1", kind="专家")])))
        assert plan.errors[0].row == 2 and plan.errors[0].column == "kind"
        assert "不能更改资源类型" in plan.errors[0].reason
        assert counts() == before


# --- bad input: a clear error and nothing changed -----------------------------------------------


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(200):  # 200 MB of zeros, about 200 KB compressed
                member.write(chunk)
    return buf.getvalue()


def fake_xlsx_with_junk() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "not xml at all <<<")
        zf.writestr("xl/workbook.xml", "<<<")
    return buf.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED = "文件已加密，请取消密码后再导入"
BAD_FILES = {
    "malformed-zip": (b"PK\x03\x04" + b"garbage" * 100, "已损坏"),
    "malformed-xlsx": (fake_xlsx_with_junk(), "已损坏"),
    "other-zip": (None, "不是 Excel 工作簿"),
    "encrypted": (OLE + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le"), ENCRYPTED),
    "ole-xls": (OLE + b"\0" * 1024, ENCRYPTED),
    "png": (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "既不是"),
    "empty": (b"", "文件为空"),
    "missing-columns": (csv_bytes([["A1", "服务"]], header=["编号", "类型", "简介"]),
                        "缺少必需的列：名称（title）、机构（provider）、区县（district）"),
    "header-only": (csv_bytes([]), "没有数据行"),
}  # fmt: skip


def other_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    return buf.getvalue()


class TestBadFiles:
    @pytest.mark.parametrize("case", list(BAD_FILES))
    def test_it_refuses_the_file_and_changes_nothing(self, operator, case):
        data, message = BAD_FILES[case]
        if case == "other-zip":
            data = other_zip()
        make_resource(external_id="KEEP")
        before = counts()
        plan = importing.prepare(upload(data, "resources.xlsx"))
        assert plan.errors and not plan.rows
        assert message in reasons(plan)
        with pytest.raises(ImportRejected) as exc:
            import_bytes(data, actor=operator, name="resources.xlsx")
        assert message in str(exc.value)
        assert counts() == before

    def test_a_zip_bomb_is_refused_before_it_is_unpacked(self, operator):
        data = zip_bomb()
        assert len(data) < 2 * 1024 * 1024
        before = counts()
        plan = importing.prepare(upload(data, "bomb.xlsx"))
        assert "压缩炸弹" in reasons(plan)
        assert counts() == before

    def test_a_50_mb_file_is_refused_without_being_read(self, operator):
        class Unreadable(io.BytesIO):
            def read(self, *args):
                raise AssertionError("the file must not be read")

        big = UploadedFile(Unreadable(b"x"), name="big.csv", size=50 * 1024 * 1024)
        before = counts()
        plan = importing.prepare(big)
        assert "文件过大（50.0 MB），上限为 20 MB" in reasons(plan)
        assert counts() == before

    def test_a_50_mb_file_on_disk_is_refused_by_the_command(self, tmp_path):
        path = tmp_path / "big.csv"
        with path.open("wb") as fh:  # sparse: nothing is written but the last byte
            fh.truncate(50 * 1024 * 1024)
        with pytest.raises(CommandError):
            call_command("import", "resources", str(path), stderr=io.StringIO())

    def test_the_limit_follows_the_setting(self, settings):
        settings.ATELIER_MAX_IMPORT_BYTES = 100
        plan = importing.prepare(upload(csv_bytes([row(1), row(2)])))
        assert "上限" in reasons(plan)


class TestBadRows:
    @pytest.mark.parametrize(
        "overrides, column, reason",
        [
            ({"kind": "widget"}, "kind", "未知的类型"),
            ({"district": "杭州市"}, "district", "未知的区县"),
            ({"district": ""}, "district", "区县不能为空"),
            ({"industries": "鞋业;航天"}, "industries", "未知的行业"),
            ({"price_yuan": "-1"}, "price_yuan", "价格不能为负数"),
            ({"price_yuan": "一千"}, "price_yuan", "价格不是数字"),
            ({"price_yuan": "NaN"}, "price_yuan", "价格不是数字"),
            ({"price_yuan": "1.005"}, "price_yuan", "最多保留两位小数"),
            ({"voucher_eligible": "maybe"}, "voucher_eligible", "可用创新券须为"),
            ({"title": "  "}, "title", "名称不能为空"),
            ({"title": "长" * 201}, "title", "不能超过 200 个字"),
            ({"external_id": ""}, "external_id", "编号不能为空"),
            ({"provider": ""}, "provider", "机构不能为空"),
            ({"category": "类" * 41}, "category", "类别不能超过 40 个字"),
        ],
    )
    def test_each_bad_value_is_reported_with_row_and_column(self, operator, overrides, column,
                                                             reason):  # fmt: skip
        make_resource(external_id="KEEP")
        data = csv_bytes([row(1), row(2, **overrides), row(3)])
        before = counts()
        plan = importing.prepare(upload(data))
        assert [(e.row, e.column) for e in plan.errors] == [(3, column)]
        assert reason in plan.errors[0].reason
        with pytest.raises(ImportRejected):
            import_bytes(data, actor=operator)
        assert counts() == before

    def test_duplicate_external_ids_are_reported_with_the_first_row(self):
        plan = importing.prepare(upload(csv_bytes([row(1), row(2), row(1, title="又一次")])))
        assert [(e.row, e.column, e.value) for e in plan.errors] == [(4, "external_id", "T0001")]
        assert "第 2 行" in plan.errors[0].reason

    def test_a_duplicate_of_a_bad_row_is_still_a_duplicate(self):
        plan = importing.prepare(upload(csv_bytes([row(1, kind="x"), row(1)])))
        assert [(e.row, e.column) for e in plan.errors] == [(2, "kind"), (3, "external_id")]

    def test_every_error_of_the_file_is_reported_at_once(self):
        rows = [row(1, kind="x"), row(2, district="y", price_yuan="-5"), row(3)]
        plan = importing.prepare(upload(csv_bytes(rows)))
        assert [(e.row, e.column) for e in plan.errors] == [
            (2, "kind"), (3, "district"), (3, "price_yuan")
        ]  # fmt: skip

    def test_xlsx_errors_carry_spreadsheet_row_numbers(self):
        rows = [row(1), {}, row(2, price_yuan=-3)]  # an empty row in between
        plan = importing.prepare(upload(xlsx_bytes(rows), "a.xlsx"))
        assert [(e.row, e.column, e.value) for e in plan.errors] == [(4, "price_yuan", "-3")]


class TestAction:
    def test_only_operators_may_import(self):
        plan = importing.prepare(upload(csv_bytes([row(1)])))
        before = counts()
        with pytest.raises(NotAllowed):
            importing.resources_import(actor=make_user(), rows=plan.rows)
        assert counts() == before

    def test_a_failure_midway_rolls_everything_back(self, operator, monkeypatch):
        plan = importing.prepare(upload(csv_bytes([row(1), row(2, provider="另一家新机构")])))
        before = counts()

        def broken(resources):
            raise RuntimeError("index down")

        monkeypatch.setattr(importing.actions, "reindex", broken)
        with pytest.raises(RuntimeError):
            importing.resources_import(actor=operator, rows=plan.rows)
        assert counts() == before

    def test_it_imports_a_thousand_rows_with_a_bounded_number_of_queries(
        self, operator, django_assert_max_num_queries
    ):
        make_provider(name="温州导入测试检测中心")
        rows = [row(n, kind=["service", "expert", "instrument", "achievement"][n % 4])
                for n in range(1000)]  # fmt: skip
        plan = importing.prepare(upload(csv_bytes(rows)))
        assert plan.ok
        with django_assert_max_num_queries(150):  # batches (SQLite: 999 parameters), not rows
            result = importing.resources_import(actor=operator, rows=plan.rows)
        assert result.created == 1000


# --- the command --------------------------------------------------------------------------------


def write(tmp_path, data: bytes, name="resources.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


class TestCommand:
    def test_it_imports_and_reports(self, tmp_path, indexed):
        path = write(tmp_path, csv_bytes([row(1), row(2)]))
        out, err = io.StringIO(), io.StringIO()
        call_command("import", "resources", path, stdout=out, stderr=err)
        assert "导入完成：新建 2 条，更新 0 条" in out.getvalue()
        assert Resource.objects.published().count() == 2
        assert len(indexed) == 2
        assert AuditEntry.objects.filter(verb="resource.import").first().actor_label == "系统"
        assert "100%" in err.getvalue()  # a line per 10 % when stderr is not a terminal

    def test_as_names_the_operator_in_the_audit_log(self, tmp_path, operator):
        path = write(tmp_path, csv_bytes([row(1)]))
        call_command("import", "resources", path, "--as", operator.username, stdout=io.StringIO(),
                     stderr=io.StringIO())  # fmt: skip
        assert AuditEntry.objects.filter(verb="resource.import").get().actor == operator

    def test_as_refuses_someone_who_is_not_an_operator(self, tmp_path):
        path = write(tmp_path, csv_bytes([row(1)]))
        member = make_user()
        with pytest.raises(CommandError, match="只有运营方"):
            call_command("import", "resources", path, "--as", member.username)
        assert Resource.objects.count() == 0

    def test_errors_print_a_table_and_fail(self, tmp_path):
        path = write(tmp_path, csv_bytes([row(1), row(2, kind="widget", price_yuan="-1")]))
        before = counts()
        err = io.StringIO()
        with pytest.raises(CommandError, match="共 2 处错误"):
            call_command("import", "resources", path, stdout=io.StringIO(), stderr=err)
        table = err.getvalue()
        assert "行" in table and "原因" in table
        assert "widget" in table and "价格不能为负数" in table
        assert counts() == before

    def test_dry_run_validates_and_changes_nothing(self, tmp_path):
        make_resource(external_id="T0001")
        path = write(tmp_path, csv_bytes([row(1), row(2)]))
        before = counts()
        out = io.StringIO()
        call_command("import", "resources", path, "--dry-run", stdout=out, stderr=io.StringIO())
        assert "将新建 1 条，更新 1 条" in out.getvalue()
        assert counts() == before

    def test_dry_run_of_a_bad_file_fails(self, tmp_path):
        path = write(tmp_path, csv_bytes([row(1, district="火星")]))
        with pytest.raises(CommandError):
            call_command("import", "resources", path, "--dry-run", stderr=io.StringIO())

    def test_a_missing_file_fails(self, tmp_path):
        with pytest.raises(CommandError, match="文件不存在"):
            call_command("import", "resources", str(tmp_path / "nope.csv"))

    def test_the_progress_bar_updates_in_place_on_a_terminal(self):
        command = importlib.import_module("atelier.catalog.management.commands.import")

        class Terminal(io.StringIO):
            def isatty(self):
                return True

        stream = Terminal()
        bar = command.ProgressBar(stream, width=10)
        for done in range(0, 201):
            bar("校验", done, 200)
        bar.finish()
        text = stream.getvalue()
        assert text.count("\r") == 101  # once per percent, in place
        assert "\r校验 [##########] 100% 200/200\n" in text
