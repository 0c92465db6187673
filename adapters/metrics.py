"""Prometheus metrics: requests by route, commands by type and outcome, events, projections,
requests refused for want of a database connection."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class ProjectionCollector(Collector):
    """Reads projection positions and lag at scrape time, so the figures are never stale."""

    def __init__(self, statuses: Callable[[], Iterable[Any]]) -> None:
        self.statuses = statuses

    def collect(self) -> Iterable[GaugeMetricFamily]:
        position = GaugeMetricFamily(
            "orion_projection_position", "Last log position applied", labels=["projection"]
        )
        head = GaugeMetricFamily("orion_event_log_head", "Highest position in the event log")
        lag = GaugeMetricFamily(
            "orion_projection_lag_events", "Events not yet applied", labels=["projection"]
        )
        lag_s = GaugeMetricFamily(
            "orion_projection_lag_seconds",
            "Age of the oldest unapplied event",
            labels=["projection"],
        )
        failed = GaugeMetricFamily(
            "orion_projection_failed", "1 when the projection is stopped", labels=["projection"]
        )
        top = 0
        try:
            statuses = list(self.statuses())
        except Exception:  # the database is down: /metrics still answers, without these
            return
        for s in statuses:
            position.add_metric([s.name], s.position)
            lag.add_metric([s.name], s.lag_events)
            lag_s.add_metric([s.name], s.lag_seconds)
            failed.add_metric([s.name], 1 if s.state == "failed" else 0)
            top = max(top, s.head)
        head.add_metric([], top)
        yield from (position, head, lag, lag_s, failed)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "orion_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "orion_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.commands = Counter(
            "orion_commands_total", "Commands run", ["command", "outcome"], registry=self.registry
        )
        self.events = Counter(
            "orion_events_appended_total", "Events appended to the log", registry=self.registry
        )
        # Reasons: pool_timeout, server_full, unreachable (see interfaces/pools.py).
        self.database_unavailable = Counter(
            "orion_database_unavailable_total",
            "Requests answered 503 because no database connection (or the job queue) could be had",
            ["reason"],
            registry=self.registry,
        )

    def on_commit(self, command: str, outcome: str, n_events: int, _position: int) -> None:
        self.commands.labels(command, outcome).inc()
        if n_events:
            self.events.inc(n_events)

    def watch_projections(self, statuses: Callable[[], Iterable[Any]]) -> None:
        self.registry.register(ProjectionCollector(statuses))
