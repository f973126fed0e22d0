"""Alerts: built-in rules fed by the service's own events (cluster health, Kubernetes Warning events) and
the deployment's operations; one row per firing fingerprint, routed per project to notification channels,
grouped per route and cluster, silenced by time-bounded matchers, with resolved notices.

A notice is stored in the transaction that changes the alert, so none is lost; the group loop turns a
group's notices into one message per channel (``channels.service.enqueue``) in one transaction.
"""
