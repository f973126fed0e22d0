"""Cron expressions of strategies, read by croniter: five fields, in UTC, and one that fires at all."""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import CroniterError, croniter

EXAMPLE = "`0 2 * * *` (02:00 UTC every day)"


def problem(expr: str) -> str | None:
    """Why ``expr`` is no usable schedule, as a sentence naming the fix; None when it is one."""
    if len(expr.split()) != 5:
        return (f"use 5 fields (minute hour day-of-month month day-of-week, in UTC), e.g. {EXAMPLE}; "
                "seconds and @-names are not taken")  # fmt: skip
    try:
        next_after(expr, datetime.now(UTC))
    except (CroniterError, ValueError) as exc:
        # CroniterBadDateError: valid fields that never meet (e.g. 30 February).
        return f"is not a cron expression that fires ({exc}): e.g. {EXAMPLE}"
    return None


def next_after(expr: str, moment: datetime) -> datetime:
    """The first time strictly after ``moment`` that ``expr`` names, in UTC."""
    value = croniter(expr, moment.astimezone(UTC)).get_next(datetime)
    assert isinstance(value, datetime)
    return value.astimezone(UTC)
