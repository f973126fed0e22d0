"""Tables of the backup service: the declarative base, and every domain's tables registered on it."""

from sqlalchemy.orm import DeclarativeBase

from ko_common.db import new_metadata
from ko_common.events import add_event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


OUTBOX, INBOX = add_event_tables(Base.metadata)

# Imported last (they need Base) so that Base.metadata always holds every table,
# whichever module is imported first: migrations and drift checks rely on it.
from ko_backup.accounts import models as _accounts  # noqa: E402, F401
from ko_backup.backups import models as _backups  # noqa: E402, F401
from ko_backup.strategies import models as _strategies  # noqa: E402, F401
