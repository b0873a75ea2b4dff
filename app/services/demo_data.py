"""Who and what the demo story (app.services.demo) is about: the SMEs, the vendors and the
admin with their organisations, a city's subsidy programme, and one mill's maturity answers."""

from __future__ import annotations

from datetime import date, timedelta

SMES = [
    (
        "jinxiu@shuzhuan.demo",
        "赖国华",
        "zh",
        {
            "name": "赣州锦绣纺织印染有限公司",
            "industry": "C17",
            "region": "CN-JX",
            "company_size": "small",
            "employees": 160,
            "maturity_level": 1,
            "description": "针织面料织造与染整，客户多为外贸服装品牌，打样单越来越多、越来越小。",
        },
    ),
    (
        "hongda@shuzhuan.demo",
        "钟伟明",
        "zh",
        {
            "name": "赣州宏达染织有限公司",
            "industry": "C17",
            "region": "CN-JX",
            "company_size": "medium",
            "employees": 340,
            "description": "梭织面料染整，两个厂区共30台染缸和6台定型机。",
        },
    ),
    (
        "ruijin@shuzhuan.demo",
        "Chen Fang",
        "en",
        {
            "name": "Ruijin Hengmei Textiles Co., Ltd.",
            "industry": "C17",
            "region": "CN-JX",
            "company_size": "small",
            "employees": 95,
            "description": "Knitted fabric dyeing for sportswear brands: one plant, 10 vats.",
        },
    ),
    (
        "harbour@shuzhuan.demo",
        "Grace Lin",
        "en",
        {
            "name": "Ningbo Harbour Hardware Co., Ltd.",
            "industry": "C33",
            "region": "CN-ZJ",
            "company_size": "small",
            "employees": 85,
            "maturity_level": 2,
            "description": "Stamped and machined hardware for appliance makers; exports to Europe.",
        },
    ),
]

# Vendor accounts join the organisations of bundled plug-ins, found by credit code.
VENDORS = [
    ("vendor@shuzhuan.demo", "刘晓峰", "zh", "91360111MAHY0AFQ40"),  # dye-aps
    ("jobshop@shuzhuan.demo", "陈建国", "zh", "91330106MA1B4YK94Y"),  # jobshop-aps
    ("garment@shuzhuan.demo", "王丽", "zh", "91330502MAE3008P0H"),  # garment-quick-response
    ("wattwise@shuzhuan.demo", "Kevin Huang", "en", "91440305682595370N"),  # wattwise-energy
    ("wms@shuzhuan.demo", "吴海燕", "zh", "91320505MANN202N1T"),  # cloud-wms
    ("vibrasense@shuzhuan.demo", "Daniel Zhou", "en", "913202119376202689"),  # vibrasense-pdm
]

ADMIN = ("admin@shuzhuan.demo", "平台管理员 Admin", "zh")


JIANGXI_PROGRAMME = {
    "name_zh": "赣州市纺织服装产业数字化转型专项补贴",
    "name_en": "Ganzhou textile and apparel digital transformation grant",
    "sponsor": "赣州市中小企业公共服务中心",
    "description": "中小企业数字化转型城市试点：对纺织服装企业采购平台目录内、已认证服务商的"
    "数字化解决方案，按首年费用的30%给予补贴，每家企业最多6万元。项目完成后企业数字化水平须达到二级。",
    "regions": ["CN-JX"],
    "industries": ["C17", "C18"],
    "company_sizes": ["micro", "small", "medium"],
    "capabilities": [
        "production.planning",
        "production.mes",
        "production.iiot",
        "equipment.maintenance",
        "quality.traceability",
        "quality.inspection",
        "energy.management",
    ],
    "eligible_parts": [],
    "share_percent": 30,
    "cap_per_sme": 60000,
    "budget_total": 2000000,
    "starts_on": date.today() - timedelta(days=30),
    "ends_on": date.today() + timedelta(days=335),
    "require_verified_vendor": True,
    "require_listed_solution": True,
    "min_maturity_after": 2,
}

# A level-1 mill (about 28 of 100 points): machines not connected, paper job tickets and
# quality records; the gaps propose connected equipment, shop-floor execution and quality.
JINXIU_ANSWERS = {
    "equipment": 0,
    "network": 1,
    "systems": 1,
    "security": 1,
    "design": 1,
    "planning": 1,
    "execution": 0,
    "quality": 0,
    "maintenance": 1,
    "supply": 1,
    "sales": 1,
    "strategy": 1,
    "skills": 1,
    "data": 1,
    "backoffice": 2,
    "efficiency": 1,
    "defects": 1,
    "energy": 1,
    "returns": 0,
}
