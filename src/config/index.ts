/** Configuration: the schema of `sealpost.toml`, loading, validation and rendering. */
export { SCHEMA, STANDARD_PORTS, TLS_LEVELS, type Config, type ListenerConfig, type TlsLevel } from "./schema.ts";
export { loadConfig, validateConfig, renderConfig, ConfigError } from "./load.ts";
