/** Der Verlauf auf der Domain-Seite: was seine DKIM-Einträge (src/dkim) sagen; der Wert sind die Selektoren der Schlüssel. */
import type { dkimTrailEn } from "./text-dkim-en.ts";

export const dkimTrailDe: Record<keyof typeof dkimTrailEn, string> = {
  dkim_signing: "DKIM-Schlüssel signieren ab jetzt",
  dkim_pending: "DKIM-Schlüssel erzeugt, warten auf ihre DNS-Einträge",
  dkim_published: "DKIM-Schlüssel im DNS gefunden, signieren ab jetzt",
  dkim_retired: "DKIM-Schlüssel außer Dienst gestellt",
};
