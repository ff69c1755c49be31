/**
 * Debian's Chromium driven by playwright-core, as a person would use the console: headless, no
 * sandbox (CI runs as root), no background traffic off this machine. The console's certificate is
 * the test server's self-signed one, so the context accepts it.
 */
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-default-apps",
      "--disable-sync",
      "--no-first-run",
      "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
    ],
  });
}

/** A fresh browser profile (no cookies) speaking `locale` (its Accept-Language). */
export function newContext(browser: Browser, locale = "en-US"): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true, locale });
}

/** Signs in on /login as a person would: the two labelled fields and the button. */
export async function signIn(page: Page, base: string, address: string, password: string, labels = { address: "Email address", password: "Password", submit: "Sign in" }): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel(labels.address).fill(address);
  await page.getByLabel(labels.password).fill(password);
  // The form posts and the answer replaces the page: wait for that page, whichever it is.
  await Promise.all([page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/login"), page.getByRole("button", { name: labels.submit }).click()]);
  await page.waitForLoadState("domcontentloaded");
}

/** A full-page screenshot into $SEALPOST_SCREENSHOTS, when it is set (to look at what a test saw). */
export async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.SEALPOST_SCREENSHOTS;
  if (dir !== undefined) await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
