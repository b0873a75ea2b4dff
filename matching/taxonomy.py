"""The shared vocabularies of ../shared/data-formats.md, with labels in both languages.

Every part of Shuzhuan (manifests, forms, search facets, the matcher's
explanations) reads its codes and labels from here, so a code is spelt and
translated once.
"""

from __future__ import annotations

from typing import NamedTuple


class Label(NamedTuple):
    en: str
    zh: str

    def in_lang(self, lang: str | None) -> str:
        """The label in ``lang`` ("zh…" gives Chinese, anything else English)."""
        return self.zh if (lang or "").lower().startswith("zh") else self.en


CAPABILITIES: dict[str, Label] = {
    "consulting.assessment": Label(
        "Digital maturity assessment and transformation roadmap", "数字化诊断与转型规划"
    ),
    "consulting.training": Label("Digital skills training", "数字化技能培训"),
    "rd.design": Label(
        "Product design and R&D management (CAD/CAE/PLM)", "研发设计（CAD/CAE/PLM）"
    ),
    "production.mes": Label(
        "Manufacturing execution, shop-floor management (MES)", "生产执行与车间管理（MES）"
    ),
    "production.planning": Label(
        "Production planning and scheduling (APS), flexible small-batch production",
        "计划排产（APS）与柔性小批量生产",
    ),
    "production.iiot": Label(
        "Equipment connectivity and data acquisition (IIoT, SCADA, PLC)", "设备联网与数据采集"
    ),
    "equipment.maintenance": Label(
        "Equipment monitoring and predictive maintenance", "设备监测与预测性维护"
    ),
    "quality.inspection": Label(
        "Automated quality inspection (machine vision)", "智能质检（机器视觉）"
    ),
    "quality.traceability": Label(
        "Quality management and product traceability (QMS)", "质量管理与产品追溯"
    ),
    "energy.management": Label(
        "Energy monitoring, optimisation and carbon accounting", "能源管理与碳核算"
    ),
    "safety.ehs": Label("Work safety and environmental monitoring", "安全生产与环保监测"),
    "supply.warehouse": Label("Warehouse and inventory management (WMS)", "仓储与库存管理（WMS）"),
    "supply.logistics": Label("Logistics and transport management", "物流运输管理"),
    "supply.procurement": Label(
        "Procurement and supplier collaboration (SRM)", "采购与供应商协同（SRM）"
    ),
    "sales.crm": Label(
        "Customer relationship management and after-sales service", "客户关系管理与售后服务"
    ),
    "sales.ecommerce": Label(
        "E-commerce and online stores, cross-border included", "电子商务（含跨境）"
    ),
    "sales.marketing": Label("Digital marketing and live-stream sales", "数字营销与直播带货"),
    "finance.erp": Label("Enterprise resource planning (ERP)", "企业资源计划（ERP）"),
    "finance.accounting": Label("Cloud accounting, invoicing and tax", "财务、发票与税务"),
    "hr.management": Label("HR, payroll and attendance", "人力资源、薪酬与考勤"),
    "office.collaboration": Label("Office automation and collaboration (OA)", "协同办公（OA）"),
    "data.analytics": Label(
        "Data platform, dashboards and reporting (BI)", "数据平台与可视化分析（BI）"
    ),
    "data.ai": Label("AI models and decision optimisation", "人工智能与决策优化"),
    "data.twin": Label("Digital twin and simulation", "数字孪生与仿真"),
    "infra.cloud": Label("Cloud migration and hosting", "上云与云基础设施"),
    "infra.network": Label("Industrial networks and 5G private networks", "工业网络与5G专网"),
    "infra.security": Label("Cybersecurity and compliance (MLPS 2.0)", "网络安全与等保合规"),
}

# Divisions of GB/T 4754-2017 that SMEs on the platform belong to.
INDUSTRIES: dict[str, Label] = {
    "A01": Label("Agriculture", "农业"),
    "C13": Label("Agri-food processing", "农副食品加工业"),
    "C14": Label("Food manufacturing", "食品制造业"),
    "C15": Label("Beverages and refined tea", "酒、饮料和精制茶制造业"),
    "C17": Label("Textiles", "纺织业"),
    "C18": Label("Apparel and accessories", "纺织服装、服饰业"),
    "C19": Label("Leather, fur, feathers and footwear", "皮革、毛皮、羽毛及其制品和制鞋业"),
    "C20": Label("Wood processing", "木材加工和木、竹、藤、棕、草制品业"),
    "C21": Label("Furniture", "家具制造业"),
    "C22": Label("Paper and paper products", "造纸和纸制品业"),
    "C23": Label("Printing", "印刷和记录媒介复制业"),
    "C24": Label("Stationery, sports and craft goods", "文教、工美、体育和娱乐用品制造业"),
    "C26": Label("Chemicals", "化学原料和化学制品制造业"),
    "C27": Label("Pharmaceuticals", "医药制造业"),
    "C28": Label("Chemical fibres", "化学纤维制造业"),
    "C29": Label("Rubber and plastics", "橡胶和塑料制品业"),
    "C30": Label("Non-metallic minerals (ceramics, glass)", "非金属矿物制品业"),
    "C31": Label("Ferrous metal smelting and rolling", "黑色金属冶炼和压延加工业"),
    "C32": Label("Non-ferrous metal smelting and rolling", "有色金属冶炼和压延加工业"),
    "C33": Label("Metal products", "金属制品业"),
    "C34": Label("General machinery", "通用设备制造业"),
    "C35": Label("Special machinery", "专用设备制造业"),
    "C36": Label("Automotive", "汽车制造业"),
    "C37": Label("Rail, ship and aerospace equipment", "铁路、船舶、航空航天和其他运输设备制造业"),
    "C38": Label("Electrical machinery", "电气机械和器材制造业"),
    "C39": Label("Electronics", "计算机、通信和其他电子设备制造业"),
    "C40": Label("Instruments and meters", "仪器仪表制造业"),
    "C41": Label("Other manufacturing", "其他制造业"),
    "E48": Label("Civil engineering", "土木工程建筑业"),
    "F51": Label("Wholesale", "批发业"),
    "F52": Label("Retail", "零售业"),
    "G54": Label("Road transport", "道路运输业"),
    "G59": Label("Warehousing", "装卸搬运和仓储业"),
    "H61": Label("Accommodation", "住宿业"),
    "H62": Label("Catering", "餐饮业"),
    "I64": Label("Internet services", "互联网和相关服务"),
    "I65": Label("Software and IT services", "软件和信息技术服务业"),
    "L72": Label("Business services and consulting", "商务服务业"),
    "M75": Label("Technology promotion", "科技推广和应用服务业"),
}

# ISO 3166-2:CN codes of the 31 provincial divisions of mainland China.
REGIONS: dict[str, Label] = {
    "CN-BJ": Label("Beijing", "北京"),
    "CN-TJ": Label("Tianjin", "天津"),
    "CN-HE": Label("Hebei", "河北"),
    "CN-SX": Label("Shanxi", "山西"),
    "CN-NM": Label("Inner Mongolia", "内蒙古"),
    "CN-LN": Label("Liaoning", "辽宁"),
    "CN-JL": Label("Jilin", "吉林"),
    "CN-HL": Label("Heilongjiang", "黑龙江"),
    "CN-SH": Label("Shanghai", "上海"),
    "CN-JS": Label("Jiangsu", "江苏"),
    "CN-ZJ": Label("Zhejiang", "浙江"),
    "CN-AH": Label("Anhui", "安徽"),
    "CN-FJ": Label("Fujian", "福建"),
    "CN-JX": Label("Jiangxi", "江西"),
    "CN-SD": Label("Shandong", "山东"),
    "CN-HA": Label("Henan", "河南"),
    "CN-HB": Label("Hubei", "湖北"),
    "CN-HN": Label("Hunan", "湖南"),
    "CN-GD": Label("Guangdong", "广东"),
    "CN-GX": Label("Guangxi", "广西"),
    "CN-HI": Label("Hainan", "海南"),
    "CN-CQ": Label("Chongqing", "重庆"),
    "CN-SC": Label("Sichuan", "四川"),
    "CN-GZ": Label("Guizhou", "贵州"),
    "CN-YN": Label("Yunnan", "云南"),
    "CN-XZ": Label("Tibet", "西藏"),
    "CN-SN": Label("Shaanxi", "陕西"),
    "CN-GS": Label("Gansu", "甘肃"),
    "CN-QH": Label("Qinghai", "青海"),
    "CN-NX": Label("Ningxia", "宁夏"),
    "CN-XJ": Label("Xinjiang", "新疆"),
}

# "*" in an offering's industries or regions: any industry / nationwide or remote delivery.
ANY = "*"
ANY_LABEL = Label("Any / nationwide", "不限 / 全国")

COMPANY_SIZES: dict[str, Label] = {
    "micro": Label("Micro (under 20 employees)", "微型（20人以下）"),
    "small": Label("Small (20-299 employees)", "小型（20-299人）"),
    "medium": Label("Medium (300-999 employees)", "中型（300-999人）"),
}

PRICE_MODELS: dict[str, Label] = {
    "one_off": Label("One-off", "一次性"),
    "subscription_year": Label("Yearly subscription", "按年订阅"),
    "subscription_month": Label("Monthly subscription", "按月订阅"),
    "usage": Label("Pay per use", "按量计费"),
}

DEPLOYMENTS: dict[str, Label] = {
    "saas": Label("SaaS (cloud)", "SaaS 云服务"),
    "on_prem": Label("On-premises", "本地部署"),
    "hybrid": Label("Hybrid", "混合部署"),
}

MATURITY_LEVELS: dict[int, Label] = {
    1: Label("Level 1 (20-40 points)", "一级（20-40分）"),
    2: Label("Level 2 (40-60 points)", "二级（40-60分）"),
    3: Label("Level 3 (60-80 points)", "三级（60-80分）"),
    4: Label("Level 4 (80+ points)", "四级（80分以上）"),
}

LANGS = ("zh", "en")


def label(vocabulary: dict, code, lang: str | None) -> str:
    """The label of ``code`` in ``vocabulary`` in ``lang``; unknown codes are shown as they are."""
    if code == ANY:
        return ANY_LABEL.in_lang(lang)
    found = vocabulary.get(code)
    return found.in_lang(lang) if found else str(code)
