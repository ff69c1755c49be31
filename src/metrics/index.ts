/** Prometheus metrics: the registry and metric definitions, their observers, and the HTTP endpoint. */
export { Metrics, type MetricSources, type TlsOutcome } from "./metrics.ts";
export { MetricsEndpoint, type MetricsEndpointOptions } from "./http.ts";
