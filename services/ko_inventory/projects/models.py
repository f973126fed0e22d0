"""The projects table: inventory's copy of the gateway's projects, filled from its events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from ko_common.db import UTCDateTime, utcnow
from ko_inventory.models import Base


class KnownProject(Base):
    """A project announced by ``ko.gateway.project.*``. A deleted project stays as a tombstone
    (ids are never reused), so a late ``created`` or ``updated`` cannot bring it back."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Time of the newest event applied, so an older event delivered late changes nothing.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
