"""Tables of the provisioning service."""

from sqlalchemy.orm import DeclarativeBase

from ko_common.db import new_metadata
from ko_common.events import add_event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


OUTBOX, INBOX = add_event_tables(Base.metadata)
