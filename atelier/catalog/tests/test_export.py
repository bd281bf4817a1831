"""The spreadsheet export: visible resources only, list filters, formula neutralisation, and a
round trip through the import."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from atelier.accounts.tests.factories import make_user
from atelier.catalog import exporting, importing
from atelier.catalog.models import Resource, ResourceKind
from atelier.catalog.tests.factories import make_provider, make_resource
from atelier.catalog.tests.test_import import (  # noqa: F401 (an autouse fixture)
    csv_bytes,
    row,
)

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == exporting.XLSX_TYPE
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def data_rows(response) -> list[dict]:
    rows = rows_of(response)
    assert rows[1] == importing.KEYS  # the second header row holds the English keys
    return [dict(zip(importing.KEYS, r, strict=True)) for r in rows[2:]]


class TestExport:
    def test_it_neutralises_formula_like_cells(self, client):
        provider = make_provider(name="@恶意机构")
        make_resource(provider=provider, title='=HYPERLINK("http://x","y")',
                      description="+1+1", category="-检测")  # fmt: skip
        make_resource(title="制表符", description="\t制表符开头")
        response = client.get(reverse("catalog:export"))
        rows = {r["title"]: r for r in data_rows(response)}
        evil = rows['\'=HYPERLINK("http://x","y")']
        assert evil["description"] == "'+1+1"
        assert evil["category"] == "'-检测"
        assert evil["provider"] == "'@恶意机构"
        assert rows["制表符"]["description"] == "'\t制表符开头"
        # No cell of the workbook is a formula.
        wb = load_workbook(io.BytesIO(response.content))
        assert all(c.data_type != "f" for r in wb.worksheets[0].iter_rows() for c in r)

    def test_it_exports_only_what_the_user_may_see(self, client, operator):
        make_resource(title="已发布的资源")
        make_resource(title="草稿资源", published=False)
        public = {r["title"] for r in data_rows(client.get(reverse("catalog:export")))}
        assert public == {"已发布的资源"}
        client.force_login(operator)
        everything = {r["title"] for r in data_rows(client.get(reverse("catalog:export")))}
        assert everything == {"已发布的资源", "草稿资源"}

    def test_it_applies_the_list_filters(self, client):
        provider = make_provider(district="330381")
        a = make_resource(title="甲", kind=ResourceKind.SERVICE, voucher_eligible=True,
                          clusters=("eyewear",), category="光学检测")  # fmt: skip
        b = make_resource(title="乙", kind=ResourceKind.INSTRUMENT, provider=provider,
                          district=provider.district)  # fmt: skip
        url = reverse("catalog:export")

        def titles(**params):
            return {r["title"] for r in data_rows(client.get(url, params))}

        assert titles(kind="instrument") == {b.title}
        assert titles(district="330381") == {b.title}
        assert titles(district="瑞安市") == {b.title}
        assert titles(voucher="1") == {a.title}
        assert titles(industry="eyewear") == {a.title}
        assert titles(category="光学检测") == {a.title}
        assert titles(provider=str(provider.pk)) == {b.title}
        assert titles(kind=["service", "instrument"]) == {a.title, b.title}

    def test_it_runs_a_fixed_number_of_queries(self, client, django_assert_max_num_queries):
        for _ in range(5):
            make_resource()
        with django_assert_max_num_queries(6):
            client.get(reverse("catalog:export"))


class TestRoundTrip:
    def test_an_export_reimports_to_the_same_data(self, client, operator):
        rows = [
            row(1, title='=HYPERLINK("http://x","y")', industries="鞋业;C1952",
                price_yuan="1234.56", description="-5 折优惠\n第二行"),
            row(2, kind="专家", title="王建国–鞋楦设计", industries="眼镜;饰品", price_yuan="",
                voucher_eligible="0", district="市外"),
            row(3, kind="instrument", industries="通用", provider="@机构"),
            row(4, kind="成果", industries="C3587;M7452", price_yuan="0.1"),
        ]  # fmt: skip
        importing.import_file(actor=operator, source=SimpleUploadedFile("a.csv", csv_bytes(rows)))
        by_hand = make_resource(title="手工创建的资源", clusters=("shoes", "design"))
        assert by_hand.external_id is None

        def snapshot():
            return {
                r.pk: (
                    r.external_id, r.kind, r.title, r.provider_id, r.district_id, r.category,
                    r.description, r.price, r.voucher_eligible, r.status,
                    sorted(c.pk for c in r.clusters.all()),
                    sorted(i.pk for i in r.industries.all()),
                )
                for r in Resource.objects.prefetch_related("clusters", "industries")
            }  # fmt: skip

        client.force_login(operator)
        export = client.get(reverse("catalog:export"))
        exported = {r["title"]: r for r in data_rows(export)}
        assert exported["手工创建的资源"]["external_id"] == f"ATL-{by_hand.pk}"
        assert exported['\'=HYPERLINK("http://x","y")']["price_yuan"] == 1234.56
        before = snapshot()
        plan = importing.prepare(SimpleUploadedFile("export.xlsx", export.content))
        assert plan.errors == []
        assert (plan.creates, plan.updates, plan.new_providers) == (0, 5, [])
        result = importing.resources_import(actor=operator, rows=plan.rows)
        assert (result.created, result.updated) == (0, 5)
        after = snapshot()
        by_hand_after = after[by_hand.pk]
        assert by_hand_after[0] == f"ATL-{by_hand.pk}"  # the listing now has an external_id
        before[by_hand.pk] = (f"ATL-{by_hand.pk}", *before[by_hand.pk][1:])
        # A hand-made listing's clusters gain their representative industries; all else is equal.
        before[by_hand.pk] = (*before[by_hand.pk][:11], ["C195", "M7492"])
        for pk in before:
            assert after[pk] == before[pk]
        assert Resource.objects.get(external_id="T0001").price == Decimal("1234.56")


class TestTemplates:
    def test_the_xlsx_template_lists_the_allowed_values_and_imports(self, client, operator):
        client.force_login(operator)
        response = client.get(reverse("catalog:import_template"), {"format": "xlsx"})
        assert response.status_code == 200
        wb = load_workbook(io.BytesIO(response.content))
        assert wb.sheetnames[:2] == ["资源", "可选值"]
        head = [c.value for c in wb["资源"][1]]
        assert head[:5] == ["编号*", "类型*", "名称*", "机构*", "区县*"]
        assert [c.value for c in wb["资源"][2]] == importing.KEYS
        allowed = {(r[0], r[1]) for r in wb["可选值"].iter_rows(min_row=2, values_only=True)}
        assert ("区县 district", "市外") in allowed and ("类型 kind", "成果") in allowed
        assert ("行业 industries", "C1952") in allowed and ("行业 industries", "鞋业") in allowed
        plan = importing.prepare(SimpleUploadedFile("t.xlsx", response.content))
        assert plan.errors == [] and len(plan.rows) == 1

    def test_the_csv_template_imports(self, client, operator):
        client.force_login(operator)
        response = client.get(reverse("catalog:import_template"), {"format": "csv"})
        assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
        plan = importing.prepare(SimpleUploadedFile("t.csv", response.content))
        assert plan.errors == [] and plan.rows[0].external_id == "SVC-0001"

    def test_templates_are_for_operators(self, client):
        client.force_login(make_user())
        assert client.get(reverse("catalog:import_template")).status_code == 403


def test_safe_cell():
    for text in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]:
        assert exporting.safe_cell(text) == "'" + text
    assert exporting.safe_cell("普通文本") == "普通文本"
    assert exporting.safe_cell("a\x01b") == "ab"
    assert exporting.safe_cell(Decimal("1.50")) == Decimal("1.50")
    assert importing._unescape("'=1+1") == "=1+1"
    assert importing._unescape("'普通") == "'普通"
