"""The ``Metrics`` port in the Prometheus text format (prometheus-client)."""

from chronox_adapters.prometheus.metrics import PrometheusMetrics

__all__ = ["PrometheusMetrics"]
