"""Messages to robots and webhooks through the dispatcher of the served service, against local receivers
(tests/fakes/robots.py) that check what DingTalk and WeCom check: signatures, markdown, WeCom's 4,096-byte
cap, errcode failures, retries on 5xx and 429, the rate limit with merging, the webhook's HMAC, restarts."""

# ruff: noqa: RUF001 - Chinese text with its full-width punctuation

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from ko_common.db import utcnow
from tests.fakes.robots import RobotReceiver
from tests.observability.deliveries import alert, enqueue, settled
from tests.observability.support import Observability, dingtalk_body, serve, settings_for
from tests.support.procs import NatsServer, free_port

SIGNING_SECRET = "SEC0123456789abcdef-only-in-tests"


def test_dingtalk_gets_a_signed_markdown_message_in_chinese(
    observability: Observability, dingtalk: RobotReceiver
) -> None:
    channel = observability.create(dingtalk_body(dingtalk.url, SIGNING_SECRET))
    enqueue(observability, channel["id"], [alert("节点 node-2 NotReady 已超过 5 分钟")])
    [delivery] = settled(observability, channel["id"], 1)
    assert (delivery["status"], delivery["attempts"], delivery["answer_status"]) == ("delivered", 1, 200)
    [got] = dingtalk.received
    assert got.answer == {"errcode": 0, "errmsg": "ok"}  # the receiver checked token, timestamp and sign
    markdown = got.json["markdown"]
    assert markdown["title"] == "【KubeOperator】告警（严重） · prod-1" == delivery["title"]
    assert "- **集群**: prod-1" in markdown["text"] and "节点 node-2 NotReady 已超过 5 分钟" in markdown["text"]
    assert markdown["text"].startswith("### 【KubeOperator】告警（严重）")


def test_dingtalk_errcode_is_a_failure_without_retry(observability: Observability, dingtalk: RobotReceiver) -> None:
    wrong_token = dingtalk.url.replace(dingtalk.token, "another-token")
    channel = observability.create(dingtalk_body(wrong_token, SIGNING_SECRET))
    enqueue(observability, channel["id"], [alert("disk full")])
    [delivery] = settled(observability, channel["id"], 1)
    assert (delivery["status"], delivery["attempts"]) == ("failed", 1)
    assert json.loads(delivery["answer"]) == {"errcode": 300001, "errmsg": "token is not exist"}
    assert len(dingtalk.received) == 1


def test_wecom_content_is_capped_at_4096_bytes_on_a_character_boundary(
    observability: Observability, wecom: RobotReceiver
) -> None:
    channel = observability.create({"project_id": "p1", "name": "wecom", "kind": "wecom", "config": {"url": wecom.url}})
    summary = "集群证书将在三十天内过期，请尽快续期。" * 200  # ~11 KiB of 3-byte characters
    enqueue(observability, channel["id"], [alert(summary, severity="warning")])
    [delivery] = settled(observability, channel["id"], 1)
    assert delivery["status"] == "delivered", delivery
    [got] = wecom.accepted
    content = got.json["markdown"]["content"]
    assert 4000 < len(content.encode()) <= 4096
    assert content.endswith("…（内容过长，已截断）") and "\ufffd" not in content
    assert content.startswith("### 【KubeOperator】告警（警告） · prod-1")


def test_5xx_and_429_are_retried_and_the_message_arrives_once(
    observability: Observability, wecom: RobotReceiver
) -> None:
    channel = observability.create({"project_id": "p1", "name": "wecom", "kind": "wecom", "config": {"url": wecom.url}})
    wecom.answer_next(500)
    wecom.answer_next(429)
    wecom.answer_next(200, {"errcode": 45009, "errmsg": "api freq out of limit"})  # WeCom's own "too fast"
    enqueue(observability, channel["id"], [alert("etcd member etcd-3 unhealthy")])
    [delivery] = settled(observability, channel["id"], 1)
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 4)
    assert [r.status for r in wecom.received] == [500, 429, 200, 200]
    assert len(wecom.accepted) == 1


def test_retries_are_bounded(tmp_path: Path, database_url: str, nats_server: NatsServer) -> None:
    settings = settings_for(tmp_path, database_url, nats_server.url, notify_max_attempts=3)
    nobody = f"http://127.0.0.1:{free_port()}/hooks/x"  # nothing listens there
    with serve(settings) as obs:
        channel = obs.create(
            {"project_id": "p1", "name": "hook", "kind": "webhook", "config": {"url": nobody, "secret": "s" * 16}}
        )
        enqueue(obs, channel["id"], [alert("lost cause")])
        [delivery] = settled(obs, channel["id"], 1)
    assert (delivery["status"], delivery["attempts"], delivery["answer_status"]) == ("failed", 3, None)
    assert delivery["answer"] == "could not reach the receiver (ConnectError)"


def test_over_the_rate_limit_messages_queue_and_merge_none_lost(
    observability: Observability, dingtalk: RobotReceiver
) -> None:
    # The product's window is 1 s in these tests (support.FAST); the receiver enforces the same limit.
    dingtalk.window, dingtalk.per_minute = 1.0, 20
    channel = observability.create(dingtalk_body(dingtalk.url, SIGNING_SECRET))
    summaries = [f"pod web-{i} CrashLoopBackOff" for i in range(50)]
    enqueue(observability, channel["id"], [alert(s) for s in summaries])
    deliveries = settled(observability, channel["id"], 50)
    assert {d["status"] for d in deliveries} == {"delivered"}
    assert all(r.answer["errcode"] == 0 for r in dingtalk.received)  # never over the robot's limit
    texts = [r.json["markdown"]["text"] for r in dingtalk.received]
    for s in summaries:  # each message arrived, exactly once
        assert sum(t.count(f"{s}\n") + t.endswith(s) for t in texts) == 1, s
    assert len(dingtalk.received) < 50 and any(d["merged_with"] > 0 for d in deliveries)
    assert any(
        r.json["markdown"]["title"].startswith("【KubeOperator】") and "条通知" in r.json["markdown"]["title"]
        for r in dingtalk.received
    )


def test_within_the_limit_messages_go_alone_beyond_it_they_wait_and_merge(
    observability: Observability, wecom: RobotReceiver
) -> None:
    wecom.window, wecom.per_minute = 1.0, 2  # the product's window is 1 s here (support.FAST)
    channel = observability.create(
        {
            "project_id": "p1",
            "name": "slow",
            "kind": "wecom",
            "language": "en",
            "rate_limit_per_minute": 2,
            "config": {"url": wecom.url},
        }
    )
    enqueue(observability, channel["id"], [alert("first")])
    settled(observability, channel["id"], 1)
    enqueue(observability, channel["id"], [alert("second")])
    settled(observability, channel["id"], 2)
    # The window is full: these queue, and go as one message when it has room again.
    queued = [f"queued {i}" for i in range(8)]
    enqueue(observability, channel["id"], [alert(q) for q in queued[:5]])
    enqueue(observability, channel["id"], [alert(q) for q in queued[5:]])
    deliveries = settled(observability, channel["id"], 10)
    assert {d["status"] for d in deliveries} == {"delivered"}
    first, second, merged = wecom.received  # all accepted: the receiver's own limit was never hit
    assert all(r.answer["errcode"] == 0 for r in wecom.received)
    assert merged.at - first.at >= 0.95
    assert "first" in first.json["markdown"]["content"] and "second" in second.json["markdown"]["content"]
    content = merged.json["markdown"]["content"]
    assert content.startswith("### [KubeOperator] 8 notifications (merged under the channel's rate limit)")
    assert all(content.count(f": {q}") == 1 for q in queued)
    assert sorted(d["merged_with"] for d in deliveries) == [0, 0] + [7] * 8


def test_webhook_body_is_signed(observability: Observability, webhook: RobotReceiver) -> None:
    assert webhook.secret is not None
    channel = observability.create(
        {
            "project_id": "p1",
            "name": "hook",
            "kind": "webhook",
            "language": "en",
            "config": {"url": webhook.url, "secret": webhook.secret},
        }
    )
    enqueue(observability, channel["id"], [alert("backup of prod-1 failed", severity="warning")])
    [delivery] = settled(observability, channel["id"], 1)
    assert delivery["status"] == "delivered", delivery
    [got] = webhook.accepted  # the receiver recomputed the HMAC over the body it received
    assert got.json["messages"][0]["summary"] == "backup of prod-1 failed"
    assert got.json["title"] == "[KubeOperator] Alert (Warning) · prod-1"

    # A channel whose secret the receiver does not share: refused (401), not retried.
    other = observability.create(
        {"project_id": "p1", "name": "hook2", "kind": "webhook", "config": {"url": webhook.url, "secret": "x" * 16}}
    )
    enqueue(observability, other["id"], [alert("forged?")])
    [refused] = settled(observability, other["id"], 1)
    assert (refused["status"], refused["attempts"], refused["answer_status"]) == ("failed", 1, 401)


def test_a_restart_resumes_pending_and_interrupted_deliveries(
    tmp_path: Path, database_url: str, nats_server: NatsServer, webhook: RobotReceiver
) -> None:
    assert webhook.secret is not None
    settings = settings_for(tmp_path, database_url, nats_server.url)
    with serve(settings) as obs:
        channel = obs.create(
            {
                "project_id": "p1",
                "name": "hook",
                "kind": "webhook",
                "config": {"url": webhook.url, "secret": webhook.secret},
            }
        )
    # While the service is down: a message stored but never sent, and one a dispatcher had claimed
    # when it died (its lease has run out).
    enqueue(obs, channel["id"], [alert("stored before the crash")])
    enqueue(obs, channel["id"], [alert("sending when it crashed")], lease_until=utcnow() - timedelta(seconds=1))
    assert webhook.received == []
    with serve(settings) as obs:
        deliveries = settled(obs, channel["id"], 2)
    assert {d["status"] for d in deliveries} == {"delivered"}
    summaries = sorted(m["summary"] for r in webhook.accepted for m in r.json["messages"])
    assert summaries == ["sending when it crashed", "stored before the crash"]
