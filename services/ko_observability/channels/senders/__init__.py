"""One sender per channel kind, all behind the ``Sender`` protocol (see base.py); ``SENDERS`` finds one by kind."""

from __future__ import annotations

from ko_observability.channels.senders.base import Answer, SendContext, Sender
from ko_observability.channels.senders.dingtalk import DINGTALK
from ko_observability.channels.senders.email import EMAIL
from ko_observability.channels.senders.webhook import WEBHOOK
from ko_observability.channels.senders.wecom import WECOM

SENDERS: dict[str, Sender] = {s.kind: s for s in (DINGTALK, WECOM, EMAIL, WEBHOOK)}

__all__ = ["SENDERS", "Answer", "SendContext", "Sender"]
