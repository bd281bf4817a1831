"""The deterministic Wenzhou demo data set behind `atelier demo`.

Two halves:

* `generate(scale)` is pure Python: from one `random.Random(SEED)` it produces the same accounts
  and organisations on every machine and every run (no global random, no clock; dates are fixed).
  The base set comes first in the random stream, so `--scale N` never changes the base set: it only
  appends N - 1 more batches of enterprises.
* `load(scale)` writes what is missing through the real actions (`organization_register`,
  `organization_verify`/`organization_reject`, `invitation_create`/`invitation_accept`), so the
  demo has the same audit rows, status history and notifications as real use. Rows are matched by
  username and by credit code: a second run creates nothing and writes no audit entry.

The resource library (≈ 440 listings per batch, owned by the verified institutions) is generated
and loaded by atelier.demo.library, from its own random stream, after the organisations; the
demand hall (brokers, ≈ 40 demands per batch with their dockings) by atelier.demo.demands, last.

Public institutions named in the seed documents (../shared/seeds/: 000 the Lucheng shoe complex,
004 the Ouhai eyewear complex) keep their names; every enterprise and every service company is
fictional. Credit codes are synthetic but valid (GB 32100-2015 and GB 11714 check characters).
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from atelier.accounts.models import Role, User
from atelier.core import codes
from atelier.core.models import District, EnterpriseTag, Industry, Notification
from atelier.core.validators import USCC_CHARSET, org_code_check_char, uscc_check_char
from atelier.demo import bookings, demands, kpi, library, orders, vouchers
from atelier.kpi import cockpit
from atelier.orgs import actions as org_actions
from atelier.orgs.models import Membership, Organization, OrgKind, OrgStatus, SizeBand

SEED = 20221
# Printed by `atelier demo` and shared by every demo account; the demo is not a production site.
DEMO_PASSWORD = "atelier-demo-2022"  # noqa: S105
EMAIL_DOMAIN = "demo.atelier.local"

LUCHENG, OUHAI, LONGWAN, YONGJIA, PINGYANG, RUIAN = (
    "330302", "330304", "330303", "330324", "330326", "330381",
)  # fmt: skip
OUTSIDE = "000000"
DISTRICT_PREFIX = {  # for addresses
    LUCHENG: "温州市鹿城区", OUHAI: "温州市瓯海区", LONGWAN: "温州市龙湾区", YONGJIA: "永嘉县",
    PINGYANG: "平阳县", RUIAN: "瑞安市",
}  # fmt: skip

# The first two characters of a credit code (GB 32100-2015 §4): registration authority and
# category. The institutions table uses 11 机关, 12 事业单位, 51 社会团体, 52 民办非企业单位
# and 91 企业 (every enterprise).
COMPANY = "91"

VERIFY_NOTE = "营业执照与统一社会信用代码核验一致，准予认证。"

# ---------------------------------------------------------------------------------------------
# Demo accounts: one per role (DESIGN.md §1), short usernames, fixed mobile numbers.


@dataclass(frozen=True)
class AccountSpec:
    username: str
    name: str
    role: str
    mobile: str
    label: str = ""  # role in Chinese for the account table
    district: str | None = None
    superuser: bool = False
    affiliation: str = ""  # organisation name, for the account table

    @property
    def email(self) -> str:
        return f"{self.username}@{EMAIL_DOMAIN}"


OPERATOR_ORG = "温州鞋都产业创新服务综合体运营管理有限公司"
SHOE_COMPANY = "温州骏履鞋业有限公司"
TEST_LAB = "中国鞋都鞋业检验检测服务中心"
LUCHENG_STB = "温州市鹿城区科学技术局"
OUHAI_STB = "温州市瓯海区科学技术局"
LUCHENG_FINANCE = "温州市鹿城区财政局"

A = AccountSpec  # short alias for the table below
DEMO_ACCOUNTS = [
    A("operator", "林晓岚", Role.OPERATOR, "13957701001", "运营方", affiliation=OPERATOR_ORG),
    A("reviewer_lucheng", "陈立新", Role.REVIEWER, "13957701002", "主管部门审核员（鹿城区）",
      district=LUCHENG, affiliation=LUCHENG_STB),
    A("reviewer_ouhai", "潘静怡", Role.REVIEWER, "13957701003", "主管部门审核员（瓯海区）",
      district=OUHAI, affiliation=OUHAI_STB),
    A("finance", "周文华", Role.FINANCE, "13957701004", "财政", affiliation=LUCHENG_FINANCE),
    A("auditor", "叶明哲", Role.AUDITOR, "13957701005", "审计"),
    A("admin", "赵一鸣", Role.SYSADMIN, "13957701006", "系统管理员", superuser=True),
    A("shoe_boss", "郑国强", Role.MEMBER, "13957701007", "企业管理员", affiliation=SHOE_COMPANY),
    A("shoe_staff", "王丽娜", Role.MEMBER, "13957701008", "企业成员", affiliation=SHOE_COMPANY),
    A("lab_admin", "黄志远", Role.MEMBER, "13957701009", "服务机构管理员", affiliation=TEST_LAB),
    A("expert", "吴晓峰", Role.EXPERT, "13957701010", "专家/设计师"),
    A("broker", "金思远", Role.BROKER, "13957701011", "技术经纪人"),
]  # fmt: skip
del A
ACCOUNTS_BY_USERNAME = {a.username: a for a in DEMO_ACCOUNTS}
# Organisations registered by a demo account (it becomes their first admin).
ORG_ADMINS = {
    OPERATOR_ORG: "operator",
    LUCHENG_STB: "reviewer_lucheng",
    OUHAI_STB: "reviewer_ouhai",
    LUCHENG_FINANCE: "finance",
    SHOE_COMPANY: "shoe_boss",
    TEST_LAB: "lab_admin",
}
# Memberships made through the invitation flow: (organisation, admin who invites, invitee).
INVITED = [(SHOE_COMPANY, "shoe_boss", "shoe_staff")]

# ---------------------------------------------------------------------------------------------
# Institutions: fixtures/institutions.csv, one row each (group, name, kind, district, industries,
# credit-code registration prefix, address, status, description). Public institutions are those
# named in the seed documents; the service companies are fictional. Groups:
#   shoe_service     seed 000: "目前已集聚鞋业服务平台及机构47家" — the 47 platforms
#                    and institutions of the Lucheng shoe complex (九大创新服务体系, 一体一院一中心)
#   eyewear_service  seed 004: the platforms of the Ouhai eyewear complex (娄桥眼镜小镇)
#   provider, government, association, investor


@dataclass(frozen=True)
class InstitutionRow:
    group: str
    name: str
    kind: str
    district: str  # code
    industries: tuple[str, ...]
    registration: str
    address: str
    status: str
    description: str


INSTITUTIONS_CSV = Path(__file__).with_name("fixtures") / "institutions.csv"
_DISTRICT_CODES = {name: code for code, name, _ in codes.WENZHOU_DISTRICTS}
_DISTRICT_CODES[codes.OUTSIDE_NAME] = codes.OUTSIDE_CODE


def read_institutions() -> list[InstitutionRow]:
    with INSTITUTIONS_CSV.open(encoding="utf-8", newline="") as f:
        return [
            InstitutionRow(
                group=row["group"],
                name=row["name"],
                kind=OrgKind(row["kind"]),
                district=_DISTRICT_CODES[row["district"]],
                industries=tuple(row["industries"].split()),
                registration=row["registration"],
                address=row["address"],
                status=row["status"] or OrgStatus.VERIFIED,
                description=row["description"],
            )
            for row in csv.DictReader(f)
        ]


SHOE_SERVICE_COUNT = 47  # seed 000
SHUANGYU = "温州市鹿城区双屿街道"

# ---------------------------------------------------------------------------------------------
# Enterprises: fictional firms generated per segment. A segment is one cluster in one district.


@dataclass(frozen=True)
class Segment:
    key: str
    district: str
    count: int  # per batch (the base set is batch 0; --scale N adds N - 1 batches)
    places: tuple[str, ...]  # towns and industrial zones inside the district
    prefixes: tuple[str, ...]  # how names start: 温州市鹿城区…, 温州…, 浙江…
    # Product lines: (name suffix, industries, weight, products separated by 、, unit of output)
    lines: tuple[tuple[str, str, int, str, str], ...]


SHOES = "女式真皮单鞋、时装女靴、男士商务皮鞋、休闲板鞋、凉鞋、乐福鞋、老人健步鞋、高跟鞋、小白鞋"
KIDS = "学步鞋、儿童运动鞋、儿童皮鞋、儿童凉鞋、儿童棉鞋、校园鞋"
SAFETY = "防砸安全鞋、绝缘劳保鞋、防静电工作鞋、防刺穿安全靴、耐油工作鞋"
FRAMES = "钛架光学镜架、板材眼镜架、TR90 镜架、太阳镜、老花镜、儿童光学镜架、运动眼镜"
CLOTHES = "男装西服、女装连衣裙、休闲夹克、衬衫、针织 T 恤、羽绒服、休闲裤"
SEGMENTS = [
    Segment("shoe_lucheng", LUCHENG, 96,
            ("双屿街道中国鞋都一期", "双屿街道鞋都大道", "双屿街道嵇师工业区", "丰门街道鞋都三期",
             "丰门街道丰叶路", "丰门街道丰门工业区", "藤桥镇工业区", "仰义街道工业区"),
            ("温州市鹿城区", "温州", "温州市", "浙江"),
            (("鞋业有限公司", "C1952", 10, SHOES, "双"),
             ("鞋业有限公司", "C1952 F5292", 3, SHOES, "双"),
             ("制鞋有限公司", "C1952", 3, SHOES, "双"),
             ("鞋服有限公司", "C1952 F5133", 2, SHOES, "双"),
             ("鞋业科技有限公司", "C1952 C1959", 2, SHOES, "双"),
             ("鞋业股份有限公司", "C1952 F5133", 1, SHOES, "双"),
             ("休闲鞋业有限公司", "C1951", 2, "帆布鞋、飞织运动鞋、休闲板鞋、一脚蹬", "双"))),
    Segment("shoe_ouhai_kids", OUHAI, 16,
            ("郭溪街道中国童鞋基地", "瞿溪街道工业区", "潘桥街道工业区", "瓯海经济开发区"),
            ("温州市瓯海区", "温州"),
            (("童鞋有限公司", "C1952", 3, KIDS, "双"),
             ("儿童鞋业有限公司", "C1951", 2, KIDS, "双"),
             ("鞋业有限公司", "C1952 C1953", 2, KIDS, "双"))),
    Segment("shoe_ruian", RUIAN, 16, ("仙降街道", "塘下镇", "飞云街道", "马屿镇"),
            ("瑞安市", "温州"),
            (("安全鞋业有限公司", "C1952 C1954", 3, SAFETY, "双"),
             ("劳保用品有限公司", "C1954", 2, SAFETY, "双"),
             ("鞋业有限公司", "C1951", 2, "休闲帆布鞋、硫化板鞋、运动休闲鞋", "双"),
             ("胶鞋有限公司", "C1954", 2, "硫化胶鞋、雨靴、橡胶工作鞋", "双"))),
    Segment("shoe_yongjia", YONGJIA, 8, ("瓯北街道", "三江街道", "黄田街道"),
            ("永嘉县", "浙江", "温州"),
            (("鞋业有限公司", "C1952", 3, SHOES, "双"),
             ("鞋业股份有限公司", "C1952 F5233", 1, SHOES, "双"))),
    Segment("shoe_longwan", LONGWAN, 4, ("蒲州街道", "永中街道"), ("温州市龙湾区", "温州"),
            (("鞋业有限公司", "C1952", 2, SHOES, "双"),
             ("鞋业科技有限公司", "C1953", 1, "EVA 拖鞋、洞洞鞋、塑料凉鞋", "双"))),
    Segment("shoe_materials", LUCHENG, 14,
            ("双屿街道鞋材市场", "双屿街道嵇师工业区", "丰门街道丰门工业区", "藤桥镇工业区"),
            ("温州市鹿城区", "温州"),
            (("鞋材有限公司", "C2924", 3, "EVA 鞋底、PU 中底、鞋垫、主跟与包头", "双"),
             ("鞋底有限公司", "C2913 C2924", 3, "橡胶大底、TPR 鞋底、RB 鞋底、MD 鞋底", "双"),
             ("鞋楦有限公司", "C2929", 2, "塑料鞋楦、数字鞋楦、木质样楦", "双"),
             ("鞋业模具有限公司", "C3525", 2, "鞋底模具、注塑模具、EVA 发泡模具", "套"),
             ("鞋机有限公司", "C3552 C3553", 1, "自动前帮机、后跟定型机、裁断机", "台"),
             ("五金辅料有限公司", "C2929", 1, "鞋扣、鞋眼、装饰扣、钢勾心", "套"))),
    Segment("leather_longwan", LONGWAN, 8, ("永中街道", "海城街道", "沙城街道"),
            ("温州市龙湾区", "浙江", "温州"),
            (("合成革有限公司", "C2925", 3, "PU 合成革、PVC 人造革、水性 PU 革、磨砂革", "米"),
             ("超纤新材料有限公司", "C2925", 1, "超纤革、超纤里皮、无溶剂超纤", "米"))),
    Segment("materials_ruian", RUIAN, 8, ("塘下镇", "仙降街道", "上望街道"), ("瑞安市", "浙江"),
            (("鞋机有限公司", "C3553 C3552", 2, "电脑花样机、全自动帮面缝纫机、裁断机", "台"),
             ("机械有限公司", "C3552", 1, "注塑成型机、硫化机、流水线", "台"),
             ("鞋材有限公司", "C2913", 1, "橡胶大底、硫化鞋底", "双"))),
    Segment("leather_pingyang", PINGYANG, 4, ("水头镇",), ("平阳县", "温州"),
            (("皮革有限公司", "C1910", 2, "头层牛皮革、二层皮革、无铬鞣皮革", "张"),
             ("皮具有限公司", "C1922", 1, "真皮女包、皮带、钱包", "件"))),
    Segment("eyewear_ouhai", OUHAI, 40,
            ("娄桥街道眼镜小镇", "娄桥街道古岸头工业区", "娄桥街道光明路", "瓯海经济开发区",
             "南白象街道工业区"),
            ("温州市瓯海区", "温州", "浙江"),
            (("眼镜有限公司", "C3587", 6, FRAMES, "副"),
             ("光学眼镜有限公司", "C3587", 3, FRAMES, "副"),
             ("光学科技有限公司", "C3587 C4040", 2, "树脂镜片、防蓝光镜片、偏光太阳镜片", "副"),
             ("眼镜配件有限公司", "C3587", 2, "弹簧铰链、鼻托、镜腿脚套、眼镜螺丝", "套"),
             ("眼镜电镀有限公司", "C3360 C3587", 1, "镜架电镀、IP 真空镀膜、镜架喷涂", "副"),
             ("眼镜股份有限公司", "C3587 F5236", 1, FRAMES, "副"))),
    Segment("eyewear_lucheng", LUCHENG, 5, ("上戍工业区", "藤桥镇工业区"), ("温州市鹿城区", "温州"),
            (("眼镜有限公司", "C3587", 3, "金属镜架、太阳镜、老花镜", "副"),
             ("光学有限公司", "C3587", 1, "眼镜盒、眼镜布、镜架配件", "套"))),
    Segment("eyewear_ruian", RUIAN, 5, ("马屿镇眼镜园区",), ("瑞安市", "温州"),
            (("眼镜有限公司", "C3587", 3, "太阳镜、塑料镜架、老花镜", "副"),
             ("光学眼镜有限公司", "C3587", 1, "注塑镜架、太阳镜", "副"))),
    Segment("apparel_ouhai", OUHAI, 28,
            ("梧田街道", "瞿溪街道", "潘桥街道", "郭溪街道", "瓯海时尚智造小镇", "娄桥街道"),
            ("温州市瓯海区", "温州", "浙江"),
            (("服饰有限公司", "C1819", 5, CLOTHES, "件"),
             ("服装有限公司", "C1819 F5132", 3, CLOTHES, "件"),
             ("制衣有限公司", "C1829", 2, "针织 T 恤、卫衣、polo 衫", "件"),
             ("针织服饰有限公司", "C1821", 1, "运动针织服装、瑜伽服、卫衣", "件"),
             ("服饰股份有限公司", "C1819 F5232", 1, CLOTHES, "件"),
             ("职业服装有限公司", "C1819", 1, "职业工装、校服、定制西服", "件"))),
    Segment("apparel_lucheng", LUCHENG, 6, ("南汇街道", "滨江街道", "藤桥镇工业区"),
            ("温州市鹿城区", "温州"),
            (("服饰有限公司", "C1819", 2, "女装、连衣裙、风衣", "件"),
             ("服装有限公司", "C1819 F5132", 1, "男式衬衫、休闲裤、夹克", "件"))),
    Segment("accessories", LUCHENG, 8, ("南汇街道", "双屿街道", "七都街道"),
            ("温州市鹿城区", "温州"),
            (("皮具有限公司", "C1922", 2, "真皮女包、男士皮带、钱包", "件"),
             ("箱包有限公司", "C1922", 1, "拉杆箱、双肩包、电脑包", "件"),
             ("服饰配件有限公司", "C1830", 2, "领带、围巾、帽子、袜子", "件"),
             ("皮件有限公司", "C1923", 1, "皮手套、皮质装饰件", "件"))),
]  # fmt: skip

# Two-character brand words. Real brands of the region stay out (see BRAND_BLOCKLIST).
BRAND_FIRST = "骏雅逸卓尚锦鼎嘉铭聚恒博晟润盛泓启朗凯宸悦翔琪澜越瓯鹿鸿泽昊沐禾亦屹弘璟"
BRAND_SECOND = {
    "shoe": "步履途迈行跃驰翼帆程韵格派诺凡峰帛屐靴踏",
    "eyewear": "视光明瞳晶眸睿亮彩镜目望曜朗影",
    "apparel": "衣裳绣纶织丽姿韵缦绮裁缇素锦",
    "other": "达源丰泰成信华隆顺新利通宝昌",
}
SEGMENT_FLAVOUR = {"shoe": "shoe", "eyewear": "eyewear", "apparel": "apparel"}
BRAND_BLOCKLIST = {
    "康奈", "奥康", "巨一", "中胤", "瑞星", "康龙", "卓诗", "吉尔", "霸力", "森马", "雪歌", "飘蕾",
    "中民", "冠豪", "信泰", "蓝道", "庄吉", "乔顿", "法派", "夏梦", "东艺", "红蜻", "骏步", "步步",
    "鹿城", "瓯海", "瓯越", "明眸",
}  # fmt: skip

SURNAMES = "陈林王黄张李周郑潘叶吴金朱徐胡蔡谢杨刘季戴郭项应池"
GIVEN = "建国海伟秀丽静敏晓磊杰斌勇军芳燕婷洁浩宇鑫琳丹雪强霞峰成豪一乐文华明志远思佳慧"
MOBILE_PREFIXES = (
    "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "187",
    "188", "177", "189", "180", "133", "153",
)  # fmt: skip
REJECT_REASONS = [
    "营业执照照片模糊，无法核对统一社会信用代码和法定代表人，请上传清晰的原件扫描件后重新提交。",
    "机构名称与营业执照登记名称不一致，请按营业执照上的全称填写后重新提交。",
]
PENDING_SHARE = 0.07

# ---------------------------------------------------------------------------------------------
# The generator (pure: no database, no clock).


@dataclass
class OrgSpec:
    kind: str
    name: str
    district: str
    credit_code: str
    industries: tuple[str, ...]
    admin: str  # username of the registering user (the org's first admin)
    verifier: str = "operator"
    status: str = OrgStatus.VERIFIED
    reason: str = ""
    tags: tuple[str, ...] = ()
    group: str = ""  # shoe_service, eyewear_service, provider, government, …, or a segment key
    batch: int = 0
    profile: dict = field(default_factory=dict)


@dataclass
class DemoData:
    accounts: list[AccountSpec]  # the demo accounts (printed)
    contacts: dict[str, AccountSpec]  # generated org admins, by username
    orgs: list[OrgSpec]
    owners: list[library.Owner] = field(default_factory=list)  # who publishes listings
    resources: list[library.ResourceSpec] = field(default_factory=list)

    def by_name(self, name: str) -> OrgSpec:
        return next(o for o in self.orgs if o.name == name)


class _Generator:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.codes: set[str] = set()
        self.names: set[str] = {SHOE_COMPANY}
        self.mobiles: set[str] = {a.mobile for a in DEMO_ACCOUNTS}
        self.contacts: dict[str, AccountSpec] = {}
        self.serial = 0

    # identifiers -------------------------------------------------------------------------
    def credit_code(self, prefix: str, area: str, founded: date | None) -> str:
        rng = self.rng
        while True:
            if prefix == COMPANY and (founded is None or founded.year >= 2016):
                body = "MA" + "".join(rng.choice(USCC_CHARSET[1:]) for _ in range(6))
            else:
                body = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
            first17 = prefix + area + body + org_code_check_char(body)
            code = first17 + uscc_check_char(first17)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def mobile(self) -> str:
        while True:
            m = self.rng.choice(MOBILE_PREFIXES) + "".join(
                str(self.rng.randint(0, 9)) for _ in range(8)
            )
            if m not in self.mobiles:
                self.mobiles.add(m)
                return m

    def person(self) -> str:
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    def contact(self, kind: str) -> AccountSpec:
        self.serial += 1
        prefix = {
            OrgKind.ENTERPRISE: "ent", OrgKind.PROVIDER: "svc", OrgKind.UNIVERSITY: "uni",
            OrgKind.GOVERNMENT: "gov", OrgKind.ASSOCIATION: "assn", OrgKind.INVESTOR: "inv",
        }[kind]  # fmt: skip
        spec = AccountSpec(
            username=f"{prefix}{self.serial:04d}",
            name=self.person(),
            role=Role.MEMBER,
            mobile=self.mobile(),
            label="机构联系人",
        )
        self.contacts[spec.username] = spec
        return spec

    def date_between(self, start: date, end: date) -> date:
        return date.fromordinal(self.rng.randint(start.toordinal(), end.toordinal()))

    def verifier(self, district: str) -> str:
        # District reviewers clear most of their own district's queue; the operator the rest.
        reviewer = {LUCHENG: "reviewer_lucheng", OUHAI: "reviewer_ouhai"}.get(district)
        if reviewer and self.rng.random() < 0.6:
            return reviewer
        return "operator"

    # organisations -----------------------------------------------------------------------
    def institution(self, row: InstitutionRow) -> OrgSpec:
        admin = ORG_ADMINS.get(row.name)
        admin_spec = ACCOUNTS_BY_USERNAME[admin] if admin else self.contact(row.kind)
        company = row.registration == COMPANY
        founded = self.date_between(date(2016, 3, 1), date(2022, 6, 30)) if company else None
        if row.district == OUTSIDE:  # central (100000) or Beijing (110000) institutions
            area = "110000" if row.name.startswith("北京") else "100000"
        elif not company and row.name.startswith("温州市") and "区" not in row.name:
            area = "330300"  # city-level bodies register with the city
        else:
            area = row.district
        tags: tuple[str, ...] = ()
        if row.kind == OrgKind.PROVIDER and company:
            # Seed 000: 入驻综合体的企业中22%为高层次人才创业项目.
            tags = ("talent_startup",) if self.rng.random() < 0.22 else ("tech_sme",)
        if row.kind == OrgKind.GOVERNMENT:
            verifier = "operator"  # a reviewer does not verify its own department
        elif row.name == OPERATOR_ORG:
            verifier = "reviewer_lucheng"  # the operator does not verify its own company
        else:
            verifier = self.verifier(row.district)
        return OrgSpec(
            kind=row.kind,
            name=row.name,
            district=row.district,
            credit_code=self.credit_code(row.registration, area, founded),
            industries=row.industries,
            admin=admin_spec.username,
            verifier=verifier,
            status=row.status,
            tags=tags,
            group=row.group,
            profile={
                "address": row.address,
                "description": row.description,
                "founded_on": founded,
                "size_band": self.provider_size() if company else "",
                "contact_name": admin_spec.name,
                "contact_mobile": admin_spec.mobile,
                "contact_email": admin_spec.email,
            },
        )

    def provider_size(self) -> str:
        return SizeBand.SMALL if self.rng.random() < 0.3 else SizeBand.MICRO

    def brand(self, flavour: str) -> str:
        second = BRAND_SECOND[flavour]
        return self.rng.choice(BRAND_FIRST) + self.rng.choice(second)

    def enterprise(self, segment: Segment, batch: int) -> OrgSpec:
        rng = self.rng
        flavour = SEGMENT_FLAVOUR.get(segment.key.split("_")[0], "other")
        suffix, industries, _, products, unit = rng.choices(
            segment.lines, [line[2] for line in segment.lines]
        )[0]
        for attempt in range(200):
            brand = self.brand(flavour if attempt < 100 else "other")
            if attempt >= 150:
                brand += rng.choice(BRAND_SECOND["other"])
            if brand in BRAND_BLOCKLIST or brand[0] == brand[1]:
                continue
            name = rng.choice(segment.prefixes) + brand + suffix
            if name not in self.names:
                break
        else:
            raise RuntimeError(f"no free enterprise name left in segment {segment.key}")
        self.names.add(name)
        founded = self.date_between(date(1986, 1, 1), date(2022, 6, 30))
        age = 2022 - founded.year
        size = rng.choices(
            [SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM, SizeBand.LARGE],
            [35, 45, 15, 5] if age > 8 else [60, 35, 5, 0],
        )[0]
        if "股份" in suffix and size in (SizeBand.MICRO, SizeBand.SMALL):
            size = SizeBand.MEDIUM
        tags = []
        bigger = size in (SizeBand.MEDIUM, SizeBand.LARGE)
        if bigger or (size == SizeBand.SMALL and rng.random() < 0.3):
            tags.append("above_scale")
        if rng.random() < (0.25 if size != SizeBand.MICRO else 0.1):
            tags.append("tech_sme")
        if tags and rng.random() < 0.3:
            tags.append("hnte")
        if size == SizeBand.LARGE and rng.random() < 0.5:
            tags.append("leader")
        if age < 7 and rng.random() < 0.08:
            tags.append("talent_startup")
        place = rng.choice(segment.places)
        address = f"{DISTRICT_PREFIX[segment.district]}{place}{rng.randint(1, 388)}号"
        p1, p2 = rng.sample(products.split("、"), 2)
        factor = 3 if size == SizeBand.LARGE else 1
        if unit == "台" or "模具" in suffix:  # machines and moulds: hundreds, not millions
            output = f"{rng.choice((300, 500, 800, 1200, 2000)) * factor} {unit}"
        else:
            output = f"{rng.choice((20, 30, 50, 60, 80, 120, 150, 200, 300)) * factor} 万{unit}"
        space = " " if p1[0].isascii() else ""  # 主营 EVA 鞋底: a space between CJK and Latin
        description = f"主营{space}{p1}、{p2}，年产能约 {output}。"
        if "above_scale" in tags:
            description += rng.choice(
                ("已完成数字化车间改造。", "设有企业研发中心。", "产品出口欧美、中东和东南亚。")
            )
        contact = self.contact(OrgKind.ENTERPRISE)
        pending = rng.random() < PENDING_SHARE
        return OrgSpec(
            kind=OrgKind.ENTERPRISE,
            name=name,
            district=segment.district,
            credit_code=self.credit_code(COMPANY, segment.district, founded),
            industries=tuple(industries.split()),
            admin=contact.username,
            verifier=self.verifier(segment.district),
            status=OrgStatus.PENDING if pending else OrgStatus.VERIFIED,
            tags=tuple(tags),
            group=segment.key,
            batch=batch,
            profile={
                "address": address,
                "description": description,
                "founded_on": founded,
                "size_band": size,
                "contact_name": contact.name,
                "contact_mobile": contact.mobile,
                "contact_email": contact.email,
            },
        )

    def shoe_company(self) -> OrgSpec:
        boss = ACCOUNTS_BY_USERNAME["shoe_boss"]
        founded = date(2003, 5, 16)
        return OrgSpec(
            kind=OrgKind.ENTERPRISE,
            name=SHOE_COMPANY,
            district=LUCHENG,
            credit_code=self.credit_code(COMPANY, LUCHENG, founded),
            industries=("C1952", "F5292"),
            admin=boss.username,
            verifier="reviewer_lucheng",
            tags=("above_scale", "tech_sme"),
            group="shoe_lucheng",
            profile={
                "name_en": "Wenzhou Junlv Shoes Co., Ltd.",
                "address": f"{SHUANGYU}中国鞋都一期鞋都大道1116号",
                "description": (
                    "主营女式真皮单鞋和时装女靴，年产能约 120 万双，设有 30 人的设计中心，"
                    "产品内销并出口东欧和中东。正在推进数字化车间改造。"
                ),
                "founded_on": founded,
                "size_band": SizeBand.MEDIUM,
                "contact_name": boss.name,
                "contact_mobile": boss.mobile,
                "contact_email": boss.email,
            },
        )


def generate(scale: int = 1) -> DemoData:
    """The whole data set for `scale` (≥ 1). Pure and deterministic."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    gen = _Generator()
    orgs = [gen.institution(row) for row in read_institutions()]
    orgs.append(gen.shoe_company())
    for batch in range(scale):
        for segment in SEGMENTS:
            orgs.extend(gen.enterprise(segment, batch) for _ in range(segment.count))
        if batch == 0:  # before the next batch draws from the stream: the base set is fixed
            _set_review_mix(orgs, gen.rng)
    owners = library_owners(orgs)
    return DemoData(
        accounts=list(DEMO_ACCOUNTS),
        contacts=gen.contacts,
        orgs=orgs,
        owners=owners,
        resources=library.generate(owners, scale, people=(SURNAMES, GIVEN)),
    )


def library_owners(orgs: list[OrgSpec]) -> list[library.Owner]:
    """The verified institutions (every organisation but the enterprises) publish listings."""
    return [
        library.Owner(o.name, o.kind, o.district, o.profile["address"], o.admin)
        for o in orgs
        if o.kind != OrgKind.ENTERPRISE and o.status == OrgStatus.VERIFIED
    ]


def _set_review_mix(orgs: list[OrgSpec], rng: random.Random) -> None:
    """Two base-set enterprises were rejected (one per reviewer's district)."""
    base = [o for o in orgs if o.kind == OrgKind.ENTERPRISE and o.batch == 0]
    for reason, group in zip(REJECT_REASONS, ("shoe_lucheng", "eyewear_ouhai"), strict=True):
        candidates = [
            o
            for o in base
            if o.group == group and o.status == OrgStatus.VERIFIED and o.name != SHOE_COMPANY
        ]
        chosen = candidates[rng.randrange(len(candidates))]
        chosen.status, chosen.reason = OrgStatus.REJECTED, reason
        chosen.verifier = {LUCHENG: "reviewer_lucheng", OUHAI: "reviewer_ouhai"}[chosen.district]


# ---------------------------------------------------------------------------------------------
# The loader.


@dataclass
class LoadResult:
    users_created: int = 0
    orgs_created: int = 0
    memberships_created: int = 0
    resources_created: dict[str, int] = field(default_factory=dict)  # by kind
    demands_created: dict[str, int] = field(default_factory=dict)  # by status
    dockings_created: dict[str, int] = field(default_factory=dict)  # by status
    vouchers: vouchers.Counts | None = None  # what atelier.demo.vouchers created
    bookings: bookings.Counts | None = None  # what atelier.demo.bookings created
    orders_created: int = 0  # service orders created by atelier.demo.orders
    kpi: kpi.Counts | None = None  # plans, reports and assessments of atelier.demo.kpi
    seconds: float = 0.0
    accounts: list[AccountSpec] = field(default_factory=list)

    @property
    def created_anything(self) -> bool:
        return bool(
            self.users_created
            or self.orgs_created
            or self.memberships_created
            or sum(self.resources_created.values())
            or sum(self.demands_created.values())
            or bool(self.vouchers)
            or bool(self.bookings)
            or self.orders_created
            or bool(self.kpi)
        )


Progress = Callable[[str, int, int], None]  # (what is loaded: 机构 or 资源, done, total)


class _Loader:
    def __init__(self, data: DemoData, progress: Progress | None):
        self.data = data
        self.progress = progress
        self.result = LoadResult(accounts=data.accounts)
        self.districts = {d.code: d for d in District.objects.all()}
        self.industries = {i.code: i for i in Industry.objects.all()}
        self.tags = {t.code: t for t in EnterpriseTag.objects.all()}
        self.users = {
            u.username: u
            for u in User.objects.filter(
                username__in=[a.username for a in data.accounts] + list(data.contacts)
            )
        }
        self.taken_mobiles = set(User.objects.exclude(mobile=None).values_list("mobile", flat=True))
        self.taken_emails = {e.lower() for e in User.objects.values_list("email", flat=True) if e}
        self.existing_codes = set(Organization.objects.values_list("credit_code", flat=True))
        self._password_hash: str | None = None
        self.invitees: list[User] = []

    @property
    def password_hash(self) -> str:
        # Hash once (argon2 is slow on purpose) and reuse it for every demo user.
        if self._password_hash is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def user(self, spec: AccountSpec) -> User:
        if spec.username in self.users:
            return self.users[spec.username]
        mobile = spec.mobile if spec.mobile not in self.taken_mobiles else None
        email = spec.email if spec.email.lower() not in self.taken_emails else ""
        user = User.objects.create(
            username=spec.username,
            password=self.password_hash,
            name=spec.name,
            mobile=mobile,
            email=email,
            role=spec.role,
            district=self.districts[spec.district] if spec.district else None,
            is_superuser=spec.superuser,
            is_staff=spec.superuser,
        )
        self.taken_mobiles.add(mobile)
        self.taken_emails.add(email)
        self.users[spec.username] = user
        self.result.users_created += 1
        return user

    def account(self, username: str) -> User:
        spec = self.data.contacts.get(username) or next(
            a for a in self.data.accounts if a.username == username
        )
        return self.user(spec)

    def org(self, spec: OrgSpec) -> Organization | None:
        if spec.credit_code in self.existing_codes:
            return None
        admin = self.account(spec.admin)
        profile = dict(spec.profile)
        if profile.get("contact_mobile") and profile["contact_mobile"] != admin.mobile:
            profile["contact_mobile"] = admin.mobile or ""  # the spec's number went to someone else
        org = org_actions.organization_register(
            actor=admin,
            kind=spec.kind,
            name=spec.name,
            credit_code=spec.credit_code,
            district=self.districts[spec.district],
            industries=[self.industries[c] for c in spec.industries],
            tags=[self.tags[t] for t in spec.tags],
            require_licence=False,
            **profile,
        )
        if spec.status == OrgStatus.VERIFIED:
            org_actions.organization_verify(
                actor=self.account(spec.verifier), organization=org, note=VERIFY_NOTE
            )
        elif spec.status == OrgStatus.REJECTED:
            org_actions.organization_reject(
                actor=self.account(spec.verifier), organization=org, reason=spec.reason
            )
        self.existing_codes.add(spec.credit_code)
        self.result.orgs_created += 1
        return org

    def invite(self, org_name: str, inviter: str, invitee: str) -> None:
        org = Organization.objects.get(credit_code=self.data.by_name(org_name).credit_code)
        user = self.account(invitee)
        if Membership.objects.filter(organization=org, user=user).exists():
            return
        invitation = org_actions.invitation_create(
            actor=self.account(inviter),
            organization=org,
            contact=user.mobile or user.email,
            role=Membership.Role.MEMBER,
        )
        org_actions.invitation_accept(actor=user, invitation=invitation)
        self.result.memberships_created += 1
        self.invitees.append(user)

    def resources(self) -> None:
        credit = {o.name: o.credit_code for o in self.data.orgs}
        owners = {o.name: o for o in self.data.owners}
        orgs = {
            org.credit_code: org
            for org in Organization.objects.filter(credit_code__in=[credit[n] for n in owners])
        }
        loader = library.LibraryLoader(
            self.data.resources,
            owners=owners,
            organizations={name: orgs[credit[name]] for name in owners},
            account=self.account,
            operator=self.account("operator"),
        )
        progress = (
            (lambda done, total: self.progress("资源", done, total)) if self.progress else None
        )
        self.result.resources_created = dict(loader.run(progress))

    def demand_hall(self) -> None:
        loader = demands.DemandLoader(
            demands.generate(self.data), user=self.user, account=self.account
        )
        progress = (
            (lambda done, total: self.progress("需求", done, total)) if self.progress else None
        )
        counts = loader.run(progress)
        self.result.demands_created = dict(counts.demands)
        self.result.dockings_created = dict(counts.dockings)

    def run(self) -> LoadResult:
        started = time.perf_counter()
        created: list[Organization] = []
        with transaction.atomic():
            # Staff first: registrations notify the operator and the district reviewer.
            for spec in self.data.accounts:
                self.user(spec)
            total = len(self.data.orgs)
            for n, spec in enumerate(self.data.orgs, 1):
                if org := self.org(spec):
                    created.append(org)
                if self.progress and (n % 25 == 0 or n == total):
                    self.progress("机构", n, total)
            for org_name, inviter, invitee in INVITED:
                self.invite(org_name, inviter, invitee)
            self.resources()
        # Outside the transaction: each demand action commits at its back-dated moment.
        self.demand_hall()
        self.result.vouchers = vouchers.load(self.data, account=self.account)
        self.result.bookings = bookings.load(account=self.account)
        self.result.orders_created = orders.load(account=self.account)
        self.result.kpi = kpi.load(account=self.account)
        # The history was bulk-inserted (no signals): the cockpit's cached figures are stale.
        cockpit.invalidate()
        _mark_handled_read(created, self.invitees)
        self.result.seconds = time.perf_counter() - started
        return self.result


def _mark_handled_read(orgs: list[Organization], invitees: list[User]) -> None:
    """Keep the bells meaningful: registrations that staff already decided and invitations that
    were accepted are history, so their notifications are marked read (the open ones stay)."""
    now = timezone.now()
    urls = [o.get_absolute_url() for o in orgs if o.status != OrgStatus.PENDING]
    for start in range(0, len(urls), 500):
        Notification.objects.filter(
            user__role__in=[Role.OPERATOR, Role.REVIEWER],
            read_at__isnull=True,
            url__in=urls[start : start + 500],
        ).update(read_at=now)
    if invitees:
        Notification.objects.filter(
            user__in=invitees, read_at__isnull=True, title__endswith="邀请您加入"
        ).update(read_at=now)


def load(*, scale: int = 1, progress: Progress | None = None) -> LoadResult:
    """Create whatever of the demo data set (at `scale`) is missing; return what was created."""
    return _Loader(generate(scale), progress).run()
