/**
 * The browser in words for the login history's client-name column ("Chrome 131 on Linux"), from
 * the User-Agent header: the product and major version, and the system. Unknown agents are kept
 * short and printable; nothing of the header is trusted beyond that.
 */

const BROWSERS: ReadonlyArray<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, "Edge"],
  [/\bOPR\/(\d+)/, "Opera"],
  [/\bFirefox\/(\d+)/, "Firefox"],
  [/\bSamsungBrowser\/(\d+)/, "Samsung Internet"],
  [/\b(?:Headless)?Chrom(?:e|ium)\/(\d+)/, "Chrome"],
  [/\bVersion\/(\d+)[.\d]* (?:Mobile\/\w+ )?Safari\//, "Safari"],
  [/\bMSIE (\d+)/, "Internet Explorer"],
  [/\bTrident\/.*rv:(\d+)/, "Internet Explorer"],
];

const SYSTEMS: ReadonlyArray<[RegExp, string]> = [
  [/Windows NT 10/, "Windows 10/11"],
  [/Windows NT 6\.3/, "Windows 8.1"],
  [/Windows NT 6\.2/, "Windows 8"],
  [/Windows NT 6\.1/, "Windows 7"],
  [/Windows NT 6\.0/, "Windows Vista"],
  [/Windows NT 5/, "Windows XP"],
  [/Android (\d+)/, "Android"],
  [/iPhone|iPad|iPod/, "iOS"],
  [/Mac OS X/, "macOS"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];

export function browserName(userAgent: string | undefined): string | null {
  if (userAgent === undefined || userAgent.trim() === "") return null;
  const ua = userAgent.slice(0, 512);
  let product: string | null = null;
  for (const [re, name] of BROWSERS) {
    const m = re.exec(ua);
    if (m !== null) {
      product = `${/HeadlessChrome/.test(ua) ? "Headless Chrome" : name} ${m[1] ?? ""}`.trim();
      break;
    }
  }
  let system: string | null = null;
  for (const [re, name] of SYSTEMS) {
    const m = re.exec(ua);
    if (m !== null) {
      system = name === "Android" && m[1] !== undefined ? `Android ${m[1]}` : name;
      break;
    }
  }
  if (product === null) return ua.replace(/[^\x20-\x7e]/g, "?").slice(0, 60);
  return system === null ? product : `${product} on ${system}`;
}
