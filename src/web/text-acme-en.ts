/** The administration page's words about certificates from ACME, in English: `text-en.ts`'s `acme`. */

export const acmeEn = {
  title: "Certificates from ACME",
  columns: { names: "Names", state: "State", notAfter: "Valid until", daysLeft: "Days left", challenge: "Validated by", lastError: "Last error", nextAttempt: "Next attempt" },
  phases: { valid: "Valid", due: "To be ordered", issuing: "Being ordered now", failing: "Failing", unpublished: "Not in DNS" },
  warning: "Look at this",
  problem: (n: number): string =>
    n === 1
      ? "1 certificate from ACME expires in less than 14 days while its renewal fails, or could not be ordered at all: its last error says why. Fix the cause (DNS, ports 80 and 443), then reload the server to try again at once."
      : `${n} certificates from ACME expire in less than 14 days while their renewal fails, or could not be ordered at all: their last errors say why. Fix the cause (DNS, ports 80 and 443), then reload the server to try again at once.`,
  unpublished: "A domain whose mta-sts and autoconfig names have no address in DNS gets no certificate until one of them has (sealpost domain dns lists the records).",
  none: "No certificate checked yet: the first check runs when the server starts.",
};
