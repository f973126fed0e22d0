"""What the monitoring add-on's API takes and answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ko_deployment.clusters.schemas import OperationRef

# A StorageClass name is a DNS subdomain (lowercase, digits, '-' and '.').
STORAGE_CLASS = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"


class MonitoringSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_days: int = Field(15, ge=1, le=365, description="How long Prometheus and Loki keep data (days).")
    storage_class: str | None = Field(
        None,
        max_length=253,
        pattern=STORAGE_CLASS,
        description="A StorageClass of the cluster for Prometheus, Loki and Grafana volumes; absent: emptyDir "
        "volumes (data lost when a pod moves). Only on a cluster with a storage provisioner configured.",
    )
    storage_size_gi: int | None = Field(
        None, ge=1, le=10240, description="Size of each of the Prometheus and Loki volumes (GiB; default 20)."
    )
    loki: bool = Field(True, description="Loki with the Alloy agent: every pod's logs collected.")
    grafana: bool = Field(True, description="Grafana with Prometheus (and Loki) as data sources.")


class MonitoringPut(MonitoringSettings):
    confirm: str | None = Field(
        None,
        max_length=40,
        description="The cluster's name, when the change deletes data: turning loki or grafana off, or "
        "moving an installed stack to another storage class.",
    )


class MonitoringOut(BaseModel):
    installed: bool = Field(description="The last monitoring operation that succeeded was an install.")
    version: str | None = Field(description="The kube-prometheus-stack chart version installed.")
    charts: dict[str, str] = Field(description="Chart name -> version of the releases installed.")
    settings: MonitoringSettings | None = Field(description="The settings installed (null when not installed).")
    operation: OperationRef | None = Field(description="The last monitoring operation, whatever its status.")
