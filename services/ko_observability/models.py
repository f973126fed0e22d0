"""Tables of the observability service: the declarative base, and every domain's tables registered on it."""

from sqlalchemy.orm import DeclarativeBase

from ko_common.db import new_metadata
from ko_common.events import add_event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


OUTBOX, INBOX = add_event_tables(Base.metadata)

# Imported last (they need Base) so that Base.metadata always holds every table,
# whichever module is imported first: migrations and drift checks rely on it.
from ko_observability.alerts import models as _alerts  # noqa: E402, F401
from ko_observability.channels import models as _channels  # noqa: E402, F401
from ko_observability.health import models as _health  # noqa: E402, F401
from ko_observability.kube_events import models as _kube_events  # noqa: E402, F401
