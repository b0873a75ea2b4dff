"""Capability codes inferred from free text in Chinese or English.

SME owners describe symptoms ("the dyeing vats waste steam"), not taxonomy
codes. A bilingual keyword lexicon maps words of either language to the codes
of ``matching.taxonomy.CAPABILITIES``; that shared code space is the matcher's
bridge across languages (a Chinese need meets an English offering through the
codes both infer). English keywords match at the start of a word, so
"schedul" covers "schedule", "scheduling"; Chinese keywords match as substrings.
"""

from __future__ import annotations

import re
from functools import lru_cache

from matching.taxonomy import CAPABILITIES
from matching.text import normalise

# code -> (Chinese keywords, English keyword stems). Weights are equal: a code's
# score is how many distinct keywords hit, which keeps the lexicon easy to extend.
LEXICON: dict[str, tuple[str, str]] = {
    "consulting.assessment": (
        "诊断 评估 评测 转型规划 路线图 咨询 顶层设计 数字化水平 成熟度 两化融合 补贴申报 "
        "不知道从哪 从哪里入手 怎么开始 规划",
        "assessment assess diagnos roadmap consult maturity readiness audit where_to_start "
        "transformation_plan strategy",
    ),
    "consulting.training": (
        "培训 技能 课程 教学 上手 学会 员工不会用 带教 认证考试 人才培养",
        "training train course skill teach upskill workshop coaching learn",
    ),
    "rd.design": (
        "研发 设计 图纸 cad cae plm 三维 建模 仿真分析 模流 打样 版型 制版 bom 产品数据 开模",
        "design cad cae plm drawing r&d 3d_model prototyp pattern_making product_data bom "
        "engineering_change",
    ),
    "production.mes": (
        "mes 生产执行 车间 报工 工单 工序 在制品 生产管理 生产过程 工艺 派工 看板 产线 班组 计件",
        "mes shop_floor shop-floor work_order production_tracking manufacturing_execution "
        "job_ticket wip work_in_progress operator piece_rate",
    ),
    "production.planning": (
        "排产 排程 计划 aps 交期 插单 小批量 柔性 产能 订单排 急单 起订量 换线 换产",
        "schedul planning aps capacity due_date rush_order small_batch small-batch flexible "
        "lead_time changeover minimum_order minimum_lot moq lot_size",
    ),
    "production.iiot": (
        "设备联网 数据采集 采集 plc scada 物联网 传感器 联网 机台 数采 dnc 网关 上云 开机率 "
        "oee 稼动率 停机 设备数据",
        "iiot iot sensor plc scada data_acquisition data_collection machine_connectivity "
        "connect_machine gateway oee uptime downtime telemetry",
    ),
    "equipment.maintenance": (
        "维护 维修 保养 预测性 故障 点检 振动 设备监测 设备管理 备件 巡检 坏了 停机损失",
        "maintenance predictive breakdown failure vibration repair spare_part "
        "condition_monitoring equipment_health inspection_route",
    ),
    "quality.inspection": (
        "质检 检测 视觉 瑕疵 缺陷 外观 检验 漏检 ai检测 相机 毛刺 划痕 尺寸测量 人工目检 来料检",
        "inspection machine_vision vision defect camera visual scratch burr flaw detect "
        "optical_measurement",
    ),
    "quality.traceability": (
        "追溯 溯源 质量管理 qms 批次 不良 质量体系 iso 召回 一物一码 扫码 合格率 返工 客诉",
        "traceab trace qms quality_management batch_record lot_tracking recall haccp iso_9001 "
        "nonconform "
        "complaint rework scrap_rate",
    ),
    "energy.management": (
        "能耗 能源 用电 电费 节能 碳 标煤 水电气 蒸汽 电表 峰谷 光伏 碳排放 碳足迹 锅炉",
        "energy electricity power_consumption carbon_emission utility steam meter kwh "
        "footprint esg solar",
    ),
    "safety.ehs": (
        "安全生产 安全 环保 排污 隐患 危化品 消防 应急 废水 废气 vocs 监测 安监 事故",
        "safety ehs environmental hazard emission monitoring accident fire wastewater "
        "chemical compliance inspection permit",
    ),
    "supply.warehouse": (
        "仓库 仓储 库存 wms 出入库 盘点 货位 条码 呆滞 发货 备货 进销存 拣货 库位 找货",
        "warehouse inventory stock wms barcode picking pick stocktak bin location shelf "
        "storage replenish",
    ),
    "supply.logistics": (
        "物流 运输 配送 车辆 调度 tms 送货 司机 冷链 运费 快递 路线",
        "logistic transport delivery fleet truck tms shipping route freight driver "
        "dispatch cold_chain courier",
    ),
    "supply.procurement": (
        "采购 供应商 srm 询价 比价 招标 原材料 供货 寻源 对账",
        "procure purchas supplier srm sourcing vendor_management rfq tender raw_material",
    ),
    "sales.crm": (
        "客户 crm 销售管理 售后 跟单 回访 工单服务 客服 会员 商机 报价单 销售线索",
        "crm customer_relationship sales_pipeline after-sales after_sales lead follow_up "
        "service_ticket loyalty member quotation",
    ),
    "sales.ecommerce": (
        "电商 网店 跨境 淘宝 天猫 京东 拼多多 亚马逊 独立站 小程序商城 线上销售 网上卖 订货",
        "e-commerce ecommerce online_store online_shop cross-border amazon shopify tmall "
        "marketplace webshop online_order",
    ),
    "sales.marketing": (
        "营销 直播 带货 抖音 推广 获客 短视频 品牌 私域 引流 广告 小红书 视频号",
        "marketing live_stream livestream advertis campaign social_media brand promot "
        "lead_generation douyin tiktok seo",
    ),
    "finance.erp": (
        "erp 进销存 企业资源 业财一体 用友 金蝶 成本核算 订单管理 生产成本 一套系统",
        "erp enterprise_resource_planning costing order_management integrated_system "
        "sap odoo bill_of_materials",
    ),
    "finance.accounting": (
        "财务 记账 会计 发票 税务 报税 费用报销 报销 对账 代账 电子发票 金税 应收 应付",
        "accounting bookkeep invoice tax finance financial expense reimburse "
        "receivable payable fapiao ledger",
    ),
    "hr.management": (
        "人事 人力资源 考勤 工资 薪酬 排班 招聘 社保 绩效 打卡 员工管理 算工资",
        "hr human_resource payroll attendance salary recruit shift roster employee "
        "performance_review timesheet",
    ),
    "office.collaboration": (
        "oa 协同办公 审批 办公 钉钉 企业微信 飞书 流程 文档 公文 报批 纸质单据",
        "office_automation collaboration approval workflow document_sharing intranet "
        "messaging paperwork",
    ),
    "data.analytics": (
        "报表 看板 数据分析 bi 可视化 驾驶舱 数据平台 数据中台 统计 大屏 excel 数据打通 经营分析",
        "dashboard report analytics bi business_intelligence visuali data_platform kpi "
        "data_warehouse spreadsheet excel",
    ),
    "data.ai": (
        "人工智能 ai 算法 智能 预测 优化 大模型 机器学习 决策 需求预测 配方优化",
        "artificial_intelligence ai machine_learning algorithm forecast predict optimi "
        "llm chatbot decision",
    ),
    "data.twin": (
        "数字孪生 仿真 模拟 三维可视 虚拟 建模仿真",
        "digital_twin simulation simulat virtual_commission 3d visuali",
    ),
    "infra.cloud": (
        "上云 云服务 服务器 云主机 迁移 云平台 机房 备份 云存储 托管",
        "cloud migrat server hosting backup data_centre data_center virtualiz",
    ),
    "infra.network": (
        "网络 5g 专网 wifi 无线 组网 布线 交换机 信号 工业以太网",
        "network 5g private_network wifi wi-fi wireless lan cabling ethernet connectivity",
    ),
    "infra.security": (
        "网络安全 等保 安全合规 病毒 勒索 防火墙 数据安全 黑客 漏洞 密码",
        "cybersecurity security mlps ransomware firewall virus hacker vulnerability "
        "compliance data_protection",
    ),
}


def _keywords(code: str) -> tuple[list[str], list[str]]:
    zh, en = LEXICON[code]
    label = CAPABILITIES[code]
    zh_words = zh.split() + [w for w in re.split(r"[（）()、与和，,]", label.zh) if len(w) >= 2]
    # English keywords come from the lexicon only: the labels' words ("machine", "production")
    # are too generic to signal one capability.
    en_words = [w.replace("_", " ") for w in en.split()]
    return list(dict.fromkeys(w.lower() for w in zh_words)), list(dict.fromkeys(en_words))


def _ascii_keyword(word: str) -> str:
    # Short keywords ("ai", "oa", "5g") must be whole words; longer ones are stems.
    escaped = re.escape(word)
    return escaped + r"(?![a-z0-9])" if len(word) <= 3 else escaped


@lru_cache(maxsize=1)
def _compiled() -> dict[str, tuple[tuple[str, ...], re.Pattern | None]]:
    out = {}
    for code in CAPABILITIES:
        zh_words, en_words = _keywords(code)
        cjk = tuple(w for w in zh_words if not w.isascii())
        ascii_words = [w for w in zh_words if w.isascii()] + en_words
        pattern = (
            re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(_ascii_keyword, ascii_words)) + ")")
            if ascii_words
            else None
        )
        out[code] = (cjk, pattern)
    return out


def capability_hits(text: str) -> dict[str, list[str]]:
    """Keywords of each capability found in ``text`` (codes with no hit are absent)."""
    norm = normalise(text)
    hits: dict[str, list[str]] = {}
    for code, (cjk, pattern) in _compiled().items():
        found = [w for w in cjk if w in norm]
        if pattern is not None:
            found.extend(dict.fromkeys(m.group(0) for m in pattern.finditer(norm)))
        if found:
            hits[code] = found
    return hits


def suggest_capabilities(text: str, lang: str | None = None) -> list[tuple[str, float]]:
    """Capability codes that ``text`` (Chinese, English or mixed) seems to ask for, best first.

    Scores are in (0, 1]: the share of the strongest code's keyword hits. ``lang`` is
    accepted for symmetry with the rest of the API; both languages are always read.
    """
    del lang  # both lexicons are always applied: needs often mix languages
    hits = capability_hits(text or "")
    if not hits:
        return []
    counts = {code: float(len(words)) for code, words in hits.items()}
    top = max(counts.values())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(code, round(n / top, 4)) for code, n in ranked]
