"""Tables of the deployment service."""

from sqlalchemy.orm import DeclarativeBase

from ko_common.db import new_metadata
from ko_common.events import add_event_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


OUTBOX, INBOX = add_event_tables(Base.metadata)

# Imported last (they need Base) so that Base.metadata always holds every table,
# whichever module is imported first: migrations and drift checks rely on it.
from ko_deployment.clusters import models as _clusters  # noqa: E402, F401
from ko_deployment.compliance import models as _compliance  # noqa: E402, F401
from ko_deployment.operations import models as _operations  # noqa: E402, F401
from ko_deployment.packages import models as _packages  # noqa: E402, F401
