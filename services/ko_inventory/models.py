"""Tables of the inventory service: the declarative base, and every domain's tables registered on it."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from ko_common.db import NAMING_CONVENTION
from ko_common.events import add_event_tables


# A class statement rather than ko_common.db.make_base(): mypy cannot use a
# base class returned by a function, and domain tables subclass this one.
class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


OUTBOX, INBOX = add_event_tables(Base.metadata)

# Imported last (they need Base) so that Base.metadata always holds every table,
# whichever module is imported first: migrations and drift checks rely on it.
from ko_inventory.cloud import models as _cloud  # noqa: E402, F401
from ko_inventory.credentials import models as _credentials  # noqa: E402, F401
from ko_inventory.hosts import models as _hosts  # noqa: E402, F401
from ko_inventory.ippools import models as _ippools  # noqa: E402, F401
from ko_inventory.projects import models as _projects  # noqa: E402, F401
