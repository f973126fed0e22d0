"""The observability service application."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI
from pydantic import Field, SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.app import ServiceSpec, create_service_app
from ko_common.cluster_access import ClusterAccessClient
from ko_common.crypto import SecretBox, attach
from ko_common.settings import SERVICE_PORTS, Settings
from ko_observability.access import KubeconfigCache
from ko_observability.alerts.endpoints import router as alerts_router
from ko_observability.alerts.loop import AlertLoop, AlertPolicy
from ko_observability.alerts.sources import consumers_for as alert_consumers_for
from ko_observability.channels.dispatcher import DeliveryPolicy, Dispatcher
from ko_observability.channels.endpoints import router as channels_router
from ko_observability.channels.repository import ChannelRepository
from ko_observability.health.consumer import backup_consumer_for
from ko_observability.health.consumer import consumer_for as health_consumer_for
from ko_observability.health.endpoints import router as health_router
from ko_observability.health.facts import FactsPolicy
from ko_observability.health.poller import HealthPolicy, HealthPoller
from ko_observability.kube_events.endpoints import router as kube_events_router
from ko_observability.kube_events.watcher import KubeEventWatcher, WatchPolicy
from ko_observability.models import Base
from ko_observability.monitoring.endpoints import router as monitoring_router
from ko_observability.monitoring.service import Monitoring, MonitoringPolicy


class ObservabilitySettings(Settings):
    service: str = "observability"
    secret_key: SecretStr | None = Field(
        None,
        description="Key that encrypts notification channels' secrets at rest: base64 of 32 bytes "
        "(`openssl rand -base64 32`). Unset in development: generated into <data_dir>/secret-key.",
    )
    notify_timeout_seconds: float = Field(10.0, gt=0, le=120, description="How long a send waits for the receiver.")
    notify_max_attempts: int = Field(6, ge=1, le=50, description="Attempts of a message before it is failed.")
    notify_backoff_seconds: float = Field(
        2.0, gt=0, le=600, description="Wait before the first retry; doubled for each further one."
    )
    notify_backoff_max_seconds: float = Field(300.0, gt=0, le=86400, description="Longest wait between retries.")
    notify_rate_window_seconds: float = Field(
        60.0, gt=0, le=3600, description="The window channels' rate limits count in (their limits are per minute)."
    )
    notify_poll_seconds: float = Field(1.0, gt=0, le=60, description="How often pending messages are looked for.")
    notify_concurrency: int = Field(16, ge=1, le=256, description="Sends in flight at once, over all channels.")
    notify_proxy: str | None = Field(
        None, description="HTTP(S) proxy for robots and webhooks (e.g. to reach DingTalk from an offline site)."
    )

    deployment_url: str = Field(
        f"http://127.0.0.1:{SERVICE_PORTS['deployment']}",
        description="Base URL of the deployment service (clusters' admin kubeconfigs for the health checks).",
    )
    health_interval_seconds: float = Field(
        30.0, ge=0, le=3600, description="How often each running cluster's health is checked; 0 turns checks off."
    )
    health_timeout_seconds: float = Field(
        5.0, gt=0, le=120, description="Longest one cluster's check may take; beyond it the cluster is unreachable."
    )
    health_concurrency: int = Field(20, ge=1, le=1000, description="Clusters checked at once by one process.")
    health_certificate_warning_days: int = Field(
        30, ge=1, le=365, description="A certificate expiring within this many days makes its cluster degraded."
    )
    health_backup_max_age_hours: float = Field(
        48.0,
        gt=0,
        le=24 * 366,
        description="A cluster with an enabled backup strategy and no good backup "
        "for this long is degraded (backup-too-old).",
    )
    health_access_cache_seconds: float = Field(
        600.0, ge=0, le=86400, description="How long a cluster's admin kubeconfig is kept in memory between checks."
    )

    kube_events_max_clusters: int = Field(
        200, ge=0, le=10000, description="Clusters whose Kubernetes events one process watches at once; 0: none."
    )
    kube_events_retention_hours: float = Field(
        72.0, gt=0, le=24 * 366, description="How long a cluster's Kubernetes events are kept after last seen."
    )
    kube_events_max_per_cluster: int = Field(
        20000, ge=1, le=10_000_000, description="Most Kubernetes events kept per cluster (the newest)."
    )
    kube_events_prune_interval_seconds: float = Field(
        300.0, gt=0, le=86400, description="How often old and excess Kubernetes events are deleted."
    )
    kube_events_backoff_seconds: float = Field(
        1.0, gt=0, le=600, description="Wait before a failed cluster's watch is tried again; doubled each time."
    )
    kube_events_backoff_max_seconds: float = Field(
        60.0, gt=0, le=3600, description="Longest wait between a failed cluster's watch attempts."
    )
    kube_events_lease_seconds: float = Field(
        60.0, ge=3, le=3600, description="How long a cluster's watch stays with a replica that stopped renewing."
    )
    kube_events_warnings_per_minute: int = Field(
        30, ge=0, le=10000, description="Most kube-event.warning events published per cluster per minute."
    )

    # The monitoring add-on's services in each cluster (playbooks/roles/monitoring names them).
    monitoring_namespace: str = Field(
        "monitoring", min_length=1, max_length=63, description="Namespace of the monitoring add-on in each cluster."
    )
    monitoring_prometheus_service: str = Field(
        "ko-monitoring-prometheus", min_length=1, max_length=63,
        description="Service of the add-on's Prometheus: kube-prometheus-stack's `<fullname>-prometheus`, its "
        "fullnameOverride being ko-monitoring (without it the chart cuts `<release>-kube-prometheus-stack` to 26 "
        "characters).",
    )  # fmt: skip
    monitoring_prometheus_port: str = Field(
        "9090", min_length=1, max_length=15, description="Port (number or name) of the Prometheus service."
    )
    monitoring_grafana_service: str = Field(
        "ko-monitoring-grafana", min_length=1, max_length=63,
        description="Service of the add-on's Grafana (the grafana chart's, release ko-monitoring-grafana).",
    )  # fmt: skip
    monitoring_grafana_port: str = Field(
        "80", min_length=1, max_length=15, description="Port (number or name) of the Grafana service."
    )
    monitoring_timeout_seconds: float = Field(
        15.0, gt=0, le=300, description="Longest a call to a cluster's Prometheus or Grafana may take."
    )
    monitoring_max_response_bytes: int = Field(
        32 << 20, ge=1 << 16, le=1 << 30,
        description="Largest answer of a cluster's Prometheus or Grafana passed on; a larger one is refused (502).",
    )  # fmt: skip
    monitoring_grafana_user_header: str | None = Field(
        "X-WEBAUTH-USER",
        description="Header naming the caller (`ko-<username>`) for Grafana's auth proxy; empty: none is sent.",
    )

    alerts_group_window_seconds: float = Field(
        3.0,
        ge=0,
        le=3600,
        description="Alerts of one route and one cluster firing within this window go out as one "
        "message (the window starts with the group's first alert). Short by default: an alert reaches its "
        "receiver within the health interval plus a few seconds; channels' rate limits merge bursts anyway.",
    )
    alerts_quiet_period_seconds: float = Field(
        900.0,
        gt=0,
        le=7 * 86400,
        description="A pod's crash-looping or evicted alert resolves after this long "
        "without a new such Warning event for the pod.",
    )
    alerts_retention_days: float = Field(
        30.0, gt=0, le=3660, description="How long resolved alerts and ended silences are kept."
    )
    alerts_poll_seconds: float = Field(
        1.0, gt=0, le=60, description="How often due alert groups, quiet pod alerts and silences' ends are looked for."
    )

    def secret_fields(self) -> list[str]:
        return [*super().secret_fields(), "secret_key"]

    def delivery_policy(self) -> DeliveryPolicy:
        return DeliveryPolicy(
            timeout_seconds=self.notify_timeout_seconds,
            max_attempts=self.notify_max_attempts,
            backoff_seconds=self.notify_backoff_seconds,
            backoff_max_seconds=self.notify_backoff_max_seconds,
            rate_window_seconds=self.notify_rate_window_seconds,
            poll_seconds=self.notify_poll_seconds,
            concurrency=self.notify_concurrency,
            proxy=self.notify_proxy,
        )


async def _start_deliveries(app: FastAPI) -> None:
    # Fails start-up with a clear message when the key is unusable, before any request.
    attach(app.state.db.sessionmaker, SecretBox.from_settings(app.state.settings))
    dispatcher = Dispatcher(app.state.db, app.state.settings.delivery_policy())
    app.state.db.after_commit.append(dispatcher.wake)
    app.state.dispatcher = dispatcher
    app.state.dispatcher_task = asyncio.create_task(dispatcher.run(), name="notification-dispatcher")


async def _stop_deliveries(app: FastAPI) -> None:
    app.state.dispatcher_task.cancel()
    await asyncio.gather(app.state.dispatcher_task, return_exceptions=True)
    await app.state.dispatcher.close()


def health_policy(settings: ObservabilitySettings) -> HealthPolicy:
    return HealthPolicy(
        interval_seconds=settings.health_interval_seconds,
        timeout_seconds=settings.health_timeout_seconds,
        concurrency=settings.health_concurrency,
        access_cache_seconds=settings.health_access_cache_seconds,
        facts=FactsPolicy(settings.health_certificate_warning_days, settings.health_backup_max_age_hours),
    )


def _cluster_access(app: FastAPI) -> ClusterAccessClient:
    """Clusters' kubeconfigs from the deployment service, as the health poller and the events watcher read them."""
    settings: ObservabilitySettings = app.state.settings
    return ClusterAccessClient(
        settings.deployment_url, app.state.identity_key, "observability", timeout=settings.health_timeout_seconds
    )


async def _start_health(app: FastAPI) -> None:
    settings: ObservabilitySettings = app.state.settings
    app.state.health_task = None
    if settings.health_interval_seconds == 0:
        return
    access = _cluster_access(app)
    app.state.health_poller = HealthPoller(app.state.db, access, health_policy(settings))
    app.state.health_task = asyncio.create_task(app.state.health_poller.run(), name="health-poller")


def watch_policy(settings: ObservabilitySettings) -> WatchPolicy:
    return WatchPolicy(
        max_clusters=settings.kube_events_max_clusters,
        timeout_seconds=settings.health_timeout_seconds * 2,
        lease_seconds=settings.kube_events_lease_seconds,
        backoff_seconds=settings.kube_events_backoff_seconds,
        backoff_max_seconds=settings.kube_events_backoff_max_seconds,
        retention_hours=settings.kube_events_retention_hours,
        max_per_cluster=settings.kube_events_max_per_cluster,
        prune_interval_seconds=settings.kube_events_prune_interval_seconds,
        warnings_per_minute=settings.kube_events_warnings_per_minute,
        access_cache_seconds=settings.health_access_cache_seconds,
    )


async def _start_kube_events(app: FastAPI) -> None:
    settings: ObservabilitySettings = app.state.settings
    app.state.kube_events_task = None
    if settings.kube_events_max_clusters == 0:
        return
    access = _cluster_access(app)
    app.state.kube_event_watcher = KubeEventWatcher(app.state.db, access, watch_policy(settings))
    app.state.kube_events_task = asyncio.create_task(app.state.kube_event_watcher.run(), name="kube-event-watcher")


async def _start_alerts(app: FastAPI) -> None:
    settings: ObservabilitySettings = app.state.settings
    policy = AlertPolicy(
        group_window_seconds=settings.alerts_group_window_seconds,
        quiet_period_seconds=settings.alerts_quiet_period_seconds,
        retention_days=settings.alerts_retention_days,
        poll_seconds=settings.alerts_poll_seconds,
    )
    loop = AlertLoop(app.state.db, policy, app.state.dispatcher.wake)
    app.state.alerts_task = asyncio.create_task(loop.run(), name="alert-loop")


async def _stop_alerts(app: FastAPI) -> None:
    await _stop_task(app.state.alerts_task)


async def _stop_task(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _stop_kube_events(app: FastAPI) -> None:
    await _stop_task(app.state.kube_events_task)


async def _stop_health(app: FastAPI) -> None:
    await _stop_task(app.state.health_task)


async def _start_monitoring(app: FastAPI) -> None:
    settings: ObservabilitySettings = app.state.settings
    kubeconfigs = KubeconfigCache(_cluster_access(app), settings.health_access_cache_seconds)
    app.state.monitoring = Monitoring(app.state.db, kubeconfigs, MonitoringPolicy.of(settings))


async def _project_usage(session: AsyncSession, project_id: str) -> dict[str, int]:
    return {"notification_channels": await ChannelRepository(session).count_in_project(project_id)}


def create_app(settings: Settings | None = None) -> FastAPI:
    # pydantic-settings fills every field from KO_* variables; mypy needs pydantic's plugin to know.
    settings = settings or ObservabilitySettings()  # type: ignore[call-arg]
    spec = ServiceSpec(
        name="observability",
        title="KubeOperator observability",
        description="Cluster health, Kubernetes events, alert rules and notifications.",
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[channels_router, health_router, kube_events_router, monitoring_router, alerts_router],
        consumers=[
            health_consumer_for(settings.resolved_database_url),
            backup_consumer_for(settings.resolved_database_url),
            *alert_consumers_for(settings.resolved_database_url),
        ],
        on_startup=[_start_deliveries, _start_alerts, _start_health, _start_kube_events, _start_monitoring],
        on_shutdown=[_stop_kube_events, _stop_health, _stop_alerts, _stop_deliveries],
        project_usage=_project_usage,
    )
    return create_service_app(spec, settings)
