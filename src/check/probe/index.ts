/**
 * The probe engine of `sealpost check`: connections to the target (TCP, and the STARTTLS
 * dialogue of SMTP, IMAP and POP3), and the protocol scan — versions SSL 2.0 … TLS 1.3 and the
 * suites accepted with each — from hand-built hellos that read only the ServerHello; and the
 * plumbing of probes that read the server's whole first flight (flight-probe.ts).
 */
export { CheckError } from "./errors.ts";
export { connectTarget } from "./connect.ts";
export { scanProtocols } from "./scan.ts";
export { ProbePool } from "./pool.ts";
export { probeHello, describeOutcome, type HelloOutcome } from "./hello-probe.ts";
export { openProbe, sendAndReadFlight, describeFlightOutcome, type Flight, type FlightOutcome, type ProbeConnection } from "./flight-probe.ts";
export { candidateSuites } from "./candidates.ts";
export { readGreeting, type Greeting } from "./greeting.ts";
