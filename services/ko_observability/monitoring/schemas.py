"""What the monitoring summary answers: series of ``[unix seconds, value]`` points per figure."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

Point = tuple[float, float]


class Figures(BaseModel):
    cpu_used_cores: list[Point] = Field(default_factory=list, description="CPU in use, in cores.")
    cpu_cores: list[Point] = Field(default_factory=list, description="CPU cores.")
    memory_used_bytes: list[Point] = Field(default_factory=list, description="Memory in use (total - available).")
    memory_total_bytes: list[Point] = Field(default_factory=list, description="Memory.")
    pods: list[Point] = Field(default_factory=list, description="Pods in phase Running.")


class NodeFigures(Figures):
    node: str


class MonitoringSummary(BaseModel):
    cluster_id: str
    start: datetime
    end: datetime
    minutes: int
    step_seconds: int
    cluster: Figures
    nodes: list[NodeFigures] = Field(description="Each node's figures, by name.")
    missing: list[str] = Field(
        description="Figures Prometheus has no data for in this range (node-exporter or kube-state-metrics not "
        "scraped): their series are empty."
    )
