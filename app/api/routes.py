"""Routes of the JSON API: importing the resource modules registers their operations."""

from app.api import (  # noqa: F401
    accounts,
    admin,
    attachments,
    conversations,
    deals,
    docs,
    milestones,
    needs,
    notifications,
    outcomes,
    plugins,
    pools,
    programmes,
    reviews,
)
