/**
 * The V8 flags the server runs with. A small young generation keeps an idle server small: after
 * a burst of logins and SELECTs V8 keeps the heap it grew, and with the default semi-space that
 * was ~160 KB of RSS per idle IMAP connection against ~90 KB with 2 MB (bench:imap), at the same
 * throughput. The same flags stand in the bin's shebang, in bin/sealpost (the launcher the systemd
 * unit runs), where sealpost.js runs itself again on the pinned Node, and in `npm start` (they cannot
 * import this); the benchmarks start the server with them.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=2"];
