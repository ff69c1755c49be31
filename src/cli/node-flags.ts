/**
 * The V8 flags the server runs with: a young generation of up to 16 MB per semi-space (V8's own
 * default sizes it by the machine's memory). Each SMTP delivery or IMAP command allocates objects
 * that die young; with 2 MB semi-spaces (the earlier setting, chosen for idle memory) the garbage
 * collector took 8% of the event loop's samples under SMTP load (--cpu-prof). Measured in pairs on
 * this 2-core machine (bench:smtp, one worker, 5 pairs of runs): 16 MB delivered 1.20× as many
 * messages per second (median of the pairs' ratios; every pair faster), for about 20 MB more RSS
 * under load; 10,000 idle IMAP sessions take about 840 MiB against 812 MiB. The same flags stand in
 * the bin's shebang, in bin/sealpost (the launcher the systemd unit runs), where sealpost.js runs
 * itself again on the pinned Node, and in `npm start` (they cannot import this); the benchmarks
 * start the server with them.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=16"];
