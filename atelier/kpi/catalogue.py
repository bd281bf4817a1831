"""The built-in indicator catalogue (seeded by migration 0002) and the plan templates.

Computed indicators name a function of computations.REGISTRY. The reported ones are the
construction targets of seed 004 (瓯海眼镜产业创新服务综合体建设实施方案, 温瓯政办发〔2019〕92号,
二、建设目标), which the platform cannot know from its own records: market share, growth, the
enterprises cultivated, technical-renovation investment.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_noop

from .models import Aggregation, Line, PlanTemplate, RuleKind, Source

C, R, F = Source.COMPUTED, Source.REPORTED, Source.FORMULA
FLOW, CUM, STOCK, RATE = (
    Aggregation.FLOW,
    Aggregation.CUMULATIVE,
    Aggregation.STOCK,
    Aggregation.RATE,
)

# code, name, unit, source, aggregation, direction, computation/formula, min, max, decimals
INDICATORS = [
    ("enterprises_served", gettext_noop("服务企业数"), "家", C, CUM, "higher",
     "enterprises_served", 0, None, 0),
    ("cluster_enterprises", gettext_noop("集群在册企业数"), "家", C, STOCK, "higher",
     "cluster_enterprises", 0, None, 0),
    ("coverage", gettext_noop("服务企业覆盖面"), "%", C, CUM, "higher", "coverage", 0, 100, 1),
    ("institutions", gettext_noop("入驻服务机构数"), "家", C, STOCK, "higher",
     "institutions", 0, None, 0),
    ("shared_instruments", gettext_noop("共享仪器设备数"), "台（套）", C, STOCK, "higher",
     "shared_instruments", 0, None, 0),
    ("machine_hours", gettext_noop("仪器有效机时"), "小时", C, FLOW, "higher",
     "machine_hours", 0, None, 1),
    ("voucher_granted", gettext_noop("创新券发放额"), "万元", C, FLOW, "higher",
     "voucher_granted", 0, None, 2),
    ("voucher_redeemed", gettext_noop("创新券兑付额"), "万元", C, FLOW, "higher",
     "voucher_redeemed", 0, None, 2),
    ("dockings_signed", gettext_noop("对接签约数"), "项", C, FLOW, "higher",
     "dockings_signed", 0, None, 0),
    ("contract_amount", gettext_noop("对接签约金额"), "万元", C, FLOW, "higher",
     "contract_amount", 0, None, 2),
    ("demands_published", gettext_noop("发布需求数"), "项", C, FLOW, "higher",
     "demands_published", 0, None, 0),
    ("demands_resolved", gettext_noop("解决需求数"), "项", C, FLOW, "higher",
     "demands_resolved", 0, None, 0),
    ("orders_completed", gettext_noop("完成服务订单数"), "单", C, FLOW, "higher",
     "orders_completed", 0, None, 0),
    ("service_revenue", gettext_noop("服务收入"), "万元", C, FLOW, "higher",
     "service_revenue", 0, None, 2),
    ("resources_published", gettext_noop("上架创新资源数"), "项", C, STOCK, "higher",
     "resources_published", 0, None, 0),
    ("test_reports", gettext_noop("出具检测报告数"), "份", C, FLOW, "higher",
     "test_reports", 0, None, 0),
    ("response_hours", gettext_noop("对接首次响应时长（中位数）"), "小时", C, FLOW, "lower",
     "response_hours", 0, None, 1),
    ("voucher_leverage", gettext_noop("创新券撬动比"), "倍", F, FLOW, "higher",
     "service_revenue / voucher_redeemed", 0, None, 2),
    # Seed 004 construction targets (reported with evidence).
    ("market_share", gettext_noop("国内市场占有率"), "%", R, STOCK, "higher", "", 0, 100, 1),
    ("output_growth", gettext_noop("产业年均增长率"), "%", R, RATE, "higher", "", -100, 1000, 1),
    ("enterprises_total", gettext_noop("累计培育产业相关企业"), "家", R, CUM, "higher",
     "", 0, None, 0),
    ("leading_enterprises", gettext_noop("累计培育行业龙头企业"), "家", R, CUM, "higher",
     "", 0, None, 0),
    ("hightech_enterprises", gettext_noop("累计培育高新技术企业"), "家", R, CUM, "higher",
     "", 0, None, 0),
    ("tech_smes", gettext_noop("累计培育科技型中小企业"), "家", R, CUM, "higher", "", 0, None, 0),
    ("billion_enterprises", gettext_noop("累计培育超亿元企业"), "家", R, CUM, "higher",
     "", 0, None, 0),
    ("incubated", gettext_noop("各类机构在孵企业数"), "家", R, STOCK, "higher", "", 0, None, 0),
    ("graduated", gettext_noop("培育毕业企业数"), "家", R, CUM, "higher", "", 0, None, 0),
    ("renovation_investment", gettext_noop("规上工业企业技改投资额"), "亿元", R, CUM, "higher",
     "", 0, None, 2),
]  # fmt: skip

DESCRIPTIONS = {
    "market_share": gettext_noop("眼镜产业国内市场占有率，按统计部门或行业协会口径填报。"),
    "output_growth": gettext_noop("产业产值年均增长率，按统计部门口径填报。"),
    "renovation_investment": gettext_noop(
        "眼镜产业规模以上工业企业技术改造投资额，自方案起始年度累计。"
    ),
}


def seed_indicators(Indicator) -> None:
    """Create the built-in indicators that do not exist yet (used by migration 0002)."""
    existing = set(Indicator.objects.values_list("code", flat=True))
    from . import computations

    for code, name, unit, source, agg, direction, how, low, high, decimals in INDICATORS:
        if code in existing:
            continue
        description = DESCRIPTIONS.get(code, "")
        if source == C:
            description = computations.REGISTRY[how].doc
        Indicator.objects.create(
            code=code,
            name=name,
            unit=unit,
            source=source,
            aggregation=agg,
            direction=direction,
            computation=how if source == C else "",
            formula=how if source == F else "",
            min_value=None if low is None else Decimal(low),
            max_value=None if high is None else Decimal(high),
            decimals=decimals,
            description=description,
        )


# --- Plan templates ---------------------------------------------------------------------------
# (code, line, section, responsible unit, weight, rule, bands, final-year target)

OUHAI_SOURCE = gettext_noop(
    "温瓯政办发〔2019〕92号《瓯海眼镜产业创新服务综合体建设实施方案（2019–2021年）》二、建设目标；"
    "2021 年目标出自方案原文。附件《2019–2021年阶段性指标分解表》未公开，2019、2020 年阶段目标由"
    "平台按规则分解：累计类指标按三年线性分解，比率与时点类指标各年度取期末目标；牵头单位为示例分配。"
)
GOV, OPS = Line.GOVERNMENT, Line.OPERATOR
BANDS_SHARE = [["1", "1"], ["0.95", "0.8"], ["0.9", "0.6"]]
OUHAI_ROWS = [
    ("market_share", GOV, gettext_noop("产业发展"), gettext_noop("区经信局"), 10,
     RuleKind.THRESHOLDS, BANDS_SHARE, "34"),
    ("output_growth", GOV, gettext_noop("产业发展"), gettext_noop("区统计局"), 10,
     RuleKind.THRESHOLDS, BANDS_SHARE, "21"),
    ("enterprises_total", GOV, gettext_noop("主体培育"), gettext_noop("区市场监管局"), 10,
     RuleKind.LINEAR, [], "780"),
    ("leading_enterprises", GOV, gettext_noop("主体培育"), gettext_noop("区经信局"), 10,
     RuleKind.LINEAR, [], "9"),
    ("hightech_enterprises", GOV, gettext_noop("主体培育"), gettext_noop("区科技局"), 10,
     RuleKind.LINEAR, [], "10"),
    ("tech_smes", GOV, gettext_noop("主体培育"), gettext_noop("区科技局"), 10,
     RuleKind.LINEAR, [], "90"),
    ("billion_enterprises", GOV, gettext_noop("主体培育"), gettext_noop("区经信局"), 10,
     RuleKind.LINEAR, [], "10"),
    ("incubated", GOV, gettext_noop("孵化体系"), gettext_noop("瓯海经济开发区管委会"), 10,
     RuleKind.LINEAR, [], "400"),
    ("graduated", GOV, gettext_noop("孵化体系"), gettext_noop("瓯海经济开发区管委会"), 10,
     RuleKind.LINEAR, [], "150"),
    ("renovation_investment", GOV, gettext_noop("技术改造"), gettext_noop("区经信局"), 10,
     RuleKind.LINEAR, [], "9.2"),
    ("enterprises_served", OPS, gettext_noop("服务成效"), gettext_noop("综合体运营单位"), 50,
     RuleKind.LINEAR, [], "600"),
    ("coverage", OPS, gettext_noop("服务成效"), gettext_noop("综合体运营单位"), 50,
     RuleKind.PASS_FAIL, [], "70"),
]  # fmt: skip

PROVINCIAL_NOTE = gettext_noop(
    "按省级产业创新服务综合体评价的常见表式组织（建设进度、创新能力、服务成效三类）；"
    "分值与指标为平台示例，不是官方评分表，可按当年评价通知调整。"
)
PROVINCIAL_ROWS = [
    ("resources_published", GOV, gettext_noop("建设进度"), gettext_noop("区科技局"), 10,
     RuleKind.LINEAR, [], None),
    ("institutions", GOV, gettext_noop("建设进度"), gettext_noop("区科技局"), 10,
     RuleKind.LINEAR, [], None),
    ("shared_instruments", GOV, gettext_noop("建设进度"), gettext_noop("综合体依托单位"), 10,
     RuleKind.LINEAR, [], None),
    ("dockings_signed", OPS, gettext_noop("创新能力"), gettext_noop("综合体运营单位"), 10,
     RuleKind.LINEAR, [], None),
    ("contract_amount", OPS, gettext_noop("创新能力"), gettext_noop("综合体运营单位"), 10,
     RuleKind.LINEAR, [], None),
    ("test_reports", OPS, gettext_noop("创新能力"), gettext_noop("综合体运营单位"), 10,
     RuleKind.LINEAR, [], None),
    ("enterprises_served", OPS, gettext_noop("服务成效"), gettext_noop("综合体运营单位"), 10,
     RuleKind.LINEAR, [], None),
    ("coverage", OPS, gettext_noop("服务成效"), gettext_noop("综合体运营单位"), 10,
     RuleKind.THRESHOLDS, [["1", "1"], ["0.8", "0.7"], ["0.6", "0.4"]], None),
    ("voucher_redeemed", OPS, gettext_noop("服务成效"), gettext_noop("综合体运营单位"), 10,
     RuleKind.LINEAR, [], None),
    ("machine_hours", OPS, gettext_noop("服务成效"), gettext_noop("综合体运营单位"), 5,
     RuleKind.LINEAR, [], None),
    ("response_hours", OPS, gettext_noop("服务成效"), gettext_noop("综合体运营单位"), 5,
     RuleKind.PASS_FAIL, [], None),
]  # fmt: skip


def phased_targets(indicator, years: list[int], final: Decimal) -> dict[int, Decimal]:
    """Yearly targets from the final one: cumulative amounts grow linearly over the years;
    rates, percentages (e.g. coverage) and stocks take the final target every year."""
    if indicator.aggregation != Aggregation.CUMULATIVE or indicator.unit == "%":
        return {y: final for y in years}
    n = len(years)
    places = Decimal(1).scaleb(-indicator.decimals)
    return {y: (final * (i + 1) / n).quantize(places) for i, y in enumerate(years)}


def instantiate(
    template: str,
    *,
    actor,
    name: str,
    complex_name: str,
    start_year: int,
    end_year: int,
    district=None,
    cluster=None,
    targets: dict[str, object] | None = None,
):
    """A draft plan built from `template`. `targets` maps indicator code → final-year target
    (overriding the template's); rows without any target stay for the operator to fill in."""
    from . import actions
    from .models import Indicator

    rows = {PlanTemplate.OUHAI_2019: OUHAI_ROWS, PlanTemplate.PROVINCIAL: PROVINCIAL_ROWS}[template]
    note = OUHAI_SOURCE if template == PlanTemplate.OUHAI_2019 else PROVINCIAL_NOTE
    targets = targets or {}
    with transaction.atomic():
        plan = actions.create_plan(
            actor=actor,
            name=name,
            complex_name=complex_name,
            start_year=start_year,
            end_year=end_year,
            district=district,
            cluster=cluster,
            template=template,
            source_note=note,
        )
        indicators = Indicator.objects.in_bulk([r[0] for r in rows], field_name="code")
        for position, (code, line, section, unit, weight, rule, bands, final) in enumerate(
            rows, start=1
        ):
            indicator = indicators[code]
            final = targets.get(code, final)
            yearly = (
                phased_targets(indicator, plan.years, actions.to_decimal(final, label=code))
                if final not in (None, "")
                else {}
            )
            actions.set_row(
                actor=actor,
                plan=plan,
                indicator=indicator,
                line=line,
                section=section,
                responsible_unit=unit,
                weight=Decimal(weight),
                rule=rule,
                bands=bands,
                targets=yearly,
                position=position,
            )
    return plan
