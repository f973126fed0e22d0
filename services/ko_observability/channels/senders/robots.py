"""What DingTalk and WeCom robots have in common: markdown over JSON, an ``errcode`` in a 200 answer."""

from __future__ import annotations

import json

import httpx

from ko_observability.channels.senders.base import Answer, http_failure


def robot_answer(resp: httpx.Response, throttled: frozenset[int]) -> Answer:
    """A robot answers 200 with ``{"errcode": 0, "errmsg": "ok"}``; any other errcode is a failure,
    retryable when it says the robot is sending too fast (``throttled``)."""
    failed = http_failure(resp)
    if failed is not None:
        return failed
    try:
        errcode = json.loads(resp.text).get("errcode")
    except (ValueError, AttributeError):
        return Answer.of_text(False, False, resp.status_code, "not a robot's answer: " + resp.text)
    if errcode == 0:
        return Answer.of_text(True, False, resp.status_code, resp.text)
    return Answer.of_text(False, errcode in throttled, resp.status_code, resp.text)
