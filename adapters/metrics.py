"""Prometheus metrics: requests by route, commands by type and outcome, events, the log's
followers (read models and reactions), requests refused for want of a database connection."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class FollowerCollector(Collector):
    """Reads the log's followers' positions and lag at scrape time, so the figures are never
    stale: read models as ``orion_projection_*{projection}``, reactions (which queue jobs) as
    ``orion_reaction_*{reaction}``, so that each kind alerts with its own runbook."""

    def __init__(self, statuses: Callable[[], Iterable[Any]]) -> None:
        self.statuses = statuses

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            statuses = list(self.statuses())
        except Exception:  # the database is down: /metrics still answers, without these
            return
        head = GaugeMetricFamily("orion_event_log_head", "Highest position in the event log")
        head.add_metric([], max((s.head for s in statuses), default=0))
        yield head
        for prefix, label, kind in (
            ("orion_projection", "projection", "read_model"),
            ("orion_reaction", "reaction", "reaction"),
        ):
            gauges = {
                "position": GaugeMetricFamily(
                    f"{prefix}_position", "Last log position handled", labels=[label]
                ),
                "lag_events": GaugeMetricFamily(
                    f"{prefix}_lag_events", "Events not yet handled", labels=[label]
                ),
                "lag_seconds": GaugeMetricFamily(
                    f"{prefix}_lag_seconds", "Age of the oldest unhandled event", labels=[label]
                ),
                "failed": GaugeMetricFamily(
                    f"{prefix}_failed", f"1 when the {label} is stopped", labels=[label]
                ),
                "stalled": GaugeMetricFamily(
                    f"{prefix}_stalled",
                    f"1 when the {label} is behind and has not moved for a while",
                    labels=[label],
                ),
            }
            for s in statuses:
                if s.kind != kind:
                    continue
                gauges["position"].add_metric([s.name], s.position)
                gauges["lag_events"].add_metric([s.name], s.lag_events)
                gauges["lag_seconds"].add_metric([s.name], s.lag_seconds)
                gauges["failed"].add_metric([s.name], 1 if s.state == "failed" else 0)
                gauges["stalled"].add_metric([s.name], 1 if s.stalled else 0)
            yield from gauges.values()


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

    def watch_followers(self, statuses: Callable[[], Iterable[Any]]) -> None:
        """Export the status of the log's followers, read when scraped."""
        self.registry.register(FollowerCollector(statuses))
