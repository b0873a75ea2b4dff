"""Demo data for a first run, in Chinese and English, told as a story of the marketplace.

Everything is made through the same services the pages use, so the demo also exercises
the rules. Loading it twice changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import Need, Organisation, PluginListing, Role, User
from app.services import (
    accounts,
    assessment,
    kpis,
    milestone_plans,
    milestones,
    needs,
    pool_awards,
    pools,
    programme_admin,
    reviews,
    subsidies,
)
from app.services import engagements as engagement_service
from app.services import quotes as quote_service
from app.services import rfqs as rfq_service
from app.services.demo_data import ADMIN, JIANGXI_PROGRAMME, JINXIU_ANSWERS, SMES, VENDORS
from app.services.plugin_sync import sync_plugins
from plugins.discovery import discover

DEMO_PASSWORD = "shuzhuan-demo"


def demo_accounts() -> list[tuple[str, str, str]]:
    """(email, role, organisation) of every demo account, for the console."""
    rows = db.session.execute(
        sa.select(User.email, User.role, Organisation.name)
        .join(Organisation, User.organisation_id == Organisation.id, isouter=True)
        .where(User.email.like("%@shuzhuan.demo"))
        .order_by(User.role, User.email)
    )
    return [(email, str(role), org or "") for email, role, org in rows]


def load_demo() -> int:
    """Add whatever demo records are missing; return how many were created."""
    report = sync_plugins(
        discover(folders=current_app.config["PLUGIN_FOLDERS"]), auto_publish_bundled=True
    )
    created = len(report.created) + _accounts()
    db.session.flush()
    if not db.session.scalar(sa.select(sa.func.count(Need.id))):
        created += _story()
    return created


def _accounts() -> int:
    created = 0
    email, name, locale = ADMIN
    if not accounts.email_taken(email):
        accounts.create_admin(email, DEMO_PASSWORD, name).locale = locale
        created += 1
    for email, name, locale, org in SMES:
        if not accounts.email_taken(email):
            accounts.register(
                email=email,
                password=DEMO_PASSWORD,
                name=name,
                role=Role.SME,
                organisation=org,
                locale=locale,
                verified=True,
            )
            created += 1
    for email, name, locale, uscc in VENDORS:
        if not accounts.email_taken(email):
            user = accounts.join_organisation(
                email=email,
                password=DEMO_PASSWORD,
                name=name,
                role=Role.VENDOR,
                uscc=uscc,
                verified=True,
            )
            user.locale = locale
            created += 1
    return created


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _listing(slug: str) -> PluginListing:
    return db.session.scalar(sa.select(PluginListing).where(PluginListing.slug == slug))


def _quote(one_off: int, weeks: int, scope: str, *, annual: int = 0) -> dict:
    """A quote whose one-off part splits 50/35/15 into licence, implementation, training."""
    licence = one_off * 50 // 100
    implementation = one_off * 35 // 100
    return {
        "licence": licence,
        "implementation": implementation,
        "training": one_off - licence - implementation,
        "annual_fees": annual,
        "delivery_weeks": weeks,
        "scope": scope,
        "valid_until": date.today() + timedelta(days=60),
    }


def _ask(sme: User, need: Need, slugs: list[str], message: str) -> dict:
    sent = rfq_service.send_rfqs(sme, need, [_listing(s).id for s in slugs], message)
    return {rfq.listing.slug: rfq for rfq in sent}


def _story() -> int:
    """Needs in every state, quotes, an award, reviews with replies, a flagged review; a
    subsidy programme, an assessed mill and a pooled request of three mills."""
    jinxiu, harbour = _user("jinxiu@shuzhuan.demo"), _user("harbour@shuzhuan.demo")
    vendor = {email.split("@")[0]: _user(email) for email, *_ in VENDORS}

    # 0. A Jiangxi textile programme, and the mill's self-assessment before any project.
    programme = programme_admin.create_programme(_user(ADMIN[0]), JIANGXI_PROGRAMME)
    assessment.submit(jinxiu, JINXIU_ANSWERS, lang="zh")

    # 1. Open, two quotes to compare: the mill whose samples are 1 kg and lots 2 tonnes.
    samples = needs.create_need(
        jinxiu,
        {
            "title": "打样单1公斤，染缸最少2吨，排产排不过来",
            "description": "客户打样往往只要1公斤布，可我们的溢流染缸最少要装2吨。小样单只能"
            "单独开缸或者一直压着等，大货交期也被拖。现在全靠计划员用Excel和老师傅经验排，"
            "想要一个能自动拼缸、按色系排序、插单时能重排的系统。共有24台染缸。",
            "industry": "C17",
            "region": "CN-JX",
            "company_size": "small",
            "employees": 160,
            "budget_max": 150000,
            "timeline_weeks": 12,
            "maturity_level": 1,
        },
    )
    asked = _ask(
        jinxiu,
        samples,
        ["dye-aps", "jobshop-aps", "garment-quick-response"],
        "我们有24台染缸，请按此报价，最好能来现场看一下。",
    )
    first = quote_service.submit_quote(
        vendor["vendor"],
        asked["dye-aps"],
        _quote(128000, 8, "拼缸与色系排序排产、24台染缸接入、计划员培训、3个月驻场陪跑"),
    )
    quote_service.revise_quote(
        vendor["vendor"],
        first,
        _quote(118000, 8, "拼缸与色系排序排产、24台染缸接入、计划员培训、3个月驻场陪跑（优惠价）"),
    )
    quote_service.submit_quote(
        vendor["jobshop"],
        asked["jobshop-aps"],
        _quote(76000, 6, "通用多品种小批量排产，Excel 导入订单，远程实施与培训", annual=12000),
    )
    rfq_service.decline_rfq(
        vendor["garment"], asked["garment-quick-response"], "我们专注服装缝制环节，不做染整排产。"
    )
    subsidies.choose_programme(jinxiu, samples, programme, budget_after_subsidy=True)

    # 2. Closed with a five-star review and the vendor's reply: energy accounting.
    energy = needs.create_need(
        jinxiu,
        {
            "title": "水电汽费用太高，想细到每台机器",
            "description": "每月锅炉蒸汽、水、电费用两百多万，不知道哪台机器、哪个班最耗能；"
            "经信局还要每季度报单位产品能耗。想把能耗细到每台设备、每一单货。",
            "industry": "C17",
            "region": "CN-JX",
            "company_size": "small",
            "budget_max": 100000,
            "timeline_weeks": 8,
        },
    )
    rfq = _ask(jinxiu, energy, ["wattwise-energy"], "请报价，含蒸汽流量计。")["wattwise-energy"]
    quote = quote_service.submit_quote(
        vendor["wattwise"],
        rfq,
        _quote(86000, 6, "电、水、蒸汽分项计量，按机台和订单分摊，季度能耗报表"),
    )
    subsidies.choose_programme(jinxiu, energy, programme)
    engagement = engagement_service.award(jinxiu, quote)  # the programme commits 30 % of it
    kpis.record_baseline(jinxiu, engagement, "energy_per_tonne", 412)  # before the work
    engagement_service.complete_engagement(jinxiu, engagement)
    kpis.record_after(jinxiu, engagement, "energy_per_tonne", 379)
    review = reviews.create_review(
        jinxiu,
        engagement,
        {
            "rating": 5,
            "quality": 5,
            "cost": 4,
            "timeliness": 5,
            "support": 5,
            "text": "两个月就看清了每台染缸的蒸汽用量，第一季度省了8%的蒸汽费。",
        },
    )
    reviews.reply(
        vendor["wattwise"], review, "Thank you! We will tune the steam alerts next quarter."
    )

    # 3. Awarded, work under way: a warehouse whose stock counts never match.
    stock = needs.create_need(
        harbour,
        {
            "title": "Stock counts never match the books",
            "description": "We keep 3,000 SKUs of brackets and fasteners in two warehouses. "
            "Every month-end count differs from the ERP and we ship wrong parts. We want "
            "barcode receiving and picking on phones, and alerts when stock runs low.",
            "industry": "C33",
            "region": "CN-ZJ",
            "company_size": "small",
            "budget_max": 60000,
            "timeline_weeks": 6,
        },
    )
    rfq = _ask(harbour, stock, ["cloud-wms"], "Two warehouses, about 3,000 SKUs.")["cloud-wms"]
    quote = quote_service.submit_quote(
        vendor["wms"],
        rfq,
        _quote(42000, 4, "扫码收货、拣货、盘点；两个仓库；库存预警", annual=9800),
    )
    # Paid in stages the enterprise accepts: one accepted, one delivered and waiting.
    milestone_plans.set_quote_plan(
        vendor["wms"],
        quote,
        [
            {
                "name": "Barcode receiving live",
                "share_pct": 40,
                "due_week": 1,
                "criteria": "A week of deliveries received by scanning in both warehouses.",
            },
            {
                "name": "Picking on phones",
                "share_pct": 40,
                "due_week": 3,
                "criteria": "Pick lists on phones; wrong-part shipments tracked for two weeks.",
            },
            {
                "name": "Month-end count",
                "share_pct": 20,
                "due_week": 4,
                "criteria": "The month-end count matches the ERP within 0.5 %.",
            },
        ],
    )
    engagement = engagement_service.award(harbour, quote)
    first, second, _count = milestone_plans.plan_for(engagement)
    milestones.deliver(
        vendor["wms"], first, "Scanners set up in both warehouses; receiving log attached."
    )
    milestones.accept(harbour, first)
    milestones.deliver(vendor["wms"], second, "Pick lists run on six phones since Monday.")

    # 4. Closed with a critical review the vendor flagged: it waits for moderation.
    presses = needs.create_need(
        harbour,
        {
            "title": "Predictive maintenance for our stamping presses",
            "description": "Twelve mechanical presses; a failed gearbox stops a line for days. "
            "We want vibration sensors and warnings before bearings or gearboxes fail.",
            "industry": "C33",
            "region": "CN-ZJ",
            "company_size": "small",
            "budget_max": 120000,
            "timeline_weeks": 10,
        },
    )
    rfq = _ask(harbour, presses, ["vibrasense-pdm"], "Twelve presses, two shifts.")[
        "vibrasense-pdm"
    ]
    quote = quote_service.submit_quote(
        vendor["vibrasense"], rfq, _quote(98000, 5, "24 sensors, gateway, dashboard, training")
    )
    engagement = engagement_service.award(harbour, quote)
    engagement_service.complete_engagement(harbour, engagement)
    review = reviews.create_review(
        harbour,
        engagement,
        {
            "rating": 2,
            "quality": 3,
            "cost": 2,
            "timeliness": 1,
            "support": 2,
            "text": "Sensors arrived three weeks late and nobody told us why.",
        },
    )
    reviews.flag(
        vendor["vibrasense"],
        review,
        "The delay came from the customer's own electrical work; we have the e-mails.",
    )

    # 5. Cancelled, and 6. a draft still being written.
    erp = needs.create_need(
        harbour,
        {
            "title": "Replace our spreadsheets with an ERP",
            "description": "Orders, purchasing and invoicing live in Excel files.",
            "industry": "C33",
            "region": "CN-ZJ",
            "budget_max": 80000,
        },
    )
    needs.cancel_need(harbour, erp, "Postponed to next year's budget.")
    needs.create_need(
        jinxiu,
        {
            "title": "质检记录还在纸上",
            "description": "验布、色差检验都记在纸上，客户投诉时查不到是哪一缸、哪一班。",
            "industry": "C17",
            "region": "CN-JX",
        },
        draft=True,
    )

    # 7. A pooled request of three Jiangxi mills: vibration monitoring, quoted with tiers.
    _pool(jinxiu, vendor["vibrasense"])
    return 8


def _pool(jinxiu: User, vibrasense: User) -> None:
    hongda, ruijin = _user("hongda@shuzhuan.demo"), _user("ruijin@shuzhuan.demo")
    pool = pools.open_pool(
        hongda,
        {
            "title": "赣州染厂联合采购：染缸与定型机振动监测",
            "description": "几家染厂的染缸循环泵和定型机风机经常突然坏，一停就是两三天。"
            "想一起请一家服务商装振动传感器，提前预警轴承和齿轮箱故障，按厂分别实施和结算。",
            "budget_max": 70000,
            "timeline_weeks": 8,
            "capabilities": ["equipment.maintenance", "production.iiot"],
        },
        {"company_size": "medium", "sites": 2},
    )
    pools.join(ruijin, pool, {"company_size": "small", "sites": 1})
    pools.join(jinxiu, pool, {"company_size": "small", "sites": 1})
    rfq = _ask(hongda, pool.lead_need, ["vibrasense-pdm"], "三家染厂，共4个厂区，请按每家报价。")[
        "vibrasense-pdm"
    ]
    quote = quote_service.submit_quote(
        vibrasense,
        rfq,
        _quote(60000, 6, "Per mill: 16 sensors, one gateway, alerts dashboard, on-site training"),
    )
    pools.set_tiers(
        vibrasense, quote, [{"min_members": 2, "price": 52000}, {"min_members": 3, "price": 45000}]
    )
    pools.close_joining(hongda, pool)
    pool_awards.accept(ruijin, pool, quote)  # one member accepts for itself …
    pool_awards.agree(jinxiu, pool, quote)  # … another agrees and the organiser awards it
    pool_awards.award_agreed(hongda, pool, quote)
