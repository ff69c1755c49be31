/** The domain page's trail: what its DKIM entries (src/dkim) say; the value is the keys' selectors. */
export const dkimTrailEn = {
  dkim_signing: "DKIM keys sign from now",
  dkim_pending: "DKIM keys made, waiting for their DNS records",
  dkim_published: "DKIM keys seen in DNS, sign from now",
  dkim_retired: "DKIM keys retired",
};
