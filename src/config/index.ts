/** Configuration: the schema of `sealpost.toml`, loading, validation and rendering. */
export { SCHEMA } from "./schema.ts";
export { STANDARD_PORTS, TLS_LEVELS, type Config, type ListenerConfig, type TlsLevel } from "./types.ts";
export { loadConfig, validateConfig, renderConfig, readCaFile, databaseOptions, ConfigError } from "./load.ts";
export { editConfig } from "./edit.ts";
