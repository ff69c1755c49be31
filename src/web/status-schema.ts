/**
 * The JSON Schema (draft 2020-12) of `/status.json` ("sealpost-status/1"), served at
 * `/status.schema.json`, in the subset of keywords the checker's validator implements
 * (src/check: type, properties, required, additionalProperties, enum, items). Field names are
 * stable: fields may be added, never renamed or removed. The README documents every field.
 */
import { SERVICES } from "../maintenance/index.ts";
import { SERVICE_IDS } from "./status-model.ts";

type Schema = { readonly [k: string]: unknown };

const instant = { type: "string", description: "An instant in ISO 8601, UTC (2027-01-31T04:00:00.000Z)." } as const;

function object(properties: Record<string, Schema>, description: string): Schema {
  return { type: "object", description, properties, required: Object.keys(properties), additionalProperties: false };
}

const service = object(
  {
    id: { type: "string", enum: [...SERVICE_IDS] },
    state: { type: "string", enum: ["up", "degraded", "down", "off"] },
    maintenance: { type: "boolean", description: "An open maintenance window names this service (for delivery: one pauses it)." },
  },
  "One service: up, degraded (a maintenance window, or part of its listeners down, or delivery paused), down (none of its listeners accepts connections), or off (not run by this server).",
);

const window = object(
  {
    from: instant,
    to: instant,
    services: { type: "array", items: { type: "string", enum: [...SERVICES] } },
    message: { type: ["string", "null"], description: "The operator's one-line message." },
    pausesDelivery: { type: "boolean", description: "Outbound delivery waits while the window is open; mail is accepted and queued." },
  },
  "A maintenance window; open from `from` (inclusive) to `to` (exclusive).",
);

const windows = { type: "array", items: window } as const;

export const STATUS_SCHEMA: Schema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://sealpost.invalid/schemas/status-1.json",
  title: "Sealpost public status",
  ...object(
    {
      schema: { type: "string", enum: ["sealpost-status/1"] },
      generatedAt: instant,
      overall: { type: "string", enum: ["up", "degraded", "down"] },
      services: { type: "array", items: service },
      delivery: object(
        {
          pausedBy: { type: "array", items: { type: "string", enum: ["maintenance", "operator"] } },
          oldestDeferredSeconds: { type: ["integer", "null"], description: "Age of the oldest message a destination deferred; null when none waits." },
        },
        "Outbound delivery: who holds it, and how long deferred mail has waited.",
      ),
      maintenance: object({ current: windows, upcoming: windows, past: windows }, "Open windows, upcoming ones, and those that ended in the last 7 days (latest first)."),
      cutoff: {
        type: ["object", "null"],
        description: "The announced end of TLS 1.0 and 1.1, or null when none is announced.",
        properties: {
          date: instant,
          state: { type: "string", enum: ["scheduled", "done"] },
          affectedAccounts: { type: ["integer", "null"], description: "Accounts still using a device limited to TLS 1.0/1.1; null when not known." },
        },
        required: ["date", "state", "affectedAccounts"],
        additionalProperties: false,
      },
    },
    "The server's public status.",
  ),
};
