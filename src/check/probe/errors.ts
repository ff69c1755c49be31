/**
 * Why a probe could not reach the TLS stage. The scan records such failures as evidence; the
 * caller of connectTarget (and scanProtocols, when no probe got through) gets them as exceptions.
 */

type CheckErrorKind = "connect" | "timeout" | "starttls-not-offered" | "starttls-refused" | "protocol";

export class CheckError extends Error {
  readonly kind: CheckErrorKind;

  constructor(kind: CheckErrorKind, message: string) {
    super(message);
    this.name = "CheckError";
    this.kind = kind;
  }
}
