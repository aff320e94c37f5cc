"""Stored notifications, one row per recipient."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fantasy.common.clock import utcnow
from fantasy.common.models import UTCDateTime
from fantasy.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    # The inbox query: a user's newest first, optionally unread only.
    __table_args__ = (
        Index("ix_notifications_user_id_read_at_id", "user_id", "read_at", "id"),
        # A delivery that runs again (a retried job, the outbox sweep beside a slow job) stores nothing twice.
        Index("uq_notifications_user_id_delivery_key", "user_id", "delivery_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    # A deleted league's notifications stay, without it (their data names it); indexed for that deletion.
    league_id: Mapped[int | None] = mapped_column(ForeignKey("leagues.id", ondelete="SET NULL"), nullable=True,
                                                  index=True)
    race_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Set by race-wide deliveries: kind:race:league:token, the token being the scoring event's (PendingDelivery).
    delivery_key: Mapped[str | None] = mapped_column(String(100), nullable=True)


class PendingDelivery(db.Model):
    """A race-wide delivery (one chunk of leagues) not yet stored: written in the scoring's own transaction,
    deleted in the transaction that stores its notifications. A job is queued for it after the commit; the
    outbox sweep (jobs/notifications.py) queues one again for a row still here after PENDING_GRACE, so a
    failure to queue after the commit delays the notifications but never loses them."""

    __tablename__ = "pending_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    # race_id, league_ids and the token of the delivery keys (a fresh one per scoring event).
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
