"""The message one group of notices (one route, one cluster) makes for one channel, in its language: the
channels' message dict (see ``channels.templates``), one line per alert in the summary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ko_observability.alerts.models import Alert, AlertNotice
from ko_observability.alerts.rules import RULES, SEVERITY_RANK

_WORDS = {
    "en": {"firing": "FIRING", "resolved": "RESOLVED", "since": "since", "times": "times"},
    "zh": {"firing": "告警", "resolved": "已恢复", "since": "开始于", "times": "次"},
}


def group_message(
    notices: Sequence[AlertNotice], alerts: dict[str, Alert], language: str, now: datetime
) -> dict[str, Any]:
    w = _WORDS["zh" if language == "zh" else "en"]
    shown = [(n, alerts[n.alert_id]) for n in notices if n.alert_id in alerts]
    lines = []
    for notice, alert in shown:
        what = RULES[alert.rule].title(language) + (f" · {alert.subject}" if alert.subject else "")
        since = alert.started_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        count = f", {alert.count} {w['times']}" if alert.count > 1 else ""
        lines.append(f"- [{w[notice.kind]}] **{what}** ({w['since']} {since}{count}): {alert.message}")
    firing = any(n.kind == "firing" for n, _ in shown)
    worst = max((a.severity for _, a in shown), key=SEVERITY_RANK.__getitem__, default="info")
    return {
        "kind": "alert" if firing else "resolved",
        "severity": worst,
        "cluster": shown[0][1].cluster_name if shown else "",
        "summary": "\n".join(lines),
        "time": now.isoformat(),
    }
