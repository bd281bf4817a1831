"""Bring the default synonym groups of existing databases up to date with synonyms.txt.

0002 seeds synonyms.txt into an empty table only, so databases created before the file grew from
58 to ~270 groups (everyday complaints → the property or test behind them, trade names ↔
technical names, across shoes, leather, eyewear, apparel, accessories and services) would never
see the new groups, nor the corrections to the old ones (REACH no longer joins 欧盟, 评估 no
longer a test, 中底/鞋垫, 打版/放码, 儿童/童鞋, 商标/品牌, CE/医疗器械 … split).

Operators own the live groups, so the rule is conservative:
- an active group still exactly as 0002 seeded it (same words), and no longer a default, is
  replaced by the current defaults; a group an operator edited or switched off is never touched;
- a current default group whose word set is not in the table yet is added — switched off when it
  shares a word with a group an operator switched off (their decision stands);
- nothing else changes. On a fresh database (0002 seeded the current file) this is a no-op.

Group tokens live in the index, and the domain dictionary changed with this file too, so run
`atelier reindex` after migrating an existing database (see README, Deployment).
"""

from django.db import migrations

# synonyms.txt as 0002 seeded it until this migration (frozen: the file keeps changing).
PREVIOUS_DEFAULTS = (
    "检测 检验 测试 测定 测量 测一下 测测 查一查 查一下 化验 送检 试验 评估 评价",
    "鞋底 大底 外底",
    "中底 内底 鞋垫",
    "鞋面 鞋帮 帮面",
    "开胶 脱胶 脱开 掉底 剥离 剥离强度 粘合 粘接 粘合强度",
    "胶水 胶粘剂 粘合剂 黏合剂 处理剂",
    "刷胶 喷胶 涂胶 上胶",
    "气味 异味 怪味 味道 臭味 散发 挥发性有机物 VOC voc",
    "有害物质 化学物质 化学品 限用物质 有毒 REACH 高关注物质 SVHC",
    "欧盟 出口欧盟 欧洲 德国 EU REACH",
    "发黄 黄变 变黄 耐黄变 泛黄",
    "褪色 掉色 色牢度 染色牢度",
    "防滑 打滑 防滑系数 摩擦系数 抗滑",
    "舒适 舒适性 舒服 舒不舒服 磨脚 挤脚 脚感 穿着体验 实穿",
    "足底压力 足压 足底 步态 生物力学",
    "脚型 足型 脚型数据 足型数据 三维脚型",
    "鞋楦 楦 楦型 楦头 修楦",
    "镜架 眼镜架 框架 镜框 眼镜框",
    "镜片 眼镜片 镜片厂",
    "近视 近视防控 离焦 眼轴",
    "蓝光 防蓝光 蓝光阻隔 滤蓝光",
    "镀层 电镀 涂层 镀膜 表面处理",
    "腐蚀 生锈 锈蚀 发黑 耐腐蚀 耐蚀 盐雾 CASS",
    "镍释放 镍 过敏 皮肤过敏 红痒 致敏",
    "钛 钛材 钛架 β钛 纯钛",
    "焊接 焊点 钎焊 激光焊",
    "板材 醋酸纤维 醋酸板",
    "裂纹 开裂 细裂纹 应力开裂",
    "防水 渗水 透水 脚湿 耐水",
    "防静电 抗静电 静电",
    "设计 设计师 开发 研发 款式 造型",
    "打版 打板 开板 制版 放码 推板 纸样",
    "培训 学习 培养 带徒 取证 证书 职业技能",
    "高企 高新技术企业 高新 研发费用 加计扣除 研发费用加计扣除 减税 税收优惠",
    "专利 发明专利 实用新型 外观设计 知识产权",
    "商标 品牌 注册商标",
    "质押 抵押 融资 贷款 知识产权质押 科技金融",
    "检测报告 报告 CMA CNAS",
    "视觉检测 机器视觉 拍照识别 自动识别 AI质检 质检 漏检 瑕疵检测 缺陷检测",
    "3D打印 增材制造 快速成型",
    "蜡版 蜡模 失蜡浇铸 浇铸 铸造",
    "直播 直播带货 电商 网店 带货",
    "医疗器械 MDR CE 欧代 EUDAMED",
    "临床试验 临床 临床评价 医院合作",
    "验光 配镜 视光 眼视光",
    "头晕 眼胀 不适 视疲劳",
    "碳足迹 碳排放 低碳 绿色",
    "可降解 生物降解 环保材料 生物基",
    "糖尿病足 糖尿病 足部溃疡 磨破 护理鞋 功能鞋 健康鞋",
    "老人鞋 老年鞋 中老年鞋 健步鞋",
    "童鞋 儿童鞋 儿童 小孩 孩子 学生鞋",
    "登山鞋 户外鞋 徒步鞋",
    "饰品 首饰 配饰",
    "合金 锌合金 金属",
)


def _key(words) -> frozenset:
    from atelier.search.analysis import normalize

    return frozenset(normalize(w) for w in words if w.strip())


def sync_defaults(SynonymGroup, current: list[list[str]], previous=PREVIOUS_DEFAULTS) -> None:
    """Replace untouched previous defaults by the `current` ones (see the module docstring)."""
    current_keys = {_key(g) for g in current}
    previous_keys = {_key(line.split()) for line in previous}
    present, switched_off = set(), set()
    for group in SynonymGroup.objects.all():
        key = _key(group.words.split())
        if not group.active:
            switched_off |= key  # an operator's decision: kept, and it holds for these words
            present.add(key)
        elif key in previous_keys and key not in current_keys:
            group.delete()  # as seeded, since revised or split: the current defaults replace it
        else:
            present.add(key)
    SynonymGroup.objects.bulk_create(
        [
            SynonymGroup(words=" ".join(g), active=not (_key(g) & switched_off))
            for g in current
            if _key(g) not in present
        ]
    )


def forwards(apps, schema_editor):
    from atelier.search.analysis import default_synonym_groups

    sync_defaults(apps.get_model("search", "SynonymGroup"), default_synonym_groups())


class Migration(migrations.Migration):
    dependencies = [("search", "0004_embeddings")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
