"""The platform's modules as the portal presents them: the spine, the wings and the role panels.

A module is "built" as soon as the URL name in `url_name` resolves; until then the portal links
to its coming-soon page (`portal:soon`, by slug) and marks it 即将上线.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


def reverse_or_none(url_name: str) -> str | None:
    """The URL of `url_name`, or None while no installed URLconf defines it (module not built)."""
    if not url_name:
        return None
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class Module:
    slug: str
    title: Promise
    icon: str
    summary: Promise
    features: list[Promise] = field(default_factory=list)
    url_name: str = ""
    wing: bool = False

    @property
    def built_url(self) -> str | None:
        return reverse_or_none(self.url_name)

    @property
    def url(self) -> str:
        return self.built_url or reverse("portal:soon", args=[self.slug])

    @property
    def soon(self) -> bool:
        return self.built_url is None


SPINE = [
    Module(
        "resources",
        _("资源库"),
        "collection",
        _("服务产品、仪器设备、专家人才与科技成果，一处检索，按行业、区县和是否可用创新券筛选。"),
        [
            _("中文分词检索与同义词，鞋革、眼镜、服装行业词典"),
            _("服务机构在线发布服务产品、仪器设备、专家与成果，运营方审核上架"),
            _("支持 Excel/CSV 批量导入，错误逐行提示"),
        ],
        url_name="catalog:list",
    ),
    Module(
        "demands",
        _("需求与对接"),
        "megaphone",
        _("企业发布技术、设计、检测等需求，平台智能匹配服务资源，技术经纪人跟进对接。"),
        [
            _("需求大厅：公开或定向发布需求"),
            _("智能匹配：按需求描述推荐服务机构、专家与成果，并说明推荐理由"),
            _("对接记录：技术经纪人全程跟踪，直至签约"),
        ],
        url_name="demands:list",
    ),
    Module(
        "services",
        _("服务订单与仪器共享"),
        "calendar-check",
        _("在线下单服务、预约共享仪器，订单进度与检测报告线上流转。"),
        [
            _("服务订单：报价、确认、交付、验收全流程留痕"),
            _("仪器共享：按时段预约，系统保证同一仪器不重复预约"),
            _("检测报告在线交付与核验"),
        ],
        url_name="orders:list",
    ),
    Module(
        "vouchers",
        _("创新券"),
        "ticket-perforated",
        _("企业在线申领创新券，购买服务时直接抵扣；主管部门审核、财政拨付，全程可追溯。"),
        [
            _("申领、审核、兑付、拨付一网通办，“最多跑一次”"),
            _("额度按账本实时核算，杜绝超额与重复兑付"),
            _("按区县、行业、年度公开统计"),
        ],
        url_name="vouchers:list",
    ),
    Module(
        "cockpit",
        _("统计、指标与考核"),
        "bar-chart-line",
        _("综合体建设指标、服务成效与创新券使用情况一屏掌握，支撑年度考核。"),
        [
            _("数据驾驶舱：服务企业数、服务收入、创新券使用等实时指标"),
            _("建设指标与目标值对照，自动生成考核得分"),
            _("开放数据接口，供政府数据共享"),
        ],
        url_name="kpi:cockpit",
    ),
]

WINGS = [
    Module(
        "labs",
        _("检测分析"),
        "clipboard2-pulse",
        _("有害物质、穿着舒适性、足底压力等检测服务在线委托，报告数字化交付。"),
        [
            _("有害物质检测与合规判定"),
            _("舒适性与足底压力分析"),
            _("检测报告在线查询与真伪核验"),
        ],
        wing=True,
    ),
    Module(
        "chain",
        _("产业链图谱与招商"),
        "diagram-3",
        _("鞋革、眼镜、服装产业链上下游图谱，识别薄弱环节，精准招商。"),
        [
            _("产业链上下游企业分布图谱"),
            _("补链、强链、延链招商线索"),
            _("招商项目跟踪"),
        ],
        wing=True,
    ),
    Module(
        "ip",
        _("知识产权与维权"),
        "shield-check",
        _("外观设计快速预审、版权登记与侵权快速维权，保护原创设计。"),
        [
            _("外观设计专利快速预审通道"),
            _("设计版权登记与存证"),
            _("侵权线索受理与快速维权"),
        ],
        wing=True,
    ),
    Module(
        "talent",
        _("人才与招聘"),
        "people",
        _("设计师、工艺师与技能人才招聘，线上线下招聘会。"),
        [
            _("企业岗位发布与简历投递"),
            _("专场招聘会报名"),
            _("人才政策与培训信息"),
        ],
        wing=True,
    ),
    Module(
        "brain",
        _("产业大脑应用"),
        "cpu",
        _("集中采购、智能产线监测、智能质检等轻应用，助力企业数字化改造。"),
        [
            _("原辅料集中采购"),
            _("智能产线运行监测"),
            _("AI 视觉质检"),
        ],
        wing=True,
    ),
]

MODULES = {m.slug: m for m in SPINE + WINGS}


@dataclass(frozen=True)
class Upcoming:
    """A card on a role's workspace: a task of the role, in module `slug`. When `url_name`
    resolves the card links to that page; until then it is marked 即将上线 and links to the
    module (its coming-soon page while the module is not built either)."""

    title: Promise
    icon: str
    text: Promise
    slug: str
    url_name: str = ""

    @property
    def built_url(self) -> str | None:
        return reverse_or_none(self.url_name)

    @property
    def url(self) -> str:
        return self.built_url or MODULES[self.slug].url

    @property
    def soon(self) -> bool:
        return self.built_url is None


MEMBER_UPCOMING = [
    Upcoming(
        _("找资源"),
        "search",
        _("检索服务产品、仪器设备、专家与科技成果。"),
        "resources",
        url_name="catalog:list",
    ),
    Upcoming(
        _("发布需求"),
        "megaphone",
        _("描述您的技术或设计难题，平台为您匹配服务。"),
        "demands",
        url_name="demands:create",
    ),
    Upcoming(
        _("我的需求与对接"),
        "people",
        _("跟踪需求审核、匹配推荐和对接进度。"),
        "demands",
        url_name="demands:mine",
    ),
    Upcoming(
        _("申领创新券"),
        "ticket-perforated",
        _("在线申领创新券，购买服务时抵扣。"),
        "vouchers",
        url_name="vouchers:mine",
    ),
    Upcoming(
        _("我的服务订单"),
        "inboxes",
        _("报价、交付、确认与评价，可用创新券抵扣。"),
        "services",
        url_name="orders:orders",
    ),
    Upcoming(
        _("我的仪器预约"),
        "calendar-check",
        _("预约共享仪器，查看上机记录与费用。"),
        "services",
        url_name="orders:mine",
    ),
]
PROVIDER_UPCOMING = [
    Upcoming(
        _("发布服务与仪器"),
        "box-seam",
        _("上架服务产品、共享仪器、专家与成果。"),
        "resources",
        url_name="catalog:create",
    ),
    Upcoming(
        _("商机与对接"),
        "lightning-charge",
        _("与本机构资源匹配的企业需求，以及待响应的对接。"),
        "demands",
        url_name="demands:opportunities",
    ),
    Upcoming(
        _("订单处理"),
        "inboxes",
        _("报价、服务、交付与评价。"),
        "services",
        url_name="orders:orders",
    ),
    Upcoming(
        _("仪器预约管理"),
        "calendar-week",
        _("审批预约，记录上机与爽约，查看机时与共享率。"),
        "services",
        url_name="orders:queue",
    ),
    Upcoming(
        _("检测报告"),
        "file-earmark-check",
        _("出具带核验二维码的检测报告，任何人可在线核验真伪。"),
        "services",
        url_name="reports:list",
    ),
    Upcoming(
        _("创新券兑付"),
        "cash-coin",
        _("为使用创新券的订单申请兑付。"),
        "vouchers",
        url_name="vouchers:provider",
    ),
]
ROLE_UPCOMING = {
    "expert": [
        Upcoming(_("专家主页"), "person-badge", _("展示您的专长、案例与服务方式。"), "resources"),
        Upcoming(
            _("咨询与对接"),
            "chat-dots",
            _("接收企业咨询，参与需求对接。"),
            "demands",
            url_name="demands:dockings",
        ),
    ],
    "broker": [
        Upcoming(
            _("需求转化"),
            "arrow-left-right",
            _("把企业需求梳理为可对接的技术需求。"),
            "demands",
            url_name="demands:list",
        ),
        Upcoming(
            _("对接撮合"),
            "people",
            _("跟踪对接进展，促成签约。"),
            "demands",
            url_name="demands:dockings",
        ),
    ],
    "operator": [  # 资源审核 has its own panel on the workspace
        Upcoming(
            _("需求审核"),
            "clipboard-check",
            _("审核企业提交的需求，指派技术经纪人。"),
            "demands",
            url_name="demands:review",
        ),
        Upcoming(
            _("对接与统计"),
            "bar-chart-line",
            _("对接漏斗、响应时长与需求分布。"),
            "demands",
            url_name="demands:stats",
        ),
        Upcoming(
            _("匹配权重"),
            "sliders",
            _("调整匹配推荐中各项因素的权重。"),
            "demands",
            url_name="demands:weights",
        ),
        Upcoming(
            _("指标报送"),
            "graph-up-arrow",
            _("按考核要求报送建设指标。"),
            "cockpit",
            url_name="kpi:plans",
        ),
    ],
    "reviewer": [
        Upcoming(
            _("创新券申领审核"),
            "ticket-perforated",
            _("审核本区县企业的申领。"),
            "vouchers",
            url_name="vouchers:review",
        ),
        Upcoming(
            _("兑付审核"),
            "receipt",
            _("核验服务订单并审核兑付申请。"),
            "vouchers",
            url_name="vouchers:review_claims",
        ),
        Upcoming(
            _("指标审核与考核"),
            "clipboard-data",
            _("审核综合体指标填报，年终评分并签署考核。"),
            "cockpit",
            url_name="kpi:reports",
        ),
    ],
    "finance": [
        Upcoming(
            _("创新券拨付审批"),
            "bank",
            _("审批已核验的兑付，安排资金拨付。"),
            "vouchers",
            url_name="vouchers:finance",
        ),
        Upcoming(
            _("资金台账"),
            "journal-text",
            _("创新券资金拨付台账与对账。"),
            "vouchers",
            url_name="vouchers:ledger",
        ),
        Upcoming(
            _("使用统计"),
            "bar-chart-line",
            _("按区县、行业查看创新券使用情况。"),
            "cockpit",
            url_name="kpi:cockpit",
        ),
    ],
    "auditor": [
        Upcoming(
            _("抽查"),
            "search",
            _("随机抽取订单与兑付记录进行核查。"),
            "vouchers",
            url_name="vouchers:claims",
        ),
        Upcoming(
            _("数据驾驶舱"),
            "bar-chart-line",
            _("查看平台运行与考核指标。"),
            "cockpit",
            url_name="kpi:cockpit",
        ),
    ],
    "sysadmin": [
        Upcoming(
            _("数据驾驶舱"),
            "bar-chart-line",
            _("查看平台运行与考核指标。"),
            "cockpit",
            url_name="kpi:cockpit",
        ),
    ],
}
