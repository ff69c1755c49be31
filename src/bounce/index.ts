export type { CertificateProblem, DeliveryProblem } from "./problems.ts";
