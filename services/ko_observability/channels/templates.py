"""Message templates in English and Chinese: a title and a markdown body from a message dict.

A message dict has ``kind`` (alert, resolved, test, or any other word), ``severity`` (critical,
warning, info), ``cluster`` (may be absent), ``summary`` and ``time`` (ISO 8601). Several messages
that queued behind a rate limit render as one merged message listing each of them.
"""

# ruff: noqa: RUF001, RUF002 - the Chinese texts use full-width punctuation, as Chinese is written

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Language = Literal["zh", "en"]

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "brand": "[KubeOperator]",
        "alert": "Alert",
        "resolved": "Resolved",
        "test": "Test message",
        "other": "Notification",
        "critical": "Critical",
        "warning": "Warning",
        "info": "Info",
        "severity": "Severity",
        "cluster": "Cluster",
        "time": "Time",
        "merged": "{n} notifications (merged under the channel's rate limit)",
        "truncated": "\n\n…(truncated: the message was too long for this channel)",
        "test_summary": "A test message from KubeOperator, sent by {who}: this channel works.",
    },
    "zh": {
        "brand": "【KubeOperator】",
        "alert": "告警",
        "resolved": "已恢复",
        "test": "测试消息",
        "other": "通知",
        "critical": "严重",
        "warning": "警告",
        "info": "提示",
        "severity": "级别",
        "cluster": "集群",
        "time": "时间",
        "merged": "{n} 条通知（超过通道发送频率，已合并）",
        "truncated": "\n\n…（内容过长，已截断）",
        "test_summary": "这是 KubeOperator 的测试消息，由 {who} 发送：此通知通道工作正常。",
    },
}


_KINDS = ("alert", "resolved", "test")


@dataclass(frozen=True)
class Rendered:
    title: str
    text: str  # markdown, starting with the title as a heading
    language: Language
    messages: Sequence[Mapping[str, Any]] = field(default_factory=tuple)

    @property
    def truncation_marker(self) -> str:
        return _WORDS[self.language]["truncated"]


def _time(value: Any) -> str:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _word(words: dict[str, str], key: Any) -> str:
    return words.get(str(key), str(key))


def title(message: Mapping[str, Any], language: Language) -> str:
    """``[KubeOperator] Alert (Critical) · prod-1``, ``【KubeOperator】告警（严重） · prod-1``."""
    w = _WORDS[language]
    kind = str(message.get("kind", "other"))
    head = w["brand"] + ("" if language == "zh" else " ") + w.get(kind if kind in _KINDS else "other", w["other"])
    if message.get("severity") and kind != "test":
        severity = _word(w, message["severity"])
        head += f"（{severity}）" if language == "zh" else f" ({severity})"
    return f"{head} · {message['cluster']}" if message.get("cluster") else head


def render(message: Mapping[str, Any], language: Language) -> Rendered:
    w = _WORDS[language]
    head = title(message, language)
    lines = [f"### {head}", ""]
    if message.get("severity"):
        lines.append(f"- **{w['severity']}**: {_word(w, message['severity'])}")
    if message.get("cluster"):
        lines.append(f"- **{w['cluster']}**: {message['cluster']}")
    lines.append(f"- **{w['time']}**: {_time(message.get('time', ''))}")
    lines += ["", str(message.get("summary", ""))]
    return Rendered(head, "\n".join(lines), language, (message,))


def render_merged(messages: Sequence[Mapping[str, Any]], language: Language) -> Rendered:
    if len(messages) == 1:
        return render(messages[0], language)
    w = _WORDS[language]
    head = w["brand"] + ("" if language == "zh" else " ") + w["merged"].format(n=len(messages))
    lines = [f"### {head}", ""]
    for m in messages:
        where = f" {m['cluster']}" if m.get("cluster") else ""
        severity = _word(w, m.get("severity", "info"))
        lines.append(f"- **{severity}** {_time(m.get('time', ''))}{where}: {m.get('summary', '')}")
    return Rendered(head, "\n".join(lines), language, tuple(messages))


def cap_utf8(text: str, limit: int, marker: str) -> str:
    """``text`` in at most ``limit`` UTF-8 bytes: cut on a character boundary, ``marker`` appended when cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    room = max(0, limit - len(marker.encode()))
    # errors="ignore" drops the partial character a byte cut may leave at the end, never more.
    return data[:room].decode("utf-8", errors="ignore") + marker


def test_message(language: Language, who: str) -> dict[str, Any]:
    summary = _WORDS[language]["test_summary"].format(who=who)
    return {"kind": "test", "severity": "info", "summary": summary, "time": datetime.now(UTC).isoformat()}
