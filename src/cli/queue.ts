/** `sealpost queue list|show|log|retry|bounce|delete|pause|resume`: the outbound queue and its attempt log. */
import type { Command } from "commander";
import type { DeliveryProblem } from "../bounce/index.ts";
import { attemptTls, listAttempts, problemLine, type AttemptRow } from "../outbound/index.ts";
import { deleteQueued, listQueue, requestBounce, retryNow, setPaused, showQueued } from "../queue/index.ts";
import { parseIntFlag, printJson, printTable, UsageError, withStore } from "./common.ts";

interface Flags {
  data?: string;
  json?: boolean;
}

const when = (ms: number): string => new Date(ms).toISOString();

function printAttempts(attempts: readonly AttemptRow[], withMessage: boolean): void {
  printTable(
    [...(withMessage ? ["ID", "DOMAIN"] : []), "TIME", "MX", "LEVEL", "TLS", "CIPHER", "CERTIFICATE", "OUTCOME", "REPLY OR PROBLEM", "SESSION"],
    attempts.map((a) => [
      ...(withMessage ? [a.queueId, a.domain] : []),
      when(a.time),
      a.mxHost === null ? "-" : `${a.mxHost}${a.address !== null ? ` [${a.address}]:${a.port ?? ""}` : ""}`,
      `${a.policyLevel} (${a.policySource})`,
      attemptTls(a),
      a.tlsCipher ?? "-",
      a.certVerdict ?? "-",
      a.outcome,
      a.reply ?? (a.problem !== null ? problemLine(a.problem as DeliveryProblem) : ""),
      a.session ?? "-",
    ]),
  );
}

export function registerQueue(program: Command): void {
  const queue = program.command("queue").description("the outbound queue");
  const cmd = (name: string, description: string): Command =>
    queue.command(name).description(description);

  cmd("list", "list queued messages (pending recipients, next attempt, last problem)")
    .option("--json", "print records as JSON")
    .action(async (flags: Flags) => {
      await withStore(flags, async (store) => {
        const items = await listQueue(store.db);
        if (flags.json === true) return printJson(items);
        printTable(
          ["ID", "QUEUED", "FROM", "RECIPIENTS", "SIZE", "STATUS", "ATTEMPTS", "NEXT", "LAST PROBLEM"],
          items.map((q) => [q.id, when(q.createdAt), q.from === "" ? "<>" : q.from, q.recipients.join(", "), String(q.size), q.status, String(q.attempts), when(q.nextAttemptAt), q.lastError ?? ""]),
        );
      });
    });

  cmd("show <id>", "one message: every recipient's state and every delivery attempt")
    .option("--json", "print the record as JSON")
    .action(async (id: string, flags: Flags) => {
      await withStore(flags, async (store) => {
        const item = await showQueued(store.db, id.toUpperCase());
        if (item === null) throw new UsageError(`queue show: no queued message ${id}`);
        const attempts = await listAttempts(store.db, { queueId: item.id });
        if (flags.json === true) return printJson({ ...item, attempts });
        const out = process.stdout;
        // RFC 8689: what the sender asked of the message's TLS, when it asked something.
        const tls = item.tlsRequired === "requiretls" ? "  REQUIRETLS" : item.tlsRequired === "no" ? "  TLS-Required: No" : "";
        out.write(`${item.id}  from ${item.from === "" ? "<>" : item.from}  ${item.size} bytes  queued ${when(item.createdAt)}  ${item.status}  (${item.source})${tls}\n\n`);
        printTable(
          ["RECIPIENT", "STATUS", "ATTEMPTS", "NEXT", "REMOTE", "LAST REPLY"],
          item.allRecipients.map((r) => [r.address, r.status, String(r.attempts), r.status === "pending" ? when(r.nextAttemptAt) : "-", r.remoteMta ?? "", r.lastReply ?? ""]),
        );
        if (attempts.length > 0) {
          out.write("\n");
          printAttempts(attempts, false);
        }
      });
    });

  cmd("log", "delivery attempts, oldest first: MX, TLS version and cipher, certificate verdict, policy, outcome")
    .option("--id <id>", "only this message's attempts")
    .option("--domain <domain>", "only attempts to this destination domain")
    .option("--days <n>", "how many days back", "7")
    .option("--json", "print records as JSON")
    .action(async (flags: Flags & { id?: string; domain?: string; days: string }) => {
      const days = parseIntFlag("--days", flags.days, 1, 3650);
      await withStore(flags, async (store) => {
        const attempts = await listAttempts(store.db, {
          since: Date.now() - days * 86_400_000,
          ...(flags.id !== undefined ? { queueId: flags.id.toUpperCase() } : {}),
          ...(flags.domain !== undefined ? { domain: flags.domain.toLowerCase() } : {}),
        });
        if (flags.json === true) return printJson(attempts);
        printAttempts(attempts, true);
      });
    });

  cmd("retry <id>", "try a deferred message again now").action(async (id: string, flags: Flags) => {
    await withStore(flags, async (store) => {
      if (!(await retryNow(store.db, id.toUpperCase()))) throw new UsageError(`queue retry: no queued message ${id}`);
      process.stdout.write(`${id.toUpperCase()}: due now\n`);
    });
  });

  cmd("bounce <id>", "return a message to its sender now, with a DSN").action(async (id: string, flags: Flags) => {
    await withStore(flags, async (store) => {
      if (!(await requestBounce(store.db, id.toUpperCase()))) throw new UsageError(`queue bounce: no queued message ${id}`);
      process.stdout.write(`${id.toUpperCase()}: will be returned to its sender\n`);
    });
  });

  cmd("delete <id>", "remove a message from the queue without a bounce").action(async (id: string, flags: Flags) => {
    await withStore(flags, async (store) => {
      if (!(await deleteQueued(store.db, store.blobs, id.toUpperCase()))) throw new UsageError(`queue delete: no queued message ${id}`);
      process.stdout.write(`${id.toUpperCase()}: deleted\n`);
    });
  });

  cmd("pause", "stop delivering (mail is still accepted and queued): a maintenance window").action(async (flags: Flags) => {
    await withStore(flags, async (store) => {
      await setPaused(store.db, true);
      process.stdout.write("queue paused: nothing goes out until `sealpost queue resume`\n");
    });
  });

  cmd("resume", "deliver again after a pause").action(async (flags: Flags) => {
    await withStore(flags, async (store) => {
      await setPaused(store.db, false);
      process.stdout.write("queue resumed\n");
    });
  });
}
