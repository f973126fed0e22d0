"""Events of backup strategies (payloads never carry an account's settings)."""

from ko_backup.strategies.schemas import StrategyEvent
from ko_common.events import event_spec

STRATEGY_UPDATED = event_spec(
    "ko.backup.strategy.updated", StrategyEvent, "A cluster's backup strategy was set or changed."
)
STRATEGY_DELETED = event_spec(
    "ko.backup.strategy.deleted", StrategyEvent, "A cluster's backup strategy was removed: no more scheduled backups."
)
STRATEGY_RUN_FAILED = event_spec(
    "ko.backup.strategy.run-failed",
    StrategyEvent,
    "A scheduled backup could not start (cluster busy or not running, account gone); last_error says why.",
)
