/**
 * The V8 flags the server runs with: a young generation of up to 16 MB per semi-space (V8's own
 * default sizes it by the machine's memory). Each SMTP delivery or IMAP command allocates a few
 * hundred kilobytes that die young; with 2 MB semi-spaces (the earlier setting, chosen for idle
 * memory) V8 scavenged several hundred times a second and promoted what was still in flight.
 * Measured in pairs on this 2-core machine (bench:smtp, one worker, 5 pairs of runs): 16 MB
 * delivered 1.20× as many messages per second (median of the pairs' ratios; every pair faster),
 * for about 20 MB more RSS under load; 10,000 idle IMAP sessions take 843 MiB against 812 MiB.
 * The same flags stand in the bin's shebang, in bin/sealpost (the launcher the systemd unit runs),
 * where sealpost.js runs itself again on the pinned Node, and in `npm start` (they cannot import
 * this); the benchmarks start the server with them.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=16"];
