"""Prometheus metrics (``/metrics``), one registry per server instance."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _RoomsByPhase(Collector):
    def __init__(self, phases: Callable[[], Iterable[str]]) -> None:
        self._phases = phases

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily("accord_rooms", "Rooms in memory by phase", labels=["phase"])
        counts: dict[str, int] = {}
        for phase in self._phases():
            counts[phase] = counts.get(phase, 0) + 1
        for phase in ("lobby", "tabling", "ballot", "action", "verification", "concluded"):
            family.add_metric([phase], counts.get(phase, 0))
        yield family


class Metrics:
    """The server's counters, gauges and histograms."""

    def __init__(self, phases: Callable[[], Iterable[str]]) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.connections = Gauge("accord_connections", "Open websocket connections", registry=r)
        self.messages_in = Counter(
            "accord_messages_in", "Client messages received", ["type"], registry=r
        )
        self.messages_out = Counter("accord_messages_out", "Messages queued to clients", registry=r)
        self.errors = Counter("accord_errors", "Errors sent to clients", ["code"], registry=r)
        self.closes = Counter(
            "accord_closes", "Connections closed by the server", ["reason"], registry=r
        )
        self.refused = Counter(
            "accord_connections_refused",
            "Websocket connections refused before the upgrade",
            ["reason"],
            registry=r,
        )
        self.replayed = Counter(
            "accord_replayed_events", "Past events sent to joining or resuming clients", registry=r
        )
        self.address_limited = Counter(
            "accord_address_rate_limited",
            "Messages dropped by the per-address rate limit",
            registry=r,
        )
        self.event_write = Histogram(
            "accord_event_write_seconds",
            "Time to durably write a batch of room events",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=r,
        )
        r.register(_RoomsByPhase(phases))

    def render(self) -> bytes:
        return generate_latest(self.registry)
