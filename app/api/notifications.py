"""The signed-in user's notifications: list, unread count, mark read."""

from __future__ import annotations

from app.api import serialize
from app.api.core import operation
from app.api.pagination import paginate
from app.api.schemas import (
    MarkedReadOut,
    NotificationOut,
    NotificationQuery,
    PageQuery,
    UnreadCountOut,
    page_of,
)
from app.services import notify


@operation(
    "GET",
    "/notifications",
    summary="Your notifications, newest first",
    tag="Notifications",
    query=(NotificationQuery, PageQuery),
    response=page_of(NotificationOut),
    problems=(401, 422),
)
def list_notifications(user, query):
    """Each carries its text in your language (``locale`` of your account) and the page it
    is about. ``?unread=true`` lists only those not read yet."""
    filters, page = query
    return paginate(
        notify.notifications_of(user, unread_only=filters.unread), page, serialize.notification
    )


@operation(
    "GET",
    "/notifications/unread-count",
    summary="How many of your notifications are unread",
    tag="Notifications",
    response=UnreadCountOut,
    problems=(401,),
)
def unread_count(user):
    return UnreadCountOut(unread=notify.unread_count(user))


@operation(
    "POST",
    "/notifications/<id:notification_id>/read",
    summary="Mark one notification read",
    tag="Notifications",
    response=NotificationOut,
    problems=(401, 404),
)
def mark_read(user, notification_id: int):
    """Marking a read notification again changes nothing."""
    return serialize.notification(notify.mark_read(user, notification_id))


@operation(
    "POST",
    "/notifications/read-all",
    summary="Mark all your notifications read",
    tag="Notifications",
    response=MarkedReadOut,
    problems=(401,),
)
def mark_all_read(user):
    return MarkedReadOut(marked=notify.mark_all_read(user))
