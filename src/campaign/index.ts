/** The cut-off campaign (issue 12): the announced date, the notices to the accounts it affects, and the moment it takes effect. */
export { scheduleCutoff, currentCutoff, cancelCutoff, parseNotifyDays, CutoffWatch, type Cutoff } from "./cutoff.ts";
export { affectedAccountCount, cutoffAffects, type AffectedAccount } from "./affected.ts";
export { campaignReport, type CampaignReport } from "./report.ts";
export { CutoffScheduler } from "./scheduler.ts";
