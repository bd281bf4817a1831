"""The demo's demand hall (需求大厅, issue 4 item 8): brokers, ≈ 40 demands per batch in every
state, their dockings with timelines, and a few broker rewards.

Two halves, like atelier.demo.data and atelier.demo.library:

* `generate(demo)` is pure: from one `random.Random(DEMANDS_SEED)` (its own stream) it expands the
  TEMPLATES below into DemandSpecs — which enterprise posts what, which provider and published
  listing is proposed, and a story of dated steps (submit, publish, translate, dock, accept,
  notes and meetings, sign, lose, decline, cancel, close, expire, renew). The base batch is drawn
  first; `--scale N` appends N - 1 batches posted by that batch's enterprises. Dates are offsets
  in days before the day of loading: open demands need deadlines in the future and overdue
  dockings need response deadlines in the past, whenever the demo is loaded.
* `DemandLoader` plays every story through the real actions of atelier.demands.actions, so every
  state has its StatusChange chain, audit rows and notifications. Demands are matched by
  enterprise and title: a second run creates nothing and writes no audit row.

Back-dated timelines. The actions stamp "now", and StatusChange and AuditEntry are append-only
(their querysets refuse `update()`), so their times cannot be fixed afterwards. Instead the loader
runs each step with `django.utils.timezone.now` pointing at the step's moment (`_simulated_time`):
created/published/closed times, response deadlines, StatusChange, audit rows and notifications all
read the same clock, and the actions' own checks ("deadline not before today", "signed on not after
today") hold at that moment. Three fields default to the real `timezone.now` function captured
at import (Docking.started_at, DockingNote.at, BrokerReward.recorded_at) and
BrokerProfile.registered_on defaults to `date.today`; those are set with a queryset update right
after the action. The loader runs outside any transaction of its own, so each action commits at
its moment and its notifications are stamped with it; notifications older than two weeks are then
marked read.

Standards named in demands and broker translations come from ../shared/reference/domain.md.
Broker certificate numbers are synthetic (district code + year + serial); no official numbering
scheme was verified.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone

from atelier.accounts.models import Role, User
from atelier.catalog.models import Resource
from atelier.core.models import Cluster, Notification
from atelier.demands import actions
from atelier.demands.models import (
    TYPE_KINDS,
    BrokerProfile,
    BrokerReward,
    Demand,
    DemandStatus,
    DemandType,
    Docking,
    DockingNote,
    DockingStatus,
    NoteKind,
    Visibility,
)
from atelier.orgs.models import Organization, OrgKind, OrgStatus

if TYPE_CHECKING:
    from atelier.demo.data import AccountSpec, DemoData

DEMANDS_SEED = 20223
SHOE_COMPANY = "温州骏履鞋业有限公司"  # = data.SHOE_COMPANY (shoe_boss, shoe_staff)
TEST_LAB = "中国鞋都鞋业检验检测服务中心"  # = data.TEST_LAB (lab_admin)
READ_AFTER = timedelta(days=14)  # older notifications of the story count as read
QUIET_MAIL = "django.core.mail.backends.dummy.EmailBackend"

T = DemandType
# Words that say a listing does what a demand type asks for (a tie-breaker after `match`).
TYPE_WORDS = {
    T.PROBLEM: ("分析", "诊断", "专家", "改进"),
    T.RND: ("开发", "研发", "工艺"),
    T.TESTING: ("检测", "测试", "检验"),
    T.DESIGN: ("设计",),
    T.TALENT: ("专家", "人才", "招聘"),
    T.ACHIEVEMENT: ("技术", "工艺", "系统"),
}
PROVIDER_KINDS = (OrgKind.PROVIDER, OrgKind.UNIVERSITY, OrgKind.ASSOCIATION, OrgKind.INVESTOR)

# ---------------------------------------------------------------------------------------------
# Brokers (技术经纪人): the demo's `broker` account and four more.


@dataclass(frozen=True)
class BrokerSpec:
    username: str
    name: str
    mobile: str
    certificate_no: str
    employer: str
    specialties: str
    clusters: tuple[str, ...]
    bio: str
    registered_on: date


BROKERS = [
    BrokerSpec("broker", "金思远", "13957701011", "3303022020000137",
               "中国鞋都科技成果转化服务中心",
               "鞋材与胶粘工艺；皮革有害物质检测；科技成果评价", ("shoes", "leather"),
               "从事鞋革行业技术转移 9 年，熟悉鞋都企业的工艺痛点，促成技术合同 40 余项。",
               date(2020, 11, 16)),
    BrokerSpec("broker2", "陈雅琴", "13957701012", "3303002021000058", "温州市科技成果转化服务中心",
               "技术合同登记；知识产权运营；高校成果对接", ("shoes", "apparel", "design"),
               "长期对接浙江高校与温州企业，擅长把企业问题拆解为可委托的研发任务。",
               date(2021, 6, 8)),
    BrokerSpec("broker3", "徐海峰", "13957701013", "3303042021000214", "瓯海科技大市场",
               "眼镜材料与表面处理；检测认证；技术难题揭榜", ("eyewear", "accessories"),
               "原眼镜企业工艺工程师，熟悉钛架焊接、电镀和镍释放检测，服务娄桥眼镜小镇企业。",
               date(2021, 9, 23)),
    BrokerSpec("broker4", "林若曦", "13957701014", "3303022022000091", "温州鞋革产业研究院",
               "合成革清洁生产；无铬鞣；绿色制造", ("leather", "shoes"),
               "化学工程硕士，参与合成革 DMF 减量和水性化改造项目，熟悉 REACH 合规要求。",
               date(2022, 3, 2)),
    BrokerSpec("broker5", "叶振华", "13957701015", "3303022022000176",
               "中国皮革和制鞋工业研究院温州研究所",
               "鞋类设计；智能制造与数字化改造；人才引进", ("shoes", "design", "apparel"),
               "做过十年鞋企技术副总，熟悉成型线自动化、MES 实施和设计人才市场。",
               date(2022, 5, 19)),
]  # fmt: skip
BROKER_BY_CLUSTER = {
    "shoes": ("broker", "broker5", "broker2"),
    "leather": ("broker4", "broker"),
    "eyewear": ("broker3",),
    "accessories": ("broker3", "broker2"),
    "apparel": ("broker2", "broker5"),
    "design": ("broker5", "broker2"),
}

# ---------------------------------------------------------------------------------------------
# Demand templates. `match` are words looked for in published listings to pick the providers;
# `tech` is a broker's translation (keywords, standards, methods, summary); `pin` fixes the
# enterprise (the demo company) and `provider` the first provider, for the base batch only.


@dataclass(frozen=True)
class Template:
    type: str
    cluster: str
    segments: tuple[str, ...]
    title: str
    description: str
    budget: tuple[int | None, int | None] | None
    story: str
    match: tuple[str, ...]
    tech: tuple[str, str, str, str] | None = None
    anonymous: bool = False
    pin: str = ""
    provider: str = ""


SHOES = ("shoe_lucheng", "shoe_yongjia", "shoe_longwan")
TEMPLATES = [
    # ---- the demo company (shoe_boss): several states, one proposal waiting on the test lab
    Template(T.PROBLEM, "shoes", SHOES, "PU 双密度鞋底发泡气泡与缩孔问题",
             "我司时装女靴采用 PU 双密度鞋底，近两批次大底表面出现针孔状气泡和缩孔，不良率约 6%，"
             "入冬后更明显。怀疑与原料含水、模温和混合比有关，希望有经验的专家或研发机构上门诊断，"
             "给出可落地的工艺改进方案并跟踪两个批次。",
             (20000, 50000), "docking_active", ("PU", "发泡", "失效分析"),
             ("PU 微孔鞋底；发泡气泡；缩孔；模温控制；异氰酸酯指数",
              "HG/T 2872（视密度）；HG/T 2489（微孔材料硬度）",
              "原料含水率检测、浇注机混合比与模温记录、断面显微观察、正交试验确定工艺窗口",
              "PU 浇注发泡缺陷诊断：查明针孔与缩孔来自水分、模温还是混合比，优化工艺窗口，"
              "使表面缺陷率降到 1% 以下，视密度和硬度保持在原设计范围内。"),
             pin=SHOE_COMPANY),
    Template(T.TESTING, "shoes", SHOES, "出口欧盟女靴 REACH 附录 XVII 限制物质检测",
             "一批出口波兰的真皮女靴（约 8000 双）需在发货前完成欧盟 REACH 检测，客户要求"
             "覆盖六价铬、偶氮染料、多环芳烃和邻苯二甲酸酯，希望 7 个工作日内出报告，"
             "可寄样或上门取样。",
             (6000, 12000), "docking_proposed_lab", ("REACH", "SVHC"),
             ("REACH 附录 XVII；六价铬；偶氮染料；多环芳烃；邻苯二甲酸酯",
              "REACH 附录 XVII 第 43、47、50、51 条；EN ISO 17075",
              "按部件拆分送样：皮革测六价铬和偶氮，橡胶大底测 8 种 PAHs，PU 与胶粘剂测邻苯",
              "出口欧盟女靴的 REACH 限制物质检测，按材料拆分检测项目，7 个工作日出具报告。"),
             pin=SHOE_COMPANY, provider=TEST_LAB),
    Template(T.DESIGN, "shoes", SHOES, "2026 秋冬时装女靴系列设计",
             "计划开发 2026 秋冬时装女靴 12 个款式（短靴、烟筒靴、切尔西靴），需要设计团队提供"
             "趋势提案、效果图、结构图，并配合打样两轮。希望熟悉东欧和中东市场审美。",
             (60000, 120000), "resolved_won", ("女靴", "女鞋", "新品开发"), pin=SHOE_COMPANY),
    Template(T.TALENT, "shoes", SHOES, "招聘资深鞋类结构设计师",
             "设计中心扩编，招聘 1 名资深鞋类结构设计师：8 年以上女鞋结构经验，熟悉楦型与帮样"
             "设计，能带 3–5 人团队。可长期驻厂，也欢迎以项目顾问方式合作。",
             (150000, 250000), "draft", ("结构设计", "女鞋", "人才"), pin=SHOE_COMPANY),
    Template(T.RND, "shoes", SHOES, "老人健步鞋防滑防跌倒鞋底开发",
             "面向银发市场开发健步鞋，希望鞋底在湿滑地面上有更好的防滑表现，并兼顾轻量和缓冲，"
             "需要合作方完成大底纹路和配方设计、开模前评审以及防滑测试。",
             (80000, 150000), "submitted", ("健步鞋", "防跌倒", "防滑"), pin=SHOE_COMPANY),
    Template(T.TESTING, "shoes", SHOES, "冬季女靴内里抗菌性能检测",
             "新款女靴使用抗菌内里，电商平台要求提供抗菌性能检测报告，样品已备好。",
             (2000, 5000), "expired", ("抗菌",), pin=SHOE_COMPANY),
    # ---- shoes
    Template(T.PROBLEM, "shoes", SHOES, "女鞋帮底开胶问题诊断",
             "部分退货女鞋出现前掌帮底开胶，集中在 PU 合成革帮面配 TPR 大底的款式。已更换过两次"
             "胶水批次，问题仍未根除，希望找到原因并给出处理剂和工艺参数建议。",
             (10000, 30000), "resolved_won", ("开胶", "胶粘剂", "剥离", "失效"),
             ("帮底开胶；剥离强度；处理剂；胶粘剂活化温度",
              "GB/T 3903.3-2011（帮底剥离强度）",
              "剥离强度对比测试、胶膜断面观察、处理剂与活化温度正交试验",
              "查明 PU 帮面与 TPR 大底粘合失效原因，确定处理剂与活化工艺，剥离强度稳定达标。")),
    Template(T.TESTING, "shoes", SHOES, "女鞋舒适性评价与足底压力测试",
             "新开发的软底通勤女鞋希望用数据说明舒适性，需要足底压力分布测试、试穿评价和鞋底"
             "缓冲性能测试，形成可用于电商详情页的测试报告。",
             (15000, 30000), "docking_active", ("足底压力", "试穿", "冲击"),
             ("足底压力；峰值压强；压力–时间积分；主观舒适度",
              "QB/T 2674（皮鞋试穿检验规则）",
              "鞋垫式足底压力测量（8 区划分）、VAS 主观评分、落锤式鞋跟冲击吸收测试",
              "用足底压力、冲击吸收和试穿评分三组数据评价新款软底女鞋的舒适性。")),
    Template(T.RND, "shoes", SHOES, "鞋用水性胶粘剂替代溶剂型胶",
             "为降低车间 VOC 排放，计划把针车和成型工段的溶剂型胶换成水性胶，需要合作方做"
             "工艺切换方案、小批量验证和员工培训，保证剥离强度不下降。",
             (50000, 100000), "docking_interested", ("水性", "胶"),
             anonymous=True),
    Template(T.RND, "shoes", SHOES, "鞋面自动喷胶视觉定位改造",
             "成型线喷胶靠人工，胶线不齐、用胶量大。希望对现有 2 条成型线加装视觉定位自动"
             "喷胶，兼容 35–41 码女鞋，节拍不低于每小时 300 双。",
             (200000, 400000), "lost_reopened", ("喷胶", "自动化", "智能制造")),
    Template(T.RND, "shoes", SHOES, "数字化车间 MES 生产管理系统实施",
             "企业有 4 条针车线和 2 条成型线，需要实施 MES：工票扫码报工、在制品追踪、"
             "计件工资核算，并与现有 ERP 对接。",
             (150000, 300000), "published_after_decline", ("MES", "数字化", "智能制造")),
    Template(T.PROBLEM, "shoes", SHOES, "商务男鞋鞋头起皱与裂面",
             "头层牛皮商务男鞋穿着一段时间后鞋头起皱、局部裂面，客户投诉较多，需要分析是皮料、"
             "楦型还是定型工艺的问题。",
             (8000, 20000), "closed", ("裂面", "失效", "皮鞋")),
    Template(T.TESTING, "shoes", SHOES, "成鞋耐折与耐磨性能测试",
             "为新开发的休闲板鞋做成鞋耐折和耐磨性能测试，用于订货会前的质量确认。",
             (3000, 6000), "resolved_won", ("耐折", "耐磨"),
             ("整鞋耐折；耐磨；鞋底材料",
              "GB/T 3903.1-2008（耐折）；GB/T 3903.2-2008（耐磨）",
              "整鞋耐折 4 万次后测裂纹长度，整鞋耐磨测磨痕长度",
              "休闲板鞋成鞋耐折与耐磨测试，出具 CMA 报告。")),
    Template(T.TESTING, "shoes", SHOES, "鞋类产品标识合规审核",
             "电商店铺近期被平台提示鞋标信息不全，希望按新版行业标准审核全部在售款式的鞋标"
             "和吊牌，并给出整改清单。",
             (2000, 5000), "resolved_manual", ("标识",),
             ("鞋类产品标识；鞋号；帮面材质标注",
              "QB/T 2673-2023（鞋类产品标识）；GB/T 43293-2022（鞋号）",
              "逐款核对鞋号、材质、货号标注，给出整改清单",
              "按 QB/T 2673-2023 审核在售款式的鞋标和吊牌。")),
    Template(T.PROBLEM, "shoes", ("shoe_longwan", "shoe_lucheng"), "EVA 拖鞋异味投诉整改",
             "夏季 EVA 拖鞋收到多起“刺鼻气味”投诉，想弄清异味来源（发泡剂、交联剂还是色母），"
             "并调整配方降低气味，同时不影响回弹和硬度。",
             (20000, 50000), "docking_overdue", ("异味", "EVA"),
             ("EVA 发泡；异味；苯乙酮；2-苯基-2-丙醇；甲酰胺",
              "",
              "热脱附-气相色谱质谱筛查挥发物，调整交联剂和发泡剂用量，异味分级对比",
              "查明 EVA 拖鞋异味的主要挥发物（DCP 分解产物或 AC 发泡剂残留），给出低气味配方。")),
    Template(T.ACHIEVEMENT, "shoes", SHOES, "引进超临界发泡轻量鞋底技术",
             "希望引进超临界氮气发泡鞋底材料技术，用于运动休闲鞋中底，可接受技术许可或"
             "合作开发，要求提供中试数据。",
             None, "docking_active", ("超临界",)),
    Template(T.DESIGN, "shoes", SHOES, "鞋底造型设计与开模评审",
             "新系列休闲鞋需要 3 款大底造型设计，包括 3D 数据和开模前评审。",
             (30000, 60000), "rejected", ("鞋底造型", "大底", "开模")),
    Template(T.TALENT, "shoes", SHOES, "引进鞋类智能制造工程师",
             "数字化车间改造需要 1 名智能制造工程师，负责自动化设备选型和产线调试，"
             "有鞋企经验优先。",
             (200000, 300000), "published", ("智能制造", "人才", "数字化")),
    # ---- shoe materials, kids, Rui'an
    Template(T.RND, "shoes", ("shoe_materials",), "轻量化高回弹 EVA 中底配方开发",
             "现有 EVA 中底密度 0.22，客户要求降到 0.17 以下且回弹不低于 50%，希望与研发机构"
             "合作开发配方并完成试产。",
             (100000, 200000), "resolved_won", ("EVA", "中底", "发泡"),
             ("EVA 发泡；密度；回弹；压缩永久变形",
              "HG/T 2872（视密度）；HG/T 2489（硬度，阿斯卡 C）",
              "发泡剂与交联剂配比试验，射出发泡工艺窗口，压缩永久变形对比",
              "开发密度 ≤ 0.17 g/cm³ 的轻量高回弹 EVA 中底配方并完成试产。")),
    Template(T.ACHIEVEMENT, "shoes", ("shoe_materials",), "引进三维足型数据与数字鞋楦系统",
             "鞋楦厂计划从传统样楦转向数字鞋楦，希望引进三维足型数据与数字鞋楦生成系统。",
             (100000, 300000), "renewed", ("足型", "鞋楦")),
    Template(T.PROBLEM, "shoes", ("shoe_materials", "shoe_ruian"), "橡胶大底冰面打滑",
             "北方客户反馈冬季橡胶大底在冰面上打滑，希望调整配方和纹路，提高冰面防滑性能。",
             (30000, 80000), "docking_cancelled", ("防滑", "冰面"),
             ("冰面防滑；摩擦系数；橡胶配方；大底纹路",
              "GB/T 3903.6-2024（防滑性能，含冰面）",
              "对比不同配方与纹路在干、湿、冰面的摩擦系数",
              "提高橡胶大底的冰面防滑性能，按 GB/T 3903.6-2024 冰面条件验证。")),
    Template(T.TESTING, "shoes", ("shoe_ouhai_kids",), "童鞋新国标全项检测",
             "GB 30585-2024 自 2025 年 6 月 1 日起实施，我司 20 个在售童鞋款式需要全项检测，"
             "并希望检测机构帮助解读不合格项。",
             (20000, 40000), "resolved_won", ("童鞋", "GB 30585", "全项"),
             ("童鞋安全；有害物质；小零件；邻苯二甲酸酯；六价铬",
              "GB 30585-2024（童鞋安全技术规范）",
              "按婴幼儿鞋、儿童鞋分类送检，逐项对照新版限量",
              "20 个童鞋款式按 GB 30585-2024 全项检测并解读不合格项。")),
    Template(T.DESIGN, "shoes", ("shoe_ouhai_kids",), "学步鞋结构设计",
             "计划开发 6–36 个月学步鞋系列，需要按团体标准 T/CLIAS 016-2024 做结构与功能设计。",
             (40000, 80000), "docking_proposed", ("学步鞋", "童鞋")),
    Template(T.TESTING, "shoes", ("shoe_ouhai_kids",), "儿童运动鞋抗菌性能检测",
             "儿童运动鞋鞋垫采用抗菌材料，需要出具抗菌性能检测报告。",
             (1500, 4000), "expired_with_active", ("抗菌",)),
    Template(T.TESTING, "shoes", ("shoe_ruian",), "安全鞋防滑性能检测（含冰面）",
             "出口安全鞋需要防滑性能检测，客户额外要求冰面条件数据。",
             (5000, 10000), "docking_interested", ("防滑",)),
    Template(T.PROBLEM, "shoes", ("shoe_ruian",), "硫化胶鞋外底多环芳烃超标",
             "出口欧盟的硫化胶鞋外底被客户检出多环芳烃超标，需要排查原料（填充油、炭黑）并"
             "调整配方。",
             (30000, 60000), "docking_overdue", ("多环芳烃", "PAHs"),
             ("多环芳烃；填充油；炭黑；橡胶外底",
              "REACH 附录 XVII 第 50 条；GB/T 33427-2016",
              "原料逐项筛查 8 种 PAHs，替换环保填充油后复测",
              "找出硫化胶鞋外底 PAHs 来源并调整配方，8 种 PAHs 各低于 1 mg/kg。"),
             anonymous=True),
    # ---- leather
    Template(T.PROBLEM, "leather", ("leather_pingyang",), "头层牛皮甲醛含量超标整改",
             "一批鞋面用头层牛皮被检出甲醛超标（B 类），需要查明是复鞣剂还是涂饰剂带入，"
             "并给出工艺调整方案。",
             (20000, 50000), "resolved_won", ("甲醛", "皮革"),
             ("游离甲醛；复鞣剂；涂饰剂；B 类产品",
              "GB 20400-2006；GB/T 19941.1",
              "分工序取样测甲醛，替换含醛复鞣剂后复测",
              "头层牛皮甲醛降到 GB 20400-2006 B 类限量（75 mg/kg）以下。"),
             anonymous=True),
    Template(T.ACHIEVEMENT, "leather", ("leather_pingyang",), "引进无铬鞣制技术",
             "计划建设无铬鞣试验线，希望引进成熟的无铬鞣剂和工艺，并获得技术指导。",
             None, "docking_active", ("无铬",)),
    Template(T.TESTING, "leather", ("leather_longwan",), "PU 合成革 DMF 残留检测",
             "鞋材客户要求提供 PU 合成革 DMF 残留检测报告，每月约 10 个批次。",
             (3000, 8000), "published", ("DMF", "二甲基甲酰胺"),
             ("DMF 残留；PU 合成革",
              "GB/T 33390-2016",
              "按批次抽样，定量测定 DMF",
              "PU 合成革 DMF 残留的月度批次检测。")),
    Template(T.RND, "leather", ("leather_longwan",), "水性 PU 合成革涂层工艺开发",
             "响应 REACH 对 DMF 的限制，计划开发水性 PU 涂层工艺，需要合作开发并完成中试。",
             (200000, 500000), "docking_active", ("水性", "合成革")),
    # ---- eyewear
    Template(T.TESTING, "eyewear", ("eyewear_ouhai",), "金属镜架镍释放检测",
             "出口欧洲的金属镜架需要镍释放检测，客户要求按 EN 1811 出具报告。",
             (3000, 8000), "resolved_won", ("镍",),
             ("镍释放；金属镜架；模拟磨损与腐蚀",
              "EN 1811；GB/T 38009-2019；REACH 附录 XVII 第 27 条",
              "镜圈背面、鼻托、镜腿分别取样，镀层样品先做模拟磨损和腐蚀",
              "金属镜架镍释放检测，限量 0.5 µg/cm²/week。")),
    Template(T.PROBLEM, "eyewear", ("eyewear_ouhai",), "钛架激光焊点断裂问题",
             "β钛镜架在客户处出现焊点断裂，需要分析焊接工艺并给出改进方案。",
             (30000, 60000), "docking_active", ("焊接", "断裂", "钛"), anonymous=True),
    Template(T.PROBLEM, "eyewear", ("eyewear_ruian", "eyewear_ouhai"), "镜架电镀层起泡脱落",
             "太阳镜金属镜架电镀后一个月内出现起泡和脱落，需要找出原因。",
             (20000, 40000), "lost_reopened", ("电镀", "镀层")),
    Template(T.TESTING, "eyewear", ("eyewear_lucheng", "eyewear_ouhai"),
             "眼视光产品元件安全新国标符合性检测",
             "GB 45184-2024 自 2026 年 1 月 1 日起实施，需要对 15 款在售镜架做符合性检测。",
             (15000, 30000), "docking_proposed", ("GB 45184",)),
    Template(T.ACHIEVEMENT, "eyewear", ("eyewear_ouhai",), "引进镜架无镍电镀工艺",
             "希望引进眼镜架无镍电镀工艺，满足欧盟市场要求。",
             (100000, 200000), "expired", ("无镍",)),
    Template(T.DESIGN, "eyewear", ("eyewear_ouhai",), "板材光学镜架系列款式设计",
             "开发 2026 年板材光学镜架 10 款，需要设计提案、3D 数据和手板。",
             (50000, 100000), "renewed_docking", ("眼镜款式", "眼镜")),
    Template(T.TALENT, "eyewear", ("eyewear_ouhai",), "引进眼镜表面处理工艺工程师",
             "招聘 1 名眼镜表面处理工程师，熟悉 IP 真空镀膜和电镀。",
             (180000, 260000), "closed_withdrawn", ("表面处理", "人才", "眼镜")),
    # ---- apparel and accessories
    Template(T.TESTING, "apparel", ("apparel_ouhai",), "针织 T 恤纺织品安全检测",
             "夏季针织 T 恤上市前需要按 GB 18401-2010 做安全检测，共 8 个款式。",
             (3000, 6000), "resolved_won", ("GB 18401", "纺织品")),
    Template(T.DESIGN, "apparel", ("apparel_ouhai", "apparel_lucheng"), "职业装系列设计与打版",
             "为银行客户开发一套职业装（男女西服、衬衫、马甲），需要设计和打版。",
             (40000, 80000), "submitted", ("职业装", "服装")),
    Template(T.ACHIEVEMENT, "apparel", ("apparel_ouhai",), "引进服装三维量体与智能推版系统",
             "定制西服业务扩大，希望引进三维量体和智能推版系统。",
             (100000, 250000), "rejected", ("量体", "推版")),
    Template(T.TALENT, "apparel", ("apparel_lucheng", "apparel_ouhai"), "招聘服装制版师",
             "招聘 2 名服装制版师，熟悉女装和 CAD 制版。",
             (100000, 160000), "draft", ("制版", "服装")),
    Template(T.DESIGN, "accessories", ("accessories",), "真皮女包品牌视觉与包装设计",
             "自有品牌真皮女包升级，需要品牌视觉识别和礼盒包装设计。",
             (30000, 60000), "closed", ("品牌", "包装")),
    Template(T.PROBLEM, "apparel", ("apparel_ouhai",), "羽绒服面料钻绒问题",
             "冬季羽绒服退货中钻绒问题突出，需要从面料、缝制和充绒工艺排查原因。",
             (10000, 30000), "draft", ("服装", "工艺")),
]  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Texts for the stories.

REJECT_REASONS = [
    "需求描述过于笼统，请补充现有工艺参数、不良率和期望达到的指标后重新提交。",
    "预算区间与需求范围明显不符，请核实预算或拆分需求后重新提交。",
]
DECLINE_REASONS = [
    "本机构近两个月排期已满，无法按期承接，建议联系其他服务方。",
    "该需求超出本机构现有技术能力范围，抱歉无法承接。",
]
LOSE_REASONS = [
    "报价高于企业预算，双方多次沟通未能达成一致。",
    "企业内部调整项目计划，暂缓实施。",
]
CANCEL_REASONS = [
    "经纪人核实后发现该服务方不提供此类服务，撤销本次对接。",
    "企业已选定其他服务方，撤销本次对接。",
]
CLOSE_REASONS = [
    "企业已通过内部技术团队解决，需求关闭。",
    "产品线调整，该需求不再需要。",
]
WITHDRAW_REASON = "岗位需求调整，暂不招聘，撤回需求。"
RESOLVE_NOTE = "企业按经纪人提供的整改清单自行完成整改，需求已解决。"
DOCK_MESSAGES = {
    "broker": "经纪人推荐：该服务方在同类问题上有成功案例，请查看需求并在期限内响应。",
    "enterprise": "我们在资源库看到贵机构的服务，希望进一步沟通合作。",
    "operator": "运营方根据匹配结果推荐，请服务方评估是否承接。",
}
INTEREST_MESSAGE = "我们有类似项目经验和现成的测试/研发条件，希望参与对接。"
NOTES = [
    (NoteKind.MESSAGE, "provider", "已收到需求，请提供样品、图纸或现有资料，便于评估方案和周期。"),
    (NoteKind.MESSAGE, "enterprise", "资料和样品已寄出，快递单号已在微信群里发送，请查收。"),
    (
        NoteKind.MEETING,
        "broker",
        "双方就技术方案、周期和报价进行了面谈，服务方一周内提交书面方案。",
    ),
    (NoteKind.NOTE, "provider", "已提交书面方案和报价单，等待企业确认。"),
    (NoteKind.MEETING, "broker", "方案评审会：确认验收指标和付款节点，准备签订技术服务合同。"),
]
MEETING_PLACES = [
    "企业会议室",
    "中国鞋都科技成果转化服务中心洽谈室",
    "线上视频会议",
    "服务方实验室",
]

# ---------------------------------------------------------------------------------------------
# The generator (pure: no database, no clock).


@dataclass
class Step:
    day: int  # days before the day of loading (≥ 1)
    minute: int  # minute of the day, Asia/Shanghai
    action: str
    args: dict = field(default_factory=dict)


@dataclass
class DockingPlan:
    provider: str  # organisation name
    resource: str  # external_id of a published listing of the provider
    admin: str  # username of the provider's admin


@dataclass
class DemandSpec:
    enterprise: str  # organisation name
    admin: str  # username of the enterprise's admin
    type: str
    cluster: str
    title: str
    description: str
    budget_min: Decimal | None
    budget_max: Decimal | None
    deadline: int  # days after the day of loading (negative: in the past)
    visibility: str
    story: str
    final: str  # the demand status the story ends in
    broker: str = ""  # username
    tech: tuple[str, str, str, str] | None = None
    dockings: list[DockingPlan] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    batch: int = 0


FINAL = {
    "draft": DemandStatus.DRAFT,
    "submitted": DemandStatus.SUBMITTED,
    "rejected": DemandStatus.REJECTED,
    "published": DemandStatus.PUBLISHED,
    "published_after_decline": DemandStatus.PUBLISHED,
    "renewed": DemandStatus.PUBLISHED,
    "renewed_docking": DemandStatus.DOCKING,
    "docking_proposed": DemandStatus.DOCKING,
    "docking_proposed_lab": DemandStatus.DOCKING,
    "docking_overdue": DemandStatus.DOCKING,
    "docking_interested": DemandStatus.DOCKING,
    "docking_active": DemandStatus.DOCKING,
    "docking_cancelled": DemandStatus.DOCKING,
    "lost_reopened": DemandStatus.DOCKING,
    "resolved_won": DemandStatus.RESOLVED,
    "resolved_manual": DemandStatus.RESOLVED,
    "closed": DemandStatus.CLOSED,
    "closed_withdrawn": DemandStatus.CLOSED,
    "expired": DemandStatus.EXPIRED,
    "expired_with_active": DemandStatus.EXPIRED,
}
STORIES = list(FINAL)


@dataclass(frozen=True)
class _Listing:
    external_id: str
    kind: str
    owner: str
    clusters: tuple[str, ...]
    text: str


class _Generator:
    def __init__(self, demo: DemoData):
        self.rng = random.Random(DEMANDS_SEED)
        self.orgs = demo.orgs
        owners = {o.name: o for o in demo.owners}
        kinds = {o.name: o.kind for o in demo.orgs}
        self.admins = {o.name: o.admin for o in demo.orgs}
        self.listings = [
            _Listing(
                s.external_id, s.kind, s.owner, s.clusters,
                f"{s.title} {s.keywords} {s.category} {s.description}",
            )  # fmt: skip
            for s in demo.resources
            if s.state == "published" and s.batch == 0 and s.owner in owners
            and kinds[s.owner] in PROVIDER_KINDS
        ]  # fmt: skip

    # helpers ---------------------------------------------------------------------------------
    def enterprise(self, tpl: Template, batch: int, taken: set[str]):
        if tpl.pin and batch == 0:
            return next(o for o in self.orgs if o.name == tpl.pin)
        candidates = [
            o
            for o in self.orgs
            if o.kind == OrgKind.ENTERPRISE and o.status == OrgStatus.VERIFIED
            and o.batch == batch and o.group in tpl.segments and o.name != SHOE_COMPANY
        ]  # fmt: skip
        fresh = [o for o in candidates if o.name not in taken] or candidates
        return fresh[self.rng.randrange(len(fresh))]

    def providers(self, tpl: Template, spec: DemandSpec, count: int) -> list[DockingPlan]:
        """`count` different providers whose published listings fit the template best, best
        first (ties in random order)."""
        kinds = TYPE_KINDS[tpl.type]

        def score(listing: _Listing) -> tuple[int, bool, bool]:
            hits = sum(word in listing.text for word in tpl.match)
            does = any(word in listing.text for word in TYPE_WORDS[tpl.type])
            return hits, does, tpl.cluster in listing.clusters

        levels: dict[tuple, list[_Listing]] = {}
        for listing in self.listings:
            if listing.kind in kinds and listing.owner != spec.enterprise:
                levels.setdefault(score(listing), []).append(listing)
        plans: list[DockingPlan] = []
        if tpl.provider and spec.batch == 0:
            pinned = [x for level in levels.values() for x in level if x.owner == tpl.provider]
            plans.append(self.plan(max(pinned, key=score)))
        for key in sorted(levels, reverse=True):
            level = list(levels[key])
            self.rng.shuffle(level)
            for listing in level:
                if len(plans) < count and listing.owner not in {p.provider for p in plans}:
                    plans.append(self.plan(listing))
        return plans

    def plan(self, listing: _Listing) -> DockingPlan:
        return DockingPlan(listing.owner, listing.external_id, self.admins[listing.owner])

    def budget(self, tpl: Template, batch: int) -> tuple[Decimal | None, Decimal | None]:
        if tpl.budget is None:
            return None, None
        factor = 1 if batch == 0 else self.rng.choice((0.8, 1.0, 1.2, 1.5))
        low, high = tpl.budget
        return (
            None if low is None else Decimal(round(low * factor, -2)),
            None if high is None else Decimal(round(high * factor, -2)),
        )

    def minute(self) -> int:
        return self.rng.randint(9 * 60, 17 * 60 + 30)

    # stories ---------------------------------------------------------------------------------
    def spec(self, tpl: Template, batch: int, story: str, taken: set[str]) -> DemandSpec:
        rng = self.rng
        org = self.enterprise(tpl, batch, taken)
        taken.add(org.name)
        low, high = self.budget(tpl, batch)
        brokers = BROKER_BY_CLUSTER.get(tpl.cluster, ("broker",))
        spec = DemandSpec(
            enterprise=org.name,
            admin=org.admin,
            type=tpl.type,
            cluster=tpl.cluster,
            title=tpl.title,
            description=tpl.description,
            budget_min=low,
            budget_max=high,
            deadline=rng.randint(30, 150),
            visibility=Visibility.ANONYMOUS if tpl.anonymous else Visibility.PUBLIC,
            story=story,
            final=FINAL[story],
            broker=brokers[rng.randrange(len(brokers))],
            tech=tpl.tech,
            batch=batch,
        )
        getattr(self, f"story_{story.removesuffix('_lab')}")(spec, tpl)
        if spec.final in (DemandStatus.RESOLVED, DemandStatus.CLOSED, DemandStatus.REJECTED):
            # Any deadline will do once the demand left the hall: some weeks after its start.
            spec.deadline = -spec.steps[0].day + rng.randint(45, 120)
        return spec

    def _steps(self, spec: DemandSpec, start: int, plan: list[tuple[int, str, dict]]):
        """Lay out (gap in days, action, args) from `start` days ago."""
        day = start
        for gap, action, args in plan:
            day -= gap
            spec.steps.append(Step(max(day, 1), self.minute(), action, args))
        return day

    def opening(self, spec: DemandSpec, *, translate: bool = True) -> list[tuple[int, str, dict]]:
        """Create, submit, publish, and (for anonymous demands or most others) a broker who
        translates the demand."""
        rng = self.rng
        plan = [(0, "create", {"submit": True}), (rng.randint(1, 3), "publish", {})]
        anonymous = spec.visibility == Visibility.ANONYMOUS
        if anonymous or rng.random() < 0.7:
            plan.append((rng.randint(1, 3), "assign", {}))
            if translate and spec.tech:
                plan.append((rng.randint(0, 2), "translate", {}))
        else:
            spec.broker = ""
        return plan

    def dock(self, spec: DemandSpec, n: int, gap: int) -> tuple[int, str, dict]:
        who = "broker" if spec.broker else self.rng.choice(("enterprise", "operator"))
        return gap, "dock", {"n": n, "by": who}

    def talk(self, n: int, count: int) -> list[tuple[int, str, dict]]:
        return [(self.rng.randint(2, 8), "note", {"n": n, "i": i}) for i in range(count)]

    def story_draft(self, spec, tpl):
        self._steps(spec, self.rng.randint(2, 25), [(0, "create", {})])

    def story_submitted(self, spec, tpl):
        start = self.rng.randint(1, 4)
        self._steps(spec, start, [(0, "create", {}), (0, "submit", {})])

    def story_rejected(self, spec, tpl):
        reason = REJECT_REASONS[self.rng.randrange(len(REJECT_REASONS))]
        plan = [
            (0, "create", {"submit": True}),
            (self.rng.randint(1, 3), "reject", {"reason": reason}),
        ]
        self._steps(spec, self.rng.randint(5, 40), plan)

    def story_published(self, spec, tpl):
        self._steps(spec, self.rng.randint(8, 60), self.opening(spec))

    def story_published_after_decline(self, spec, tpl):
        spec.dockings = self.providers(tpl, spec, 1)
        plan = self.opening(spec) + [
            self.dock(spec, 0, self.rng.randint(2, 6)),
            (self.rng.randint(1, 3), "decline", {"n": 0}),
        ]
        self._steps(spec, self.rng.randint(30, 90), plan)

    def story_renewed(self, spec, tpl, *, docking: bool = False):
        rng = self.rng
        start = rng.randint(120, 300)
        life = rng.randint(40, 80)
        spec.dockings = self.providers(tpl, spec, 1) if docking else []
        plan = self.opening(spec)
        expiry = start - sum(g for g, _, _ in plan) - life
        spec.deadline = -expiry - 1  # the day before the nightly expiry run
        plan += [
            (life, "expire", {}),
            (rng.randint(3, 20), "renew", {"days": rng.randint(60, 150)}),
        ]
        if docking:
            plan += [self.dock(spec, 0, rng.randint(5, 15)), (2, "accept", {"n": 0})]
            plan += self.talk(0, 2)
        self._steps(spec, start, plan)

    def story_renewed_docking(self, spec, tpl):
        self.story_renewed(spec, tpl, docking=True)

    def story_docking_proposed(self, spec, tpl):
        spec.dockings = self.providers(tpl, spec, 1)
        # Started within the last two days: still inside the response period.
        plan = self.opening(spec)
        span = sum(g for g, _, _ in plan)
        self._steps(spec, span + self.rng.randint(3, 10), plan)
        spec.steps.append(Step(1, self.minute(), "dock", {"n": 0, "by": self._who(spec)}))

    def _who(self, spec: DemandSpec) -> str:
        return "broker" if spec.broker else "enterprise"

    def story_docking_overdue(self, spec, tpl):
        spec.dockings = self.providers(tpl, spec, 1)
        plan = self.opening(spec) + [self.dock(spec, 0, self.rng.randint(1, 4))]
        # Proposed 8–30 days ago: the three working days to respond are long over.
        self._steps(spec, sum(g for g, _, _ in plan) + self.rng.randint(8, 30), plan)

    def story_docking_interested(self, spec, tpl):
        spec.dockings = self.providers(tpl, spec, 1)
        plan = self.opening(spec)
        span = sum(g for g, _, _ in plan)
        self._steps(spec, span + self.rng.randint(3, 12), plan)
        spec.steps.append(Step(1, self.minute(), "interest", {"n": 0}))

    def story_docking_active(self, spec, tpl):
        spec.dockings = self.providers(tpl, spec, 2)
        plan = self.opening(spec) + [
            self.dock(spec, 0, self.rng.randint(2, 6)),
            (self.rng.randint(1, 3), "accept", {"n": 0}),
            *self.talk(0, self.rng.randint(2, 4)),
        ]
        if len(spec.dockings) > 1 and self.rng.random() < 0.5:
            plan.append((1, "interest", {"n": 1}))
        self._steps(spec, self.rng.randint(40, 120), plan)

    def story_docking_cancelled(self, spec, tpl):
        spec.dockings = self.providers(tpl, spec, 2)[::-1]  # the better one comes second
        plan = self.opening(spec) + [
            self.dock(spec, 0, self.rng.randint(2, 5)),
            (1, "cancel", {"n": 0, "reason": CANCEL_REASONS[0]}),
            self.dock(spec, 1, self.rng.randint(1, 3)),
            (self.rng.randint(1, 2), "accept", {"n": 1}),
            *self.talk(1, 2),
        ]
        self._steps(spec, self.rng.randint(40, 100), plan)

    def story_lost_reopened(self, spec, tpl):
        spec.dockings = self.providers(tpl, spec, 2)[::-1]  # the better one comes second
        reason = LOSE_REASONS[self.rng.randrange(len(LOSE_REASONS))]
        plan = self.opening(spec) + [
            self.dock(spec, 0, self.rng.randint(2, 6)),
            (self.rng.randint(1, 3), "accept", {"n": 0}),
            *self.talk(0, 3),
            (self.rng.randint(5, 15), "lose", {"n": 0, "reason": reason}),
            self.dock(spec, 1, self.rng.randint(3, 10)),
        ]
        self._steps(spec, self.rng.randint(90, 200), plan)

    def story_resolved_won(self, spec, tpl):
        rng = self.rng
        spec.dockings = self.providers(tpl, spec, 2)[::-1]  # the better one comes second
        if not spec.broker:  # a won docking earns its broker a reward: keep one on board
            spec.broker = BROKER_BY_CLUSTER.get(tpl.cluster, ("broker",))[0]
        plan = [(0, "create", {"submit": True}), (rng.randint(1, 3), "publish", {})]
        plan += [(rng.randint(1, 3), "assign", {})]
        if spec.tech:
            plan.append((rng.randint(0, 2), "translate", {}))
        first_fails = len(spec.dockings) > 1
        if first_fails:
            plan += [
                self.dock(spec, 0, rng.randint(2, 5)),
                (rng.randint(1, 4), "decline", {"n": 0}),
            ]
        n = 1 if first_fails else 0
        low = spec.budget_min or Decimal(20000)
        high = spec.budget_max or low * 3
        amount = Decimal(rng.randint(int(low) // 100, int(high) // 100) * 100)
        plan += [
            self.dock(spec, n, rng.randint(1, 4)),
            (rng.randint(1, 3), "accept", {"n": n}),
            *self.talk(n, rng.randint(3, 5)),
            (rng.randint(3, 12), "sign", {"n": n, "amount": amount}),
        ]
        self._steps(spec, rng.randint(100, 540), plan)

    def story_resolved_manual(self, spec, tpl):
        plan = self.opening(spec) + [(self.rng.randint(10, 30), "resolve", {})]
        self._steps(spec, self.rng.randint(60, 300), plan)

    def story_closed(self, spec, tpl):
        spec.dockings = self.providers(tpl, spec, 2)
        reason = CLOSE_REASONS[self.rng.randrange(len(CLOSE_REASONS))]
        plan = self.opening(spec) + [
            self.dock(spec, 0, self.rng.randint(2, 6)),
            (self.rng.randint(1, 3), "interest", {"n": 1}),
            (self.rng.randint(3, 10), "close", {"reason": reason}),  # cancels both dockings
        ]
        self._steps(spec, self.rng.randint(60, 400), plan)

    def story_closed_withdrawn(self, spec, tpl):
        plan = [(0, "create", {"submit": True}), (1, "close", {"reason": WITHDRAW_REASON})]
        self._steps(spec, self.rng.randint(20, 200), plan)

    def story_expired(self, spec, tpl, *, active: bool = False):
        rng = self.rng
        start = rng.randint(100, 450)
        spec.dockings = self.providers(tpl, spec, 1)
        plan = self.opening(spec)
        if active:
            plan += [self.dock(spec, 0, rng.randint(2, 5)), (2, "accept", {"n": 0})]
            plan += self.talk(0, 1)
        else:
            spec.dockings = []
        day = start - sum(g for g, _, _ in plan)
        life = rng.randint(30, 70)
        spec.deadline = -(day - life) - 1
        plan.append((life, "expire", {}))
        self._steps(spec, start, plan)

    def story_expired_with_active(self, spec, tpl):
        self.story_expired(spec, tpl, active=True)

    def run(self, scale: int) -> list[DemandSpec]:
        specs: list[DemandSpec] = []
        for batch in range(scale):
            taken: set[str] = set()
            for i, tpl in enumerate(TEMPLATES):
                story = tpl.story
                if batch:
                    story = STORIES[(STORIES.index(story) + 3 * batch + i) % len(STORIES)]
                    story = story.removesuffix("_lab")
                specs.append(self.spec(tpl, batch, story, taken))
        return specs


def generate(demo: DemoData) -> list[DemandSpec]:
    """Every demo demand of the data set `demo` (its scale is its number of enterprise batches).
    Pure and deterministic; the base batch does not depend on the scale."""
    scale = 1 + max((o.batch for o in demo.orgs), default=0)
    return _Generator(demo).run(scale)


def broker_accounts() -> list[AccountSpec]:
    """The login accounts of the four extra brokers (the demo `broker` is a demo account)."""
    from atelier.demo.data import AccountSpec  # data imports this module

    return [
        AccountSpec(b.username, b.name, Role.BROKER, b.mobile, "技术经纪人")
        for b in BROKERS
        if b.username != "broker"
    ]


# ---------------------------------------------------------------------------------------------
# The loader.


@contextmanager
def _simulated_time(clock: _Clock) -> Iterator[None]:
    """Point django.utils.timezone.now at `clock` (see the module docstring)."""
    real = timezone.now
    timezone.now = clock.now
    try:
        yield
    finally:
        timezone.now = real


class _Clock:
    def __init__(self, today: date):
        self.today = today
        self.tz = timezone.get_current_timezone()
        self.moment: datetime | None = None

    def now(self) -> datetime:
        assert self.moment is not None  # noqa: S101
        return self.moment

    def set(self, step: Step) -> datetime:
        day = self.today - timedelta(days=step.day)
        minute = step.minute
        if step.action == "expire":
            minute = 2 * 60  # the nightly job
        else:
            while day.weekday() >= 5:  # people work on weekdays
                day -= timedelta(days=1)
        moment = datetime.combine(day, time(minute // 60, minute % 60), self.tz)
        if self.moment is not None and moment <= self.moment:
            moment = self.moment + timedelta(minutes=17)  # keep each story in order
        self.moment = moment
        return moment


@dataclass
class LoadCounts:
    brokers: int = 0
    demands: Counter = field(default_factory=Counter)  # by final status
    dockings: Counter = field(default_factory=Counter)  # by status
    rewards: int = 0


class DemandLoader:
    """Create the brokers and the demands of `specs` that do not exist yet."""

    def __init__(
        self,
        specs: list[DemandSpec],
        *,
        user: Callable,  # AccountSpec → User (created when missing)
        account: Callable,  # username → User
    ):
        self.specs = specs
        self.user = user
        self._account = account
        self.brokers_by_username: dict = {}
        self.operator = account("operator")
        self.clusters = {c.code: c for c in Cluster.objects.all()}
        self.counts = LoadCounts()
        self.started = timezone.now()
        self.today = timezone.localdate()

    def account(self, username: str):
        return self.brokers_by_username.get(username) or self._account(username)

    # brokers ---------------------------------------------------------------------------------
    def brokers(self) -> dict[str, BrokerProfile]:
        extra = {a.username: a for a in broker_accounts()}
        profiles = {}
        for spec in BROKERS:
            user = User.objects.filter(username=spec.username).first()
            if user is None:
                user = self.user(extra[spec.username]) if spec.username in extra else None
                user = user or self.account(spec.username)
            self.brokers_by_username[spec.username] = user
            profile = BrokerProfile.objects.filter(user=user).first()
            if profile is None:
                profile = actions.broker_register(
                    self.operator,
                    user,
                    {
                        "certificate_no": spec.certificate_no,
                        "employer": spec.employer,
                        "specialties": spec.specialties,
                        "bio": spec.bio,
                        "active": True,
                        "clusters": [self.clusters[c] for c in spec.clusters if c in self.clusters],
                    },
                )
                BrokerProfile.objects.filter(pk=profile.pk).update(registered_on=spec.registered_on)
                self.counts.brokers += 1
            profiles[spec.username] = profile
        return profiles

    # demands ---------------------------------------------------------------------------------
    def missing(self) -> list[DemandSpec]:
        names = {s.enterprise for s in self.specs}
        orgs = dict(Organization.objects.filter(name__in=names).values_list("name", "pk"))
        self.orgs = {o.name: o for o in Organization.objects.filter(pk__in=orgs.values())}
        existing = set(
            Demand.objects.filter(enterprise__in=orgs.values()).values_list(
                "enterprise_id", "title"
            )
        )
        return [s for s in self.specs if (orgs.get(s.enterprise), s.title) not in existing]

    def run(self, progress: Callable[[int, int], None] | None = None) -> LoadCounts:
        profiles = self.brokers()
        todo = self.missing()
        if not todo:
            return self.counts
        self.resources = {
            r.external_id: r
            for r in Resource.objects.filter(
                external_id__in={p.resource for s in todo for p in s.dockings}
            )
        }
        self.providers = {
            o.name: o
            for o in Organization.objects.filter(
                name__in={p.provider for s in todo for p in s.dockings}
            )
        }
        first_notification = (
            Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
        )
        won: list[tuple[DemandSpec, Docking]] = []
        for n, spec in enumerate(todo, 1):
            if progress and (n % 10 == 0 or n == len(todo)):
                progress(n, len(todo))
            clock = _Clock(self.today)
            # The notifications are history: keep them in-app and send no e-mail (the console
            # backend of the demo would print hundreds).
            with _simulated_time(clock), override_settings(EMAIL_BACKEND=QUIET_MAIL):
                demand, dockings = self.play(spec, clock)
            self.counts.demands[demand.status] += 1
            for docking in dockings:
                self.counts.dockings[docking.status] += 1
                if docking.status == DockingStatus.WON:
                    won.append((spec, docking))
        self.rewards(won, profiles)
        # What happened more than two weeks ago has been read.
        Notification.objects.filter(
            pk__gt=first_notification or 0,
            read_at__isnull=True,
            at__lt=self.started - READ_AFTER,
        ).update(read_at=self.started)
        return self.counts

    def play(self, spec: DemandSpec, clock: _Clock) -> tuple[Demand, list[Docking]]:
        enterprise = self.orgs[spec.enterprise]
        admin = self.account(spec.admin)
        broker = self.account(spec.broker) if spec.broker else None
        demand: Demand | None = None
        dockings: dict[int, Docking] = {}
        for step in spec.steps:
            now = clock.set(step)
            args = step.args
            # Actions move the demand through other instances (docking.demand): start fresh.
            for obj in filter(None, (demand, *dockings.values())):
                obj.refresh_from_db()
            match step.action:
                case "create":
                    author = admin
                    if spec.enterprise == SHOE_COMPANY and spec.final == DemandStatus.DRAFT:
                        author = self.account("shoe_staff")  # a member drafts, the boss decides
                    demand = actions.demand_create(
                        author, enterprise, self.fields(spec, now), submit=args.get("submit", False)
                    )
                case "submit":
                    actions.demand_submit(admin, demand)
                case "publish":
                    actions.demand_publish(self.operator, demand, note="需求信息完整，准予发布。")
                case "reject":
                    actions.demand_reject(self.operator, demand, reason=args["reason"])
                case "assign":
                    actions.demand_assign_broker(self.operator, demand, broker)
                case "translate":
                    keys = ("tech_keywords", "tech_standards", "tech_methods", "tech_summary")
                    actions.demand_translate(
                        broker, demand, dict(zip(keys, spec.tech, strict=True))
                    )
                case "dock":
                    plan = spec.dockings[args["n"]]
                    actor = {"broker": broker, "enterprise": admin, "operator": self.operator}
                    docking = actions.docking_start(
                        actor[args["by"]], demand,
                        provider=self.providers[plan.provider],
                        resource=self.resources.get(plan.resource),
                        message=DOCK_MESSAGES[args["by"]],
                    )  # fmt: skip
                    Docking.objects.filter(pk=docking.pk).update(started_at=now)
                    dockings[args["n"]] = docking
                case "interest":
                    plan = spec.dockings[args["n"]]
                    docking = actions.docking_interest(
                        self.account(plan.admin), demand,
                        provider=self.providers[plan.provider],
                        resource=self.resources.get(plan.resource), message=INTEREST_MESSAGE,
                    )  # fmt: skip
                    Docking.objects.filter(pk=docking.pk).update(started_at=now)
                    dockings[args["n"]] = docking
                case "accept":
                    docking = dockings[args["n"]]
                    actions.docking_accept(self.responder(docking, spec, admin, broker), docking)
                case "decline":
                    docking = dockings[args["n"]]
                    reason = DECLINE_REASONS[len(dockings) % len(DECLINE_REASONS)]
                    actor = self.responder(docking, spec, admin, broker)
                    actions.docking_decline(actor, docking, reason=reason)
                case "note":
                    docking = dockings[args["n"]]
                    self.note(docking, spec, args["i"], admin, broker, now)
                case "sign":
                    docking = dockings[args["n"]]
                    actions.docking_sign(admin, docking, amount=args["amount"])
                case "lose":
                    actions.docking_lose(admin, dockings[args["n"]], reason=args["reason"])
                case "cancel":
                    actor = broker or admin
                    actions.docking_cancel(actor, dockings[args["n"]], reason=args["reason"])
                case "close":
                    actions.demand_close(admin, demand, reason=args["reason"])
                case "resolve":
                    actions.demand_resolve(admin, demand, note=RESOLVE_NOTE)
                case "expire":
                    expired = actions.demands_expire()
                    assert demand.pk in {d.pk for d in expired}, spec.title  # noqa: S101
                    demand.refresh_from_db()
                case "renew":
                    deadline = self.today + timedelta(days=args["days"])
                    actions.demand_renew(admin, demand, deadline=deadline)
                case _:
                    raise ValueError(step.action)
        demand.refresh_from_db()
        result = list(Docking.objects.filter(demand=demand).order_by("pk"))
        return demand, result

    def fields(self, spec: DemandSpec, now: datetime) -> dict:
        deadline = self.today + timedelta(days=spec.deadline)
        return {
            "type": spec.type,
            "title": spec.title,
            "description": spec.description,
            "cluster": self.clusters.get(spec.cluster),
            "budget_min": spec.budget_min,
            "budget_max": spec.budget_max,
            "deadline": max(deadline, timezone.localdate(now) + timedelta(days=1)),
            "visibility": spec.visibility,
        }

    def responder(self, docking: Docking, spec: DemandSpec, admin, broker):
        docking.refresh_from_db()
        if docking.status == DockingStatus.PROPOSED:
            return self.account(self.plan_of(docking, spec).admin)
        if spec.visibility == Visibility.ANONYMOUS:
            return broker or self.operator
        return admin

    def plan_of(self, docking: Docking, spec: DemandSpec) -> DockingPlan:
        name = self.providers_by_pk()[docking.provider_id]
        return next(p for p in spec.dockings if p.provider == name)

    def providers_by_pk(self) -> dict[int, str]:
        return {o.pk: name for name, o in self.providers.items()}

    def note(self, docking: Docking, spec: DemandSpec, i: int, admin, broker, now) -> None:
        kind, who, text = NOTES[i % len(NOTES)]
        if who == "broker" and broker is None:
            who = "enterprise"
        actor = {
            "provider": self.account(self.plan_of(docking, spec).admin),
            "enterprise": admin,
            "broker": broker,
        }[who]
        meeting = {}
        if kind == NoteKind.MEETING:
            place = MEETING_PLACES[(i + len(spec.title)) % len(MEETING_PLACES)]
            meeting = {"meeting_at": now - timedelta(hours=2), "location": place}
        note = actions.docking_note(actor, docking, kind=kind, text=text, **meeting)
        DockingNote.objects.filter(pk=note.pk).update(at=now)
        Docking.objects.filter(pk=docking.pk, responded_at=note.at).update(responded_at=now)

    def rewards(self, won: list[tuple[DemandSpec, Docking]], profiles) -> None:
        """Rewards for the first four won dockings of the base batch (2 % of the contract, at
        least 500 yuan), recorded some weeks after signing, and one correction of the first."""
        paid = []
        for spec, docking in won:
            if spec.batch or len(paid) >= 4:
                continue
            share = int(docking.contract_amount * Decimal("0.02")) // 10 * 10
            paid.append((spec, docking, Decimal(max(500, share)), 20))
        if paid:
            spec, docking, _amount, _days = paid[0]
            paid.append((spec, docking, Decimal(-200), 35))
        clock = _Clock(self.today)
        latest = datetime.combine(self.today - timedelta(days=1), time(10), clock.tz)
        for spec, docking, amount, days in paid:
            reason = (
                f"促成技术合同（{spec.title}），按合同金额 2% 奖励"
                if amount > 0
                else "更正：合同实际到账金额低于合同金额，奖励核减 200 元"
            )
            clock.moment = min(docking.closed_at + timedelta(days=days), latest)
            with _simulated_time(clock), override_settings(EMAIL_BACKEND=QUIET_MAIL):
                reward = actions.broker_reward(
                    self.operator, profiles[spec.broker], amount=amount, docking=docking,
                    reason=reason,
                )  # fmt: skip
            BrokerReward.objects.filter(pk=reward.pk).update(recorded_at=clock.moment)
            self.counts.rewards += 1


def summary() -> dict[str, dict[str, int]]:
    """Counts of the demand hall (demands and dockings by status), for the printout."""
    demands = dict(Demand.objects.order_by().values_list("status").annotate(n=Count("id")))
    dockings = dict(Docking.objects.order_by().values_list("status").annotate(n=Count("id")))
    return {
        "demands": {s: demands.get(s, 0) for s in DemandStatus.values},
        "dockings": {s: dockings.get(s, 0) for s in DockingStatus.values},
    }
