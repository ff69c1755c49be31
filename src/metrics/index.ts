/** Prometheus metrics: the registry and metric definitions, their observers, and the HTTP endpoint. */
export { Metrics } from "./metrics.ts";
export { MetricsEndpoint } from "./http.ts";
