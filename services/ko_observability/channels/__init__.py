"""Notification channels (DingTalk and WeCom robots, email over SMTP, generic webhooks) and their deliveries.

Secrets (robot and webhook URLs, signing secrets, SMTP passwords) are stored only encrypted and never
leave the service. Every message is stored before it is sent; the dispatcher sends it within the
channel's rate limit (merging what queued), retries with backoff, and records the receiver's answer.
"""
