"""The public voucher statistics page (vouchers:stats) and its xlsx export (vouchers:stats_xlsx),
on a small known data set made through the actions."""

import io
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from atelier.catalog.tests.factories import make_provider
from atelier.core.i18n import compile_messages
from atelier.core.tests.test_i18n import assert_no_chinese, english

from .. import actions, ledger
from .factories import make_enterprise, make_programme, member_of, operator
from .test_stats import issue, moment, redeem

LUCHENG, OUHAI = "330302", "330304"
FORMULA = '=HYPERLINK("http://example.com","检测")'
URL, XLSX = reverse("vouchers:stats"), reverse("vouchers:stats_xlsx")
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Last year: A (Lucheng, shoes) spends ¥5,000. This year, Lucheng: A gets ¥20,000 and
    spends ¥8,000.50 (paid); B (Lucheng, no fashion industry) gets ¥10,000.25 and spends
    ¥1,234.56 (not paid yet). Ouhai: C (apparel) has an application waiting. The only provider's
    name looks like a spreadsheet formula."""
    this_year = timezone.localdate().year
    last = datetime(this_year - 1, 6, 15, 10, 0, tzinfo=timezone.get_current_timezone())
    a = make_enterprise(LUCHENG, industries=("C1952",))
    b = make_enterprise(LUCHENG, industries=("C2924",))
    c = make_enterprise(OUHAI, industries=("C1811",))
    with moment(last):
        old = make_programme(
            district=LUCHENG, year=this_year - 1, batch=1,
            opens_on=last.date() - timedelta(days=10), closes_on=last.date() + timedelta(days=60),
        )  # fmt: skip
        provider = make_provider(name=FORMULA)
        enrolment = actions.enrol(member_of(provider), old, provider)
        actions.enrolment_decide(operator(), enrolment, accept=True)
        redeem(issue(old, a, "5000"), provider, "5000", approved="5000", pay=False, tag="old")
    lucheng = make_programme(district=LUCHENG, batch=2)
    ouhai = make_programme(district=OUHAI, batch=1, name="瓯海区创新券", authority="瓯海区科技局")
    enrolment = actions.enrol(member_of(provider), lucheng, provider)
    actions.enrolment_decide(operator(), enrolment, accept=True)
    redeem(issue(lucheng, a, "20000"), provider, "8000.50", approved="8000.50", pay=True, tag="a")
    redeem(
        issue(lucheng, b, "10000.25"), provider, "1234.56", approved="1234.56", pay=False, tag="b"
    )
    actions.apply(member_of(c), ouhai, c, amount="3000", purpose="服装设计服务")
    assert ledger.check() == []
    return {"provider": provider, "year": this_year}


def cells(html: str, key: str) -> list[str]:
    """The texts of the cells of the table row `key` (a district code, a year, "total")."""
    row = re.search(rf'<tr data-key="{key}">(.*?)</tr>', html, re.S).group(1)
    return [
        re.sub(r"<[^>]+>", " ", c).split()[0] if c.strip() else ""
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]


def card(html: str, name: str) -> str:
    return re.search(rf'id="stat-{name}">(.*?)<', html).group(1)


def test_it_shows_the_figures_to_an_anonymous_visitor(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert (card(html, "enterprises"), card(html, "fashion")) == ("3", "2")
    assert (card(html, "shoes"), card(html, "rate")) == ("50.0", "40.6")  # 14,235.06 / 35,000.25
    assert card(html, "issued") == "35,000.25"
    assert card(html, "redeemed") == "14,235.06"
    assert card(html, "paid") == "8,000.50"
    assert "占参与企业 66.7%" in html
    #   label, enterprises, fashion, share, issued, redeemed, fashion share of the amount, paid,
    #   redemption rate, providers, projects
    assert cells(html, LUCHENG) == [
        "鹿城区", "2", "1", "50.0%", "35,000.25", "14,235.06", "91.3%", "8,000.50", "40.6%",
        "1", "3",
    ]  # fmt: skip
    assert cells(html, OUHAI) == [
        "瓯海区", "1", "1", "100.0%", "0.00", "0.00", "—", "0.00", "—", "0", "0",
    ]  # fmt: skip
    assert cells(html, "total")[:6] == ["合计", "3", "2", "66.7%", "35,000.25", "14,235.06"]
    assert "口径说明" in html and 'id="stats-data"' in html
    assert response.context["chart_data"]["series"][1]["values"] == ["1.42", "0.00"]  # 万元
    assert FORMULA not in html  # the district grouping names no organisation


def test_the_year_filter_compares_with_the_year_before(client, world):
    y = world["year"]
    html = client.get(URL, {"year": y}).content.decode()
    assert card(html, "redeemed") == "9,235.06" and card(html, "issued") == "30,000.25"
    assert "比上年 +84.7%" in html  # 9,235.06 against 5,000.00
    assert cells(html, LUCHENG)[-3] == "+84.7%"
    html = client.get(URL, {"year": y - 1}).content.decode()
    assert (card(html, "enterprises"), card(html, "redeemed")) == ("1", "5,000.00")
    assert f'<option value="{y - 1}" selected>' in html


def test_the_groupings(client, world):
    y = world["year"]
    response = client.get(URL, {"group_by": "year"})
    html = response.content.decode()
    assert cells(html, str(y - 1))[:6] == [str(y - 1), "1", "1", "100.0%", "5,000.00", "5,000.00"]
    assert cells(html, str(y))[:3] == [str(y), "3", "2"]
    assert "本年至今" in html
    assert cells(html, str(y))[-3] == "+84.7%"
    assert response.context["chart_data"]["kind"] == "line"
    html = client.get(URL, {"group_by": "industry"}).content.decode()
    assert cells(html, "C1952")[:3] == ["皮鞋制造", "1", "1"]
    assert cells(html, "C2924")[:3] == ["泡沫塑料制造", "1", "0"]
    fashion_chips = re.findall(r'<tr data-key="(\w+)">\s*<th[^>]*>[^<]*<span[^>]*>时尚<', html)
    assert sorted(fashion_chips) == ["C1811", "C1952"]
    response = client.get(URL, {"group_by": "provider"})
    html = response.content.decode()
    row = cells(html, str(world["provider"].pk))
    assert row[1:3] == ["2", "1"]  # A and B redeemed with it; A is a fashion enterprise
    assert "发放金额（元）</th>" not in html  # grants belong to no provider: no such column
    assert response.context["chart_data"]["kind"] == "bar"


@pytest.mark.parametrize(
    "params", [{"year": "1999"}, {"year": "abc"}, {"group_by": "person"}, {"group_by": "year';"}]
)
def test_a_bad_filter_is_refused_and_the_defaults_shown(client, world, params):
    response = client.get(URL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "筛选条件有误，已按默认值显示" in html
    assert card(html, "enterprises") == "3"  # all years, by district
    assert (response.context["year"], response.context["group_by"]) == (None, "district")
    assert cells(html, LUCHENG)[:2] == ["鹿城区", "2"]


def test_the_xlsx_has_every_grouping_with_exact_amounts(client, world):
    response = client.get(XLSX)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["说明", "按区县", "按行业", "按年份", "按服务机构"]
    ws = wb["按区县"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:6] == ("区县", "参与企业和单位", "时尚相关企业", "时尚企业占比（%）",
                           "其中鞋类企业", "发放金额（元）")  # fmt: skip
    lucheng, ouhai, total = rows[1:]
    assert lucheng[:5] == ("鹿城区", 2, 1, 50, 1)
    money = [Decimal(str(v)).quantize(Decimal("0.01")) for v in lucheng[5:10]]
    assert money == [Decimal(v) for v in ("35000.25", "0.00", "14235.06", "8000.50", "13000.50")]
    shares = [Decimal(str(v)) for v in lucheng[10:12]]
    assert shares == [Decimal("91.3"), Decimal("40.6")]  # of the amount redeemed; redemption rate
    assert ws["F2"].number_format == "#,##0.00" and ws["D2"].number_format == "0.0"
    assert ouhai[0] == "瓯海区" and ouhai[10] is None  # nothing redeemed: no share
    assert total[0] == "合计" and total[1] == 3
    provider = list(wb["按服务机构"].iter_rows(values_only=True))[1]
    assert provider[0] == "'" + FORMULA  # neutralised: a spreadsheet shows it as text


def test_the_xlsx_of_one_grouping_and_year(client, world):
    y = world["year"]
    response = client.get(XLSX, {"group_by": "provider", "year": y - 1})
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["说明", "按服务机构"]
    assert wb["说明"]["B3"].value == str(y - 1)
    (row,) = list(wb["按服务机构"].iter_rows(min_row=2, max_row=2, values_only=True))
    assert row[0] == "'" + FORMULA and Decimal(str(row[7])) == Decimal("5000")
    texts = [c for r in wb["按服务机构"].iter_rows() for c in r if isinstance(c.value, str)]
    assert all(c.data_type == "s" and not c.value.startswith(("=", "+", "-", "@")) for c in texts)
    assert client.get(XLSX, {"group_by": "person"}).status_code == 400
    assert client.get(XLSX, {"year": "1999"}).status_code == 400


def test_the_programme_list_links_to_the_page(client, world):
    assert URL.encode() in client.get(reverse("vouchers:list")).content


def test_the_page_in_english(client, world):
    compile_messages()
    english(client)
    html = client.get(URL).content.decode()
    assert "Innovation voucher statistics" in html and "Lucheng" in html
    assert_no_chinese(html)
    html = client.get(URL, {"group_by": "year", "year": "abc"}).content.decode()
    assert_no_chinese(html)
