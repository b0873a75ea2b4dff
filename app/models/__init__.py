"""The domain schema. Import models from here: ``from app.models import Need``."""

from app.models.accounts import (
    ApiToken,
    IdempotencyKey,
    Organisation,
    OrgKind,
    Role,
    User,
    UserSession,
    UserStatus,
    Verification,
)
from app.models.activity import AuditEvent, Notification, Reminder
from app.models.attachments import Attachment
from app.models.conversations import Message, ThreadReport
from app.models.deals import (
    PRICE_PARTS,
    Engagement,
    EngagementStatus,
    Quote,
    QuoteRevision,
    QuoteStatus,
    Rfq,
    RfqStatus,
)
from app.models.jobs import JobStatus, OutboxJob
from app.models.kpis import Outcome
from app.models.listings import Health, ListingSource, ListingStatus, PluginListing
from app.models.mail import MailMessage, MailMode, MailStatus, NotificationPreference
from app.models.milestones import Milestone, MilestoneStatus
from app.models.needs import Match, MatchStatus, Need, NeedStatus, VendorBlock
from app.models.pools import MemberStatus, Pool, PoolMember, PoolQuoteTier, PoolStatus
from app.models.profiles import VendorLogo
from app.models.programmes import (
    Assessment,
    NeedProposal,
    Programme,
    ProgrammeCommitment,
    ProposalStatus,
    SubsidyChoice,
)
from app.models.ranking import ModelStatus, RankerModel
from app.models.reviews import RATING_DIMENSIONS, Review, ReviewFlag, ReviewStatus

__all__ = [
    "PRICE_PARTS",
    "RATING_DIMENSIONS",
    "ApiToken",
    "Assessment",
    "Attachment",
    "AuditEvent",
    "Engagement",
    "EngagementStatus",
    "Health",
    "IdempotencyKey",
    "JobStatus",
    "ListingSource",
    "ListingStatus",
    "MailMessage",
    "MailMode",
    "MailStatus",
    "Match",
    "MatchStatus",
    "MemberStatus",
    "Message",
    "Milestone",
    "MilestoneStatus",
    "ModelStatus",
    "Need",
    "NeedProposal",
    "NeedStatus",
    "Notification",
    "NotificationPreference",
    "OrgKind",
    "Organisation",
    "OutboxJob",
    "Outcome",
    "PluginListing",
    "Pool",
    "PoolMember",
    "PoolQuoteTier",
    "PoolStatus",
    "Programme",
    "ProgrammeCommitment",
    "ProposalStatus",
    "Quote",
    "QuoteRevision",
    "QuoteStatus",
    "RankerModel",
    "Reminder",
    "Review",
    "ReviewFlag",
    "ReviewStatus",
    "Rfq",
    "RfqStatus",
    "Role",
    "SubsidyChoice",
    "ThreadReport",
    "User",
    "UserSession",
    "UserStatus",
    "VendorBlock",
    "VendorLogo",
    "Verification",
]
