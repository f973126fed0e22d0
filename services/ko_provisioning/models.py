"""Tables of the provisioning service: the declarative base, and every domain's tables registered on it."""

from sqlalchemy.orm import DeclarativeBase

from ko_common.db import new_metadata
from ko_common.events import add_event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


OUTBOX, INBOX = add_event_tables(Base.metadata)

# Imported last (they need Base) so that Base.metadata always holds every table,
# whichever module is imported first: migrations and drift checks rely on it.
from ko_provisioning.operations import models as _operations  # noqa: E402, F401
from ko_provisioning.workspaces import models as _workspaces  # noqa: E402, F401
