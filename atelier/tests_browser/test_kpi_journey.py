"""The KPI journey in a real browser (see conftest.py for the set-up): the operator reports a
value with a PDF and the data-truth pledge, the district reviewer approves it, opens the annual
assessment of the government line and signs it; the plan page then shows the frozen actual and
the score. Screenshots go to test-results/.
"""

import io
import re

import pytest
from playwright.sync_api import Page, expect

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPERATOR_PASSWORD = "Op-kpi-journey-2026"
REVIEWER_PASSWORD = "Rv-kpi-journey-2026"


def tiny_pdf(title: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Title": title})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def log_in(page: Page, identifier: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("手机号 / 邮箱 / 用户名").fill(identifier)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_report_review_and_sign_an_assessment(page: Page, screenshot):
    from atelier.kpi.catalogue import seed_indicators
    from atelier.kpi.models import Indicator
    from atelier.kpi.tests.page_factories import THIS, plan_this_year

    # live_server flushes the database after every test, the built-in indicators of migration
    # 0002 included: put them back (idempotent), as conftest does for the reference data.
    seed_indicators(Indicator)
    operator = make_user(Role.OPERATOR, password=OPERATOR_PASSWORD)
    reviewer = make_user(Role.REVIEWER, district="330304", password=REVIEWER_PASSWORD)
    plan = plan_this_year(actor=operator, name="瓯海眼镜综合体年度考核")
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm prompts

    # The operator finds the active plan from the plan list and reports 国内市场占有率.
    log_in(page, operator.mobile, OPERATOR_PASSWORD)
    page.goto("/kpi/")
    page.get_by_role("link", name="瓯海眼镜综合体年度考核").click()
    expect(page.locator("h1")).to_contain_text("瓯海眼镜综合体年度考核")
    share = page.locator("tr[data-code=market_share]")
    expect(share.locator("[data-status]")).to_have_text("暂无数据")
    share.get_by_role("link", name="填报", exact=True).click()
    expect(page.locator("h1")).to_contain_text(f"国内市场占有率（{THIS} 年）")
    page.get_by_label(re.compile(r"^填报值")).fill("31.5")
    page.get_by_label("说明", exact=True).fill("行业协会 2026 年抽样统计")
    page.get_by_label(re.compile(r"^佐证材料")).set_input_files(
        {"name": "市场占有率统计.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf("s")}
    )
    page.get_by_label(re.compile("本单位承诺所填报数据真实")).check()
    screenshot("kpi-1-report-form")
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_role("alert").filter(has_text="待主管部门审核")).to_be_visible()
    expect(share.get_by_role("link", name=re.compile("1 条待审"))).to_be_visible()

    # The district reviewer approves it from the queue.
    page.context.clear_cookies()
    log_in(page, reviewer.mobile, REVIEWER_PASSWORD)
    page.goto("/kpi/reports/")
    row = page.locator("tr[id^=report-]").filter(has_text="国内市场占有率")
    expect(row).to_contain_text("31.5")
    screenshot("kpi-2-review-queue")
    row.get_by_role("button", name="采纳").click()
    expect(page.get_by_role("alert").filter(has_text="已采纳")).to_be_visible()
    expect(page.get_by_text("没有待审核的填报值")).to_be_visible()

    # The reviewer opens the government line's assessment and signs it.
    page.goto(f"/kpi/plans/{plan.pk}/")
    page.locator("#government").get_by_role("link", name="年度考核").click()
    expect(page.locator("h1")).to_contain_text("政府牵头单位")
    page.get_by_role("textbox", name="总体评价").fill("市场占有率接近目标，佐证充分。")
    page.get_by_role("button", name="签署考核").click()
    expect(page.get_by_role("alert").filter(has_text="已签署")).to_be_visible()
    expect(page.locator("h1").locator("xpath=..").locator("[data-status]")).to_have_text("已签署")
    screenshot("kpi-3-assessment-signed")

    # The plan page shows the frozen actual and the signed score (10 × 31.5 ÷ 34 = 9.26).
    page.goto(f"/kpi/plans/{plan.pk}/")
    share = page.locator("tr[data-code=market_share]")
    expect(share.locator("[data-actual]")).to_contain_text("31.5")
    expect(share.locator("[data-actual]")).to_contain_text("已冻结")
    expect(share.locator("[data-points]")).to_contain_text("9.26")
    expect(page.locator("[data-line-total=government]")).to_contain_text("9.26")
    expect(share.get_by_role("link", name="填报", exact=True)).to_have_count(0)
    screenshot("kpi-4-plan-signed")
