"""Findings that do not come from the API server: the certificates' expiry (from the deployment
service's certificate checks) and the backups (from the backup service's events).

Certificates: the soonest expiry of the last check; a certificate that expires within
``certificate_warning_days`` is ``certificate-expiring``, one already expired ``certificate-expired``.
Backups: only a cluster with an enabled backup strategy is expected to have recent backups: its last
backup having failed is ``backup-failed``; no good backup within ``backup_max_age_hours`` (counted from
the last good one, or from when the strategy was enabled when there is none) is ``backup-too-old``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ko_observability.health.models import ClusterHealth
from ko_observability.health.probe import Finding


@dataclass(frozen=True)
class FactsPolicy:
    certificate_warning_days: int = 30
    backup_max_age_hours: float = 48.0


def findings(row: ClusterHealth, now: datetime, policy: FactsPolicy) -> list[Finding]:
    return [*_certificates(row, now, policy), *_backups(row, now, policy)]


def _certificates(row: ClusterHealth, now: datetime, policy: FactsPolicy) -> list[Finding]:
    expires = row.certificates_expire_at
    if expires is None:
        return []
    what = row.certificates_soonest or "a certificate"
    if expires <= now:
        return [Finding("certificate-expired", what, f"The certificate {what} expired on {expires:%Y-%m-%d}.")]
    days = (expires - now).days
    if days < policy.certificate_warning_days:
        message = f"The certificate {what} expires on {expires:%Y-%m-%d} (in {days} days): renew the certificates."
        return [Finding("certificate-expiring", what, message)]
    return []


def _backups(row: ClusterHealth, now: datetime, policy: FactsPolicy) -> list[Finding]:
    if not row.backup_schedule_since:
        return []
    out = []
    if row.last_backup_failed_at and (row.last_backup_at is None or row.last_backup_failed_at > row.last_backup_at):
        out.append(
            Finding("backup-failed", None, f"The last backup failed ({row.last_backup_failed_at:%Y-%m-%d %H:%M} UTC).")
        )
    since = max(filter(None, (row.last_backup_at, row.backup_schedule_since)))
    if now - since > timedelta(hours=policy.backup_max_age_hours):
        if row.last_backup_at is None:
            message = f"No backup succeeded since the schedule was enabled ({since:%Y-%m-%d %H:%M} UTC)."
        else:
            hours = policy.backup_max_age_hours
            message = f"The last good backup is from {since:%Y-%m-%d %H:%M} UTC, older than {hours:g} h."
        out.append(Finding("backup-too-old", None, message))
    return out
