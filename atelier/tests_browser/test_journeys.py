"""The main journeys, clicked through in a real browser (see conftest.py for the set-up).

Each journey ends with a full-page screenshot in test-results/; look at them after a change to
the templates or the CSS.
"""

import io
import re

import pytest
from playwright.sync_api import Page, expect

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.orgs.tests.factories import make_credit_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPERATOR_PASSWORD = "Op-journey-2026"


def tiny_pdf(title: str = "") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if title:  # distinct content, distinct hash
        writer.add_metadata({"/Title": title})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def main_nav(page: Page):
    return page.locator("header nav.navbar")


def log_in(page: Page, identifier: str, password: str) -> None:
    page.get_by_label("手机号 / 邮箱 / 用户名").fill(identifier)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录", exact=True).click()


def test_signup_register_org_and_operator_verifies(page: Page, screenshot):
    # A visitor opens the home page: Chinese renders, the platform navigation is there.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("main")).to_contain_text("创新")
    expect(main_nav(page).get_by_role("link", name="资源库")).to_be_visible()

    # 注册 -> sign-up form.
    main_nav(page).get_by_role("link", name="注册", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    page.get_by_label("姓名").fill("林晓鞋")
    page.get_by_label("手机号").fill("13805770123")
    page.locator("input[name=email]").fill("lin@wzshoes.example.cn")
    page.locator("input[name=password]").fill("Xie-Lucheng-2026")
    page.locator("input[name=password2]").fill("Xie-Lucheng-2026")
    page.get_by_role("button", name="注册并继续").click()

    # Signed up and logged in: straight on to registering the organisation.
    expect(page).to_have_url(re.compile(r"/orgs/register/$"))
    expect(page.get_by_role("alert").filter(has_text="注册成功")).to_be_visible()
    org_name = "温州鹿城晓鞋业有限公司"
    page.locator("select[name=kind]").select_option("enterprise")
    page.locator("input[name=name]").fill(org_name)
    page.locator("input[name=credit_code]").fill(make_credit_code("330302"))
    page.locator("select[name=district]").select_option("330302")
    page.locator("input[name=licence]").set_input_files(
        {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}
    )
    screenshot("journey-1a-organisation-form")
    page.get_by_role("button", name="提交认证申请").click()

    # The organisation page, waiting for verification.
    expect(page).to_have_url(re.compile(r"/orgs/\d+/$"))
    org_url = page.url
    org_pk = re.search(r"/orgs/(\d+)/$", org_url).group(1)
    badge = page.locator("h1 [data-status]")
    expect(page.locator("h1")).to_contain_text(org_name)
    expect(badge).to_have_text("待审核")

    # Log out through the user menu (a POST form inside the dropdown).
    page.get_by_role("banner").get_by_role("button", name="林晓鞋").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("alert").filter(has_text="您已安全退出")).to_be_visible()
    expect(main_nav(page).get_by_role("link", name="登录", exact=True)).to_be_visible()

    # An operator logs in and approves the organisation from the verification queue.
    operator = make_user(role=Role.OPERATOR, password=OPERATOR_PASSWORD)
    page.goto("/accounts/login/")
    log_in(page, operator.mobile, OPERATOR_PASSWORD)
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/orgs/review/")
    card = page.locator(f"#org-{org_pk}")
    expect(card).to_contain_text(org_name)
    screenshot("journey-1b-verification-queue")
    card.get_by_role("button", name="认证通过").click()
    expect(page.get_by_role("alert").filter(has_text=f"已认证：{org_name}")).to_be_visible()
    expect(page.locator(f"#org-{org_pk}")).to_have_count(0)

    page.goto(org_url)
    expect(badge).to_have_text("已认证")
    expect(badge).to_have_attribute("data-status", "verified")
    screenshot("journey-1c-organisation-verified")


def test_language_switch_to_english_and_back(page: Page, screenshot):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # The navbar's switch is an icon button whose label is translated: match either language.
    # (The footer has a second language form; the journey uses the navbar's.)
    nav = main_nav(page)
    switch = nav.get_by_role("button", name=re.compile(r"切换语言|language", re.IGNORECASE))
    switch.click()
    nav.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/$"))
    screenshot("journey-2-english")

    switch.click()
    nav.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(main_nav(page).get_by_role("link", name="资源库")).to_be_visible()
    screenshot("journey-2-back-to-chinese")


def test_login_is_throttled_after_repeated_failures(page: Page, screenshot):
    user = make_user(password="Right-password-2026")
    page.goto("/accounts/login/")
    for _ in range(5):
        log_in(page, user.mobile, "wrong-password")
        expect(page.get_by_role("alert")).to_contain_text("账号或密码不正确")
    log_in(page, user.mobile, "wrong-password")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("登录失败次数过多")
    expect(alert).not_to_contain_text("账号或密码不正确")
    screenshot("journey-3-login-throttled")


def test_provider_publishes_operator_approves_visitor_finds_it(page: Page, screenshot):
    from atelier.accounts.tests.factories import PASSWORD
    from atelier.catalog.models import ResourceKind
    from atelier.catalog.tests.factories import make_provider, make_resource

    provider = make_provider(name="温州鞋革检测中心")
    member = provider.memberships.get().user
    # Listings of other kinds that also mention 防水, so that the kind facet has a choice.
    make_resource(
        kind=ResourceKind.EXPERT,
        title="鞋类材料专家 陈工",
        description="长期从事鞋面革防水整理与透气性研究。",
    )
    make_resource(
        kind=ResourceKind.INSTRUMENT,
        title="鞋靴动态防水试验机",
        description="模拟行走弯折，测定整鞋防水时间。",
    )

    # The provider's member starts from the workspace: "my resources" -> publish -> a service.
    page.goto("/accounts/login/")
    log_in(page, member.mobile, PASSWORD)
    page.goto("/workspace/")
    panel = page.locator("#my-resources")
    expect(panel).to_contain_text("我的资源")
    panel.get_by_role("link", name="发布资源").click()
    expect(page).to_have_url(re.compile(r"/resources/new/$"))
    page.get_by_role("link", name=re.compile("服务产品")).click()
    expect(page.locator("h1")).to_have_text("发布服务产品")
    page.locator("input[name=title]").fill("鞋面材料透湿与防水性能测试")
    page.locator("input[name=category]").fill("检测认证")
    page.get_by_label("鞋业").check()
    page.locator("textarea[name=description]").fill(
        "依据QB/T 4813测定鞋面材料的透湿量，并进行静态与动态防水试验，适用于户外鞋与劳保鞋。"
    )
    page.locator("input[name=price]").fill("800")
    page.locator("input[name=price_unit]").fill("样")
    page.locator("input[name=detail-lead_time_days]").fill("5")
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top of the shot
    screenshot("journey-4a-listing-form")
    page.get_by_role("button", name="提交审核").click()

    expect(page).to_have_url(re.compile(r"/resources/\d+/$"))
    pk = re.search(r"/resources/(\d+)/$", page.url).group(1)
    expect(page.get_by_role("alert").filter(has_text="已提交审核")).to_be_visible()
    expect(page.locator("#status-badge [data-status]")).to_have_text("待审核")
    screenshot("journey-4b-listing-submitted")

    # An operator sees it waiting on the workspace and publishes it from the queue (htmx).
    page.context.clear_cookies()
    operator = make_user(role=Role.OPERATOR, password=OPERATOR_PASSWORD)
    page.goto("/accounts/login/")
    log_in(page, operator.mobile, OPERATOR_PASSWORD)
    page.goto("/workspace/")
    moderation = page.locator("#resource-moderation")
    expect(moderation.locator(".at-metric")).to_have_text("1")
    expect(moderation.get_by_role("link", name=re.compile("同义词"))).to_be_visible()
    moderation.get_by_role("link", name=re.compile("进入审核队列")).click()
    item = page.locator(f"#queue-item-{pk}")
    expect(item).to_contain_text("鞋面材料透湿与防水性能测试")
    expect(item).to_contain_text("温州鞋革检测中心")
    item.get_by_role("button", name="发布", exact=True).click()
    expect(item).to_contain_text("已发布，资源库中即可检索。")
    expect(page.locator("#queue-count")).to_contain_text("0 条资源等待审核")
    screenshot("journey-4c-moderation-published")

    # An anonymous visitor searches the library for a word of the description.
    page.context.clear_cookies()
    page.goto("/resources/")
    page.evaluate("window.__notReloaded = true")  # survives htmx swaps, not page loads
    page.get_by_role("searchbox", name="搜索资源").fill("防水")
    page.get_by_role("searchbox", name="搜索资源").press("Enter")
    expect(page).to_have_url(re.compile(r"/resources/\?q=%E9%98%B2%E6%B0%B4$"))
    results = page.locator("#search-results")
    hits = results.locator("article.at-hit")
    expect(hits).to_have_count(3)
    hit = hits.filter(has_text="鞋面材料透湿与防水性能测试")
    expect(hit.locator("h2 mark")).to_have_text("防水")
    expect(hit.locator(".at-hit-snippet mark").first).to_have_text("防水")
    expect(hit).to_contain_text("¥800")
    screenshot("journey-4d-search-highlight")

    # A click on the kind facet narrows the list in place (htmx) and keeps the URL shareable.
    facet = results.locator("#search-facets").get_by_role("link", name=re.compile("服务产品"))
    expect(facet).to_contain_text("1")
    facet.click()
    expect(page).to_have_url(re.compile(r"kind=service"))
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text("鞋面材料透湿与防水性能测试")
    expect(results.locator("a[aria-current=true]")).to_contain_text("服务产品")
    expect(results.get_by_role("link", name="导出 Excel")).to_have_attribute(
        "href", re.compile(r"/resources/export/\?q=.+&kind=service$")
    )
    assert page.evaluate("window.__notReloaded") is True
    screenshot("journey-4e-search-facet")

    # The result leads to the listing; its provider's page lists it too.
    hits.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/resources/{pk}/$"))
    expect(page.locator("h1")).to_have_text("鞋面材料透湿与防水性能测试")
    page.get_by_role("link", name=re.compile("该机构的全部资源")).click()
    expect(page.locator("main")).to_contain_text("鞋面材料透湿与防水性能测试")
    screenshot("journey-4f-provider-page")


def test_enterprise_posts_a_demand_sees_live_matches_and_docks(page: Page, screenshot):
    """An enterprise types its problem and sees matches appear (htmx) with their reasons; the
    operator publishes it; the enterprise proposes a docking; the provider accepts and signs."""
    from atelier.accounts.tests.factories import PASSWORD
    from atelier.catalog.models import ResourceKind
    from atelier.catalog.tests.factories import make_provider, make_resource
    from atelier.orgs.models import OrgKind
    from atelier.orgs.tests.factories import make_org

    lab = make_provider(name="温州鞋材检测中心")
    make_resource(
        provider=lab,
        title="鞋类邻苯二甲酸酯检测",
        description="依据 REACH 法规检测鞋材、童鞋中的邻苯二甲酸酯增塑剂，出具检测报告。",
        voucher_eligible=True,
    )
    make_resource(
        provider=lab,
        kind=ResourceKind.EXPERT,
        title="制鞋胶粘工艺专家",
        description="从事鞋底与帮面粘合工艺研究，解决开胶问题。",
        detail={"person_name": "陈工"},
    )
    enterprise = make_org(kind=OrgKind.ENTERPRISE, name="温州小童鞋业有限公司", verified=True)
    boss = enterprise.memberships.get().user

    page.goto("/accounts/login/")
    log_in(page, boss.mobile, PASSWORD)
    page.goto("/demands/new/")
    expect(page.locator("h1")).to_have_text("发布需求")
    page.locator("select[name=type]").select_option("testing")
    page.locator("input[name=title]").fill("出口童鞋要做邻苯检测")
    page.locator("textarea[name=description]").fill(
        "我们的童鞋要出口欧洲，客户要求提供邻苯二甲酸酯检测报告，想找本地能做的机构。"
    )
    live = page.locator("#live-matches")
    expect(live).to_contain_text("鞋类邻苯二甲酸酯检测")
    expect(live).to_contain_text("可用创新券")
    page.locator("input[name=deadline]").fill("2099-12-31")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("journey-5a-demand-live-matches")
    page.get_by_role("button", name="提交审核").click()
    expect(page).to_have_url(re.compile(r"/demands/\d+/$"))
    pk = re.search(r"/demands/(\d+)/$", page.url).group(1)
    expect(page.locator(".at-page-head [data-status]").first).to_have_text("待审核")

    # The operator publishes it from the review queue.
    page.context.clear_cookies()
    operator = make_user(role=Role.OPERATOR, password=OPERATOR_PASSWORD)
    page.goto("/accounts/login/")
    log_in(page, operator.mobile, OPERATOR_PASSWORD)
    page.goto("/demands/review/")
    expect(page.locator("body")).to_contain_text("出口童鞋要做邻苯检测")
    page.get_by_role("button", name="审核发布").click()
    expect(page.get_by_role("alert").filter(has_text="已审核发布")).to_be_visible()

    # The enterprise proposes a docking to the lab straight from the match list.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    log_in(page, boss.mobile, PASSWORD)
    page.goto(f"/demands/{pk}/")
    match = (
        page.locator("#match-title")
        .locator("xpath=ancestor::section")
        .locator("li")
        .filter(has_text="鞋类邻苯二甲酸酯检测")
    )
    match.get_by_role("button", name="发起对接").click()
    expect(page).to_have_url(re.compile(r"/demands/dockings/\d+/$"))
    expect(page.locator(".at-page-head [data-status]").first).to_have_text("待服务方响应")

    # The lab accepts, records a meeting and the signed contract.
    docking_url = page.url
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    log_in(page, lab.memberships.get().user.mobile, PASSWORD)
    page.goto(docking_url)
    page.get_by_role("button", name="接受对接").click()
    expect(page.locator(".at-page-head [data-status]").first).to_have_text("对接中")
    page.locator("select[name=kind]").select_option("meeting")
    page.locator("textarea[name=text]").fill("约定下周送样 3 双，检测 8 项邻苯。")
    page.locator("input[name=meeting_at]").fill("2026-11-20T10:00")
    page.locator("input[name=location]").fill("鹿城区检测中心")
    page.get_by_role("button", name="添加记录").click()
    expect(page.locator(".at-timeline")).to_contain_text("约定下周送样")
    page.locator("#sign-amount").fill("4800")
    page.get_by_role("button", name="登记签约").click()
    expect(page.locator(".at-page-head [data-status]").first).to_have_text("已签约")
    screenshot("journey-5b-docking-timeline")


def test_voucher_applied_approved_used_claimed_and_noticed(page: Page, screenshot):
    """An enterprise applies (the checks update as it types), the district reviewer approves, the
    enterprise spends the voucher on an enrolled lab's service, the lab claims with its four
    documents, the reviewer approves and the result appears on the public notice."""
    from atelier.accounts.tests.factories import PASSWORD
    from atelier.vouchers.models import Voucher, VoucherUse
    from atelier.vouchers.tests.factories import enrolled_provider, make_enterprise, make_programme

    programme = make_programme(budget="500000", name="鹿城区 2026 年第一批科技创新券")
    lab = enrolled_provider(programme, name="温州鞋材检测中心")
    enterprise = make_enterprise(name="温州小童鞋业有限公司")
    boss = enterprise.memberships.get().user
    reviewer_password = "Rv-journey-2026"
    reviewer = make_user(role=Role.REVIEWER, district="330302", password=reviewer_password)

    page.goto("/accounts/login/")
    log_in(page, boss.mobile, PASSWORD)
    page.goto(f"/vouchers/programmes/{programme.pk}/apply/")
    page.locator("#id_amount").fill("60000")
    checks = page.locator("#apply-checks")
    expect(checks).to_contain_text("不超过 50,000.00 元")  # above the holding cap: a ✗ with why
    page.locator("#id_amount").fill("20000")
    page.locator("textarea[name=purpose]").fill("童鞋邻苯检测与鞋底耐磨检测")
    expect(checks).not_to_contain_text("60000")
    screenshot("journey-6a-voucher-apply")
    page.get_by_role("button", name="提交申领").click()
    expect(page.get_by_role("alert").first).to_be_visible()

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    log_in(page, reviewer.mobile, reviewer_password)
    page.goto("/vouchers/review/")
    expect(page.locator("body")).to_contain_text("温州小童鞋业有限公司")
    page.get_by_role("button", name="批准发券").first.click()
    expect(page.get_by_role("alert").first).to_be_visible()
    voucher = Voucher.objects.get(enterprise=enterprise)

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    log_in(page, boss.mobile, PASSWORD)
    page.goto(f"/vouchers/v/{voucher.pk}/")
    page.locator("#id_provider").select_option(str(lab.pk))
    page.locator("#id_service").fill("童鞋邻苯二甲酸酯检测")
    page.locator("#id_price").fill("16000")
    expect(page.locator("#quote")).to_contain_text("13,000.00")
    page.get_by_role("button", name="预占额度").click()
    use = VoucherUse.objects.get(voucher=voucher)
    page.goto(f"/vouchers/v/{voucher.pk}/")
    page.locator(f"#use-{use.pk}").get_by_role("button", name="确认服务已完成").click()
    expect(page.locator(f"#use-{use.pk}")).to_contain_text("服务已确认")

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    log_in(page, lab.memberships.get().user.mobile, PASSWORD)
    page.goto(f"/vouchers/uses/{use.pk}/claim/")
    page.locator("#id_invoice_no").fill("33020011")
    for i, kind in enumerate(("contract", "invoice", "payment", "report")):
        page.locator(f"#id_{kind}").set_input_files(
            files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf",
                    "buffer": tiny_pdf(title=f"{kind}-{i}")}]
        )  # fmt: skip
    page.locator("#claim-submit").click()
    expect(page.locator("body")).to_contain_text("33020011")
    claim = VoucherUse.objects.get(pk=use.pk).claim

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    log_in(page, reviewer.mobile, reviewer_password)
    page.goto(f"/vouchers/claims/{claim.pk}/")
    page.get_by_role("button", name="提交审核结果").click()
    expect(page.locator("body")).to_contain_text("公示")

    page.context.clear_cookies()
    page.goto("/vouchers/notice/")
    expect(page.locator("table")).to_contain_text("温州小童鞋业有限公司")
    expect(page.locator("table")).to_contain_text("13,000.00")
    screenshot("journey-6b-voucher-notice")
