"""Tables of the backup service."""

from ko_common.db import make_base
from ko_common.events import add_event_tables

Base = make_base()
OUTBOX, INBOX = add_event_tables(Base.metadata)
