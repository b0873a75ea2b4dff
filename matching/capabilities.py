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
        "不知道从哪 从哪里入手 怎么开始 规划 数字化转型 现状调研 对标 智能制造评估 专精特新 "
        "诊断报告 改造方案 实施路径 可行性",
        "assessment assess diagnos roadmap consult maturity readiness audit where_to_start "
        "transformation_plan strategy gap_analysis benchmark digital_transformation "
        "current_state feasibility where_to_begin",
    ),
    "consulting.training": (
        "培训 技能 课程 教学 上手 学会 员工不会用 带教 认证考试 人才培养 操作培训 实训 讲师 内训 "
        "操作手册 新员工",
        "training train course skill teach upskill workshop coaching learn tutorial onboarding "
        "instructor hands-on lesson curriculum certification",
    ),
    "rd.design": (
        "研发 设计 图纸 cad cae plm 三维 建模 仿真分析 模流 打样 版型 制版 bom 产品数据 开模 "
        "研发管理 图纸管理 设计变更 工程变更 结构设计 三维设计 新品开发 产品开发 图档",
        "design cad cae plm drawing r&d 3d_model prototyp pattern_making product_data bom "
        "engineering_change product_development new_product revision autocad drafting "
        "sample_development tooling mould_design mold_design",
    ),
    "production.mes": (
        "mes 生产执行 车间 报工 工单 工序 在制品 生产管理 生产过程 工艺 派工 看板 产线 班组 计件 "
        "生产进度 进度跟踪 扫码报工 工序流转 生产记录 车间看板 电子看板 良品 物料配送 错料 拆单 "
        "分拣 生产追踪",
        "mes shop_floor shop-floor work_order production_tracking manufacturing_execution "
        "job_ticket wip work_in_progress operator piece_rate production_progress job_tracking "
        "routing traveler work_center labour_tracking labor_tracking output_tracking "
        "production_reporting kitting paper_job_cards",
    ),
    "production.planning": (
        "排产 排程 计划 aps 交期 插单 小批量 柔性 产能 订单排 急单 起订量 换线 换产 计划员 "
        "交货期 延期交货 拖期 产能瓶颈 订单交付 主计划 物料需求 缺料",
        "schedul planning aps capacity due_date rush_order small_batch small-batch flexible "
        "lead_time changeover minimum_order minimum_lot moq lot_size production_plan "
        "late_deliver on-time bottleneck master_schedule material_shortage order_sequenc",
    ),
    "production.iiot": (
        "设备联网 数据采集 采集 plc scada 物联网 传感器 联网 机台 数采 dnc 网关 上云 开机率 oee "
        "稼动率 停机 设备数据 设备状态 plc采集 远程监控 机器数据 边缘计算 联网改造",
        "iiot iot sensor plc scada data_acquisition data_collection machine_connectivity "
        "connect_machine gateway oee uptime downtime telemetry machine_data real-time_data "
        "remote_monitoring edge_comput opc mqtt machine_status",
    ),
    "equipment.maintenance": (
        "维护 维修 保养 预测性 故障 点检 振动 设备监测 设备管理 备件 巡检 坏了 停机损失 "
        "预防性维护 保养计划 维保 润滑 检修 设备台账 报修 故障率 设备寿命 点检表 维修工",
        "maintenance predictive breakdown failure vibration repair spare_part "
        "condition_monitoring equipment_health inspection_route preventive lubricat overhaul "
        "work_request mtbf mttr downtime_reduction asset_management breaks_down broke_down cmms",
    ),
    "quality.inspection": (
        "质检 检测 视觉 瑕疵 缺陷 外观 检验 漏检 ai检测 相机 毛刺 划痕 尺寸测量 人工目检 来料检 "
        "异物 金属检测 x光 在线检测 来料检验 出厂检验 抽检 尺寸检测 色差 漏检率",
        "inspection machine_vision vision defect camera visual scratch burr flaw detect "
        "optical_measurement foreign_object metal_detect x-ray inline_inspection "
        "automated_inspection sorting_defects dimensional_check surface_defect",
    ),
    "quality.traceability": (
        "追溯 溯源 质量管理 qms 批次 不良 质量体系 iso 召回 一物一码 扫码 合格率 返工 客诉 "
        "质量追溯 批次追溯 质检记录 spc 质量数据 不合格品 质量报告 认证审核 食品安全 haccp",
        "traceab trace qms quality_management batch_record lot_tracking recall haccp iso_9001 "
        "nonconform complaint rework scrap_rate spc quality_record quality_control "
        "certificate_of_analysis food_safety audit_trail corrective_action serial_number",
    ),
    "energy.management": (
        "能耗 能源 用电 电费 节能 碳 标煤 水电气 蒸汽 电表 峰谷 光伏 碳排放 碳足迹 锅炉 能效 "
        "用能 耗电 用水 空压机 能耗监测 分项计量 双碳 能源审计",
        "energy electricity power_consumption carbon_emission utility steam meter kwh footprint "
        "esg solar energy_efficiency gas_consumption water_consumption compressed_air submeter "
        "sub-meter energy_audit peak_load power_bill",
    ),
    "safety.ehs": (
        "安全生产 安全 环保 排污 隐患 危化品 消防 应急 废水 废气 vocs 监测 安监 事故 危险源 "
        "安全检查 安全培训 职业健康 特种作业 粉尘 噪声 环评 应急预案 双重预防",
        "safety ehs environmental hazard emission monitoring accident fire wastewater chemical "
        "compliance inspection permit occupational ppe near_miss incident_report risk_assessment "
        "dust noise emergency_plan environmental_permit",
    ),
    "supply.warehouse": (
        "仓库 仓储 库存 wms 出入库 盘点 货位 条码 呆滞 发货 备货 进销存 拣货 库位 找货 仓管 库管 "
        "先进先出 库龄 积压 缺货 收货 入库 库存周转",
        "warehouse inventory stock wms barcode picking pick stocktak bin location shelf storage "
        "replenish stockout out_of_stock expiry shelf_life fifo fefo cold_storage receiving "
        "put-away putaway stock_level inventory_turnover overstock",
    ),
    "supply.logistics": (
        "物流 运输 配送 车辆 调度 tms 送货 司机 冷链 运费 快递 路线 车队 货车 卸货 装卸 月台 "
        "车辆排队 在途 回单 承运商 干线 城配",
        "logistic transport delivery fleet truck tms shipping route freight driver dispatch "
        "cold_chain courier carrier yard_management appointment in-transit proof_of_delivery "
        "last_mile haulage",
    ),
    "supply.procurement": (
        "采购 供应商 srm 询价 比价 招标 原材料 供货 寻源 对账 采购员 采购单 采购订单 供应链协同 "
        "比价单 供应商管理 来料",
        "procure purchas supplier srm sourcing vendor_management rfq tender raw_material "
        "purchase_order supplier_quote supplier_portal component_sourcing",
    ),
    "sales.crm": (
        "客户 crm 销售管理 售后 跟单 回访 工单服务 客服 会员 商机 报价单 销售线索 客户管理 "
        "客户跟进 销售跟进 回款 复购 售后服务 维修工单 经销商管理",
        "crm customer_relationship sales_pipeline after-sales after_sales lead follow_up "
        "service_ticket loyalty member quotation sales_rep follow-up customer_data repeat_order "
        "after-sales_service dealer_management",
    ),
    "sales.ecommerce": (
        "电商 网店 跨境 淘宝 天猫 京东 拼多多 亚马逊 独立站 小程序商城 线上销售 网上卖 订货 "
        "网上商城 线上渠道 店铺 订单同步 一件代发 b2b 阿里巴巴 速卖通",
        "e-commerce ecommerce online_store online_shop cross-border amazon shopify tmall "
        "marketplace webshop online_order online_channel storefront webstore order_sync b2b "
        "aliexpress etsy",
    ),
    "sales.marketing": (
        "营销 直播 带货 抖音 推广 获客 短视频 品牌 私域 引流 广告 小红书 视频号 新媒体 内容运营 "
        "粉丝 曝光 投放 社群 公众号 朋友圈 网红 达人",
        "marketing live_stream livestream advertis campaign social_media brand promot "
        "lead_generation douyin tiktok seo content_marketing followers influencer "
        "wechat_official ads advertising social_selling",
    ),
    "finance.erp": (
        "erp 进销存 企业资源 业财一体 用友 金蝶 成本核算 订单管理 生产成本 一套系统 "
        "业务财务一体化 物料编码 多系统 数据孤岛 信息化系统 用友u8",
        "erp enterprise_resource_planning costing order_management integrated_system sap odoo "
        "bill_of_materials erp_system business_system data_silos single_system master_data "
        "netsuite",
    ),
    "finance.accounting": (
        "财务 记账 会计 发票 税务 报税 费用报销 报销 对账 代账 电子发票 金税 应收 应付 账务 出纳 "
        "增值税 现金流 收款 付款 账期",
        "accounting bookkeep invoice tax finance financial expense reimburse receivable payable "
        "fapiao ledger bookkeeping tax_filing vat cash_flow profit accounts_receivable "
        "accounts_payable cost_accounting",
    ),
    "hr.management": (
        "人事 人力资源 考勤 工资 薪酬 排班 招聘 社保 绩效 打卡 员工管理 算工资 人员管理 员工档案 "
        "计时 工时统计 加班 入职 离职 用工",
        "hr human_resource payroll attendance salary recruit shift roster employee "
        "performance_review timesheet headcount overtime leave_request onboarding_staff "
        "time_clock clock_in workforce",
    ),
    "office.collaboration": (
        "oa 协同办公 审批 办公 钉钉 企业微信 飞书 流程 文档 公文 报批 纸质单据 审批流 文件共享 "
        "内部沟通 线上审批 表单 无纸化 会议",
        "office_automation collaboration approval workflow document_sharing intranet messaging "
        "paperwork e-signature file_sharing internal_communication online_approval paperless",
    ),
    "data.analytics": (
        "报表 看板 数据分析 bi 可视化 驾驶舱 数据平台 数据中台 统计 大屏 excel 数据打通 经营分析 "
        "经营数据 数据看板 日报 周报 经营报表 手机看数 数据可视化",
        "dashboard report analytics bi business_intelligence visuali data_platform kpi "
        "data_warehouse spreadsheet excel daily_report kpis real-time_view management_report "
        "figures_on_phone",
    ),
    "data.ai": (
        "人工智能 ai 算法 智能 预测 优化 大模型 机器学习 决策 需求预测 配方优化 智能推荐 "
        "预测模型 图像识别 智能客服 自动识别 ai模型",
        "artificial_intelligence ai machine_learning algorithm forecast predict optimi llm "
        "chatbot decision demand_forecast recommend image_recognition neural deep_learning "
        "optimization_model",
    ),
    "data.twin": (
        "数字孪生 仿真 模拟 三维可视 虚拟 建模仿真 三维可视化 虚拟工厂 产线仿真 孪生",
        "digital_twin simulation simulat virtual_commission 3d visuali virtual_factory "
        "line_simulation 3d_visualization what-if",
    ),
    "infra.cloud": (
        "上云 云服务 服务器 云主机 迁移 云平台 机房 备份 云存储 托管 服务器老旧 云端 私有云 "
        "公有云 容灾 数据备份 迁移上云",
        "cloud migrat server hosting backup data_centre data_center virtualiz private_cloud "
        "public_cloud disaster_recovery on-premise_server saas_migration aws azure",
    ),
    "infra.network": (
        "网络 5g 专网 wifi 无线 组网 布线 交换机 信号 工业以太网 信号差 信号覆盖 无线覆盖 断网 "
        "网速 掉线 路由器 光纤",
        "network 5g private_network wifi wi-fi wireless lan cabling ethernet connectivity "
        "dead_zone dropout access_point router fibre fiber bandwidth",
    ),
    "infra.security": (
        "网络安全 等保 安全合规 病毒 勒索 防火墙 数据安全 黑客 漏洞 密码 入侵 防病毒 权限管理 "
        "备份恢复 数据泄露 安全审计",
        "cybersecurity security mlps ransomware firewall virus hacker vulnerability compliance "
        "data_protection intrusion antivirus access_control data_leak breach penetration_test "
        "backup_restore",
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
def _compiled() -> dict[str, tuple[re.Pattern | None, frozenset[str]]]:
    """Each code's pattern of ASCII keywords, and the heads a text must hold for it to run."""
    out = {}
    for code in CAPABILITIES:
        zh_words, en_words = _keywords(code)
        ascii_words = [w for w in zh_words if w.isascii()] + en_words
        pattern = (
            re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(_ascii_keyword, ascii_words)) + ")")
            if ascii_words
            else None
        )
        # The first (up to) three characters of every ASCII keyword: a text in which no
        # word starts with one of them cannot match the pattern, so it is not run.
        heads = frozenset(w[:3] for w in ascii_words)
        out[code] = (pattern, heads)
    return out


@lru_cache(maxsize=1)
def _chinese_by_first_character() -> dict[str, list[tuple[str, int, str]]]:
    """(code, position in the code's list, keyword) of every non-ASCII keyword, by its first
    character: a text is searched only for the keywords whose first character it holds."""
    out: dict[str, list[tuple[str, int, str]]] = {}
    for code in CAPABILITIES:
        chinese = [w for w in _keywords(code)[0] if not w.isascii()]
        for i, word in enumerate(chinese):
            out.setdefault(word[0], []).append((code, i, word))
    return out


_WORD_START = re.compile(r"(?<![a-z0-9])[a-z0-9]")


def capability_hits(text: str) -> dict[str, list[str]]:
    """Keywords of each capability found in ``text`` (codes with no hit are absent)."""
    norm = normalise(text)
    chinese: dict[str, list[tuple[int, str]]] = {}
    by_first = _chinese_by_first_character()
    for ch in set(norm).intersection(by_first):
        for code, i, word in by_first[ch]:
            if word in norm:
                chinese.setdefault(code, []).append((i, word))
    starts = [m.start() for m in _WORD_START.finditer(norm)]
    heads = {norm[p : p + 3] for p in starts} | {norm[p : p + 2] for p in starts}
    hits: dict[str, list[str]] = {}
    for code, (pattern, code_heads) in _compiled().items():
        found = [word for _, word in sorted(chinese.get(code, ()))]
        if pattern is not None and not heads.isdisjoint(code_heads):
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
