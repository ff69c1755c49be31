/** The TLS-RPT aggregate report (RFC 8460 §4.4), as JSON keys name it, and its result types (§4.3). */

/** §4.3: the failure result types, by the part of the negotiation that failed. */
export type ResultType =
  // §4.3.1 negotiation failures
  | "starttls-not-supported"
  | "certificate-host-mismatch"
  | "certificate-expired"
  | "certificate-not-trusted"
  | "validation-failure"
  // §4.3.2 policy failures: DANE
  | "tlsa-invalid"
  | "dnssec-invalid"
  | "dane-required"
  // §4.3.2 policy failures: MTA-STS
  | "sts-policy-fetch-error"
  | "sts-policy-invalid"
  | "sts-webpki-invalid";

/** §4.4 "policy-type": the policy that applied, or none. */
export type PolicyType = "tlsa" | "sts" | "no-policy-found";

export interface FailureDetail {
  /** A ResultType, or a type a later RFC adds (kept as written). */
  "result-type": string;
  "sending-mta-ip"?: string;
  "receiving-mx-hostname"?: string;
  "receiving-mx-helo"?: string;
  "receiving-ip"?: string;
  "failed-session-count": number;
  "additional-information"?: string;
  "failure-reason-code"?: string;
}

export interface PolicyResult {
  policy: {
    "policy-type": PolicyType;
    "policy-string"?: string[];
    "policy-domain": string;
    "mx-host"?: string[];
  };
  summary: {
    "total-successful-session-count": number;
    "total-failure-session-count": number;
  };
  "failure-details"?: FailureDetail[];
}

export interface TlsReport {
  "organization-name": string;
  "date-range": { "start-datetime": string; "end-datetime": string };
  "contact-info": string;
  "report-id": string;
  policies: PolicyResult[];
}
