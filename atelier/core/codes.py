"""Reference code lists for Wenzhou's fashion industry (see ../shared/reference/domain.md §4-5).

These lists seed the District, Industry and EnterpriseTag tables (migration core 0002) and are the
single source for demo data and imports. Codes are stored with their edition: GB/T 2260 county
codes as of the NBS 2023 table, GB/T 4754-2017 industry codes (never mix with the 2002/2011
tables).

Industry and tag names are the stored (Chinese) names; they are marked with gettext_noop so that
makemessages puts them in the catalogs, and the models translate them when displayed.
"""

from django.utils.translation import gettext_noop

# GB/T 2260 / NBS 2023 统计用区划代码: Wenzhou's 12 county-level divisions, in official order.
# 洞头 was 330322 (county) before it became a district; 龙港 (330383) was carved out of 苍南.
WENZHOU_DISTRICTS = [
    ("330302", "鹿城区", "Lucheng"),
    ("330303", "龙湾区", "Longwan"),
    ("330304", "瓯海区", "Ouhai"),
    ("330305", "洞头区", "Dongtou"),
    ("330324", "永嘉县", "Yongjia"),
    ("330326", "平阳县", "Pingyang"),
    ("330327", "苍南县", "Cangnan"),
    ("330328", "文成县", "Wencheng"),
    ("330329", "泰顺县", "Taishun"),
    ("330381", "瑞安市", "Rui'an"),
    ("330382", "乐清市", "Yueqing"),
    ("330383", "龙港市", "Longgang"),
]
OUTSIDE_CODE = "000000"  # 市外: a provider outside Wenzhou (not a GB/T 2260 code)
OUTSIDE_NAME = "市外"
OLD_DISTRICT_CODES = {"330322": "330305"}  # 洞头县 → 洞头区

# Cluster labels used across the platform (facets, statistics, KPI breakdowns).
CLUSTERS = [
    ("shoes", "鞋业"),
    ("leather", "皮革"),
    ("eyewear", "眼镜"),
    ("apparel", "服装"),
    ("accessories", "饰品"),
    ("design", "设计"),
    ("supporting", "配套与服务"),
    ("general", "通用"),
]
# A cluster label used in imports → the GB/T 4754 class that stands for the whole cluster.
CLUSTER_REPRESENTATIVE_INDUSTRY = {
    "shoes": "C195",
    "leather": "C19",
    "eyewear": "C3587",
    "apparel": "C18",
    "accessories": "C1830",
    "design": "M7492",
}

# GB/T 4754-2017 国民经济行业分类 codes for the cluster: (code, name, parent code, cluster).
INDUSTRIES = [
    ("C18", gettext_noop("纺织服装、服饰业"), None, "apparel"),
    ("C181", gettext_noop("机织服装制造"), "C18", "apparel"),
    ("C1811", gettext_noop("运动机织服装制造"), "C181", "apparel"),
    ("C1819", gettext_noop("其他机织服装制造"), "C181", "apparel"),
    ("C182", gettext_noop("针织或钩针编织服装制造"), "C18", "apparel"),
    ("C1821", gettext_noop("运动休闲针织服装制造"), "C182", "apparel"),
    ("C1829", gettext_noop("其他针织或钩针编织服装制造"), "C182", "apparel"),
    ("C1830", gettext_noop("服饰制造"), "C18", "accessories"),
    ("C19", gettext_noop("皮革、毛皮、羽毛及其制品和制鞋业"), None, "leather"),
    ("C1910", gettext_noop("皮革鞣制加工"), "C19", "leather"),
    ("C192", gettext_noop("皮革制品制造"), "C19", "leather"),
    ("C1921", gettext_noop("皮革服装制造"), "C192", "leather"),
    ("C1922", gettext_noop("皮箱、包(袋)制造"), "C192", "leather"),
    ("C1923", gettext_noop("皮手套及皮装饰制品制造"), "C192", "leather"),
    ("C1929", gettext_noop("其他皮革制品制造"), "C192", "leather"),
    ("C193", gettext_noop("毛皮鞣制及制品加工"), "C19", "leather"),
    ("C1931", gettext_noop("毛皮鞣制加工"), "C193", "leather"),
    ("C1932", gettext_noop("毛皮服装加工"), "C193", "leather"),
    ("C1939", gettext_noop("其他毛皮制品加工"), "C193", "leather"),
    ("C195", gettext_noop("制鞋业"), "C19", "shoes"),
    ("C1951", gettext_noop("纺织面料鞋制造"), "C195", "shoes"),
    ("C1952", gettext_noop("皮鞋制造"), "C195", "shoes"),
    ("C1953", gettext_noop("塑料鞋制造"), "C195", "shoes"),
    ("C1954", gettext_noop("橡胶鞋制造"), "C195", "shoes"),
    ("C1959", gettext_noop("其他制鞋业"), "C195", "shoes"),
    ("C2913", gettext_noop("橡胶零件制造"), None, "supporting"),
    ("C2915", gettext_noop("日用及医用橡胶制品制造"), None, "supporting"),
    ("C2924", gettext_noop("泡沫塑料制造"), None, "supporting"),
    ("C2925", gettext_noop("塑料人造革、合成革制造"), None, "supporting"),
    ("C2929", gettext_noop("塑料零件及其他塑料制品制造"), None, "supporting"),
    ("C3360", gettext_noop("金属表面处理及热处理加工"), None, "supporting"),
    ("C3525", gettext_noop("模具制造"), None, "supporting"),
    ("C3552", gettext_noop("皮革、毛皮及其制品加工专用设备制造"), None, "supporting"),
    ("C3553", gettext_noop("缝制机械制造"), None, "supporting"),
    ("C3587", gettext_noop("眼镜制造"), None, "eyewear"),
    ("C4040", gettext_noop("光学仪器制造"), None, "eyewear"),
    ("F5132", gettext_noop("服装批发"), None, "apparel"),
    ("F5133", gettext_noop("鞋帽批发"), None, "shoes"),
    ("F5232", gettext_noop("服装零售"), None, "apparel"),
    ("F5233", gettext_noop("鞋帽零售"), None, "shoes"),
    ("F5236", gettext_noop("钟表、眼镜零售"), None, "eyewear"),
    ("F5292", gettext_noop("互联网零售"), None, "supporting"),
    ("M7452", gettext_noop("检测服务"), None, "supporting"),
    ("M7454", gettext_noop("标准化服务"), None, "supporting"),
    ("M7455", gettext_noop("认证认可服务"), None, "supporting"),
    ("M7491", gettext_noop("工业设计服务"), None, "design"),
    ("M7492", gettext_noop("专业设计服务"), None, "design"),
    ("O8192", gettext_noop("鞋和皮革修理"), None, "shoes"),
]
# Clusters that count as "fashion" in the voucher statistics (seed 004: 时尚产业).
FASHION_CLUSTERS = {"shoes", "leather", "eyewear", "apparel", "accessories", "design"}

ENTERPRISE_TAGS = [
    ("hnte", gettext_noop("高新技术企业")),
    ("tech_sme", gettext_noop("科技型中小企业")),
    ("above_scale", gettext_noop("规上企业")),
    ("leader", gettext_noop("龙头企业")),
    ("listed", gettext_noop("上市企业")),
    ("talent_startup", gettext_noop("高层次人才创业")),
]
