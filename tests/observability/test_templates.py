# ruff: noqa: RUF001 - Chinese text with its full-width punctuation
"""Message templates: English and Chinese, merged messages, and the UTF-8 cap that never splits a character."""

from __future__ import annotations

from ko_observability.channels.templates import cap_utf8, render, render_merged

MESSAGE = {
    "kind": "resolved",
    "severity": "warning",
    "cluster": "prod-1",
    "summary": "etcd member etcd-2 healthy again",
    "time": "2025-03-01T08:00:00+08:00",
}


def test_english_and_chinese() -> None:
    en, zh = render(MESSAGE, "en"), render(MESSAGE, "zh")
    assert en.title == "[KubeOperator] Resolved (Warning) · prod-1"
    assert zh.title == "【KubeOperator】已恢复（警告） · prod-1"
    assert "- **Time**: 2025-03-01 00:00:00 UTC" in en.text and "- **时间**: 2025-03-01 00:00:00 UTC" in zh.text
    assert "- **Severity**: Warning" in en.text and "- **级别**: 警告" in zh.text
    assert en.text.endswith("etcd member etcd-2 healthy again")


def test_merged() -> None:
    merged = render_merged([MESSAGE, MESSAGE | {"severity": "critical", "summary": "node-1 NotReady"}], "zh")
    assert merged.title == "【KubeOperator】2 条通知（超过通道发送频率，已合并）"
    assert merged.text.splitlines()[2:] == [
        "- **警告** 2025-03-01 00:00:00 UTC prod-1: etcd member etcd-2 healthy again",
        "- **严重** 2025-03-01 00:00:00 UTC prod-1: node-1 NotReady",
    ]
    assert render_merged([MESSAGE], "en") == render(MESSAGE, "en")


def test_cap_never_splits_a_character() -> None:
    text = "证书a过期😀" * 300  # 1-, 3- and 4-byte characters
    marker = "…（已截断）"
    for limit in range(len(marker.encode()), 400):
        capped = cap_utf8(text, limit, marker)
        assert len(capped.encode()) <= limit
        assert capped.endswith(marker) and text.startswith(capped.removesuffix(marker))
        assert limit - len(capped.encode()) < 4  # at most one character's bytes left unused
    assert cap_utf8("short", 4096, marker) == "short"
