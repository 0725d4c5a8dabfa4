import { existsSync } from "node:fs"
import { type Browser, chromium } from "playwright-core"

/** Debian's `chromium` package, or another Chromium named by `POSTSTACK_CHROMIUM`. */
export const CHROMIUM = process.env.POSTSTACK_CHROMIUM ?? "/usr/bin/chromium"

/**
 * Headless Chromium for the dashboard tests. Missing, it fails the test with what to install:
 * these tests are never skipped.
 */
export const launchChromium = async (): Promise<Browser> => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the dashboard tests drive a real browser. Install it (Debian/Ubuntu: apt-get install chromium) or set POSTSTACK_CHROMIUM to a Chromium binary.`
    )
  }
  // Chromium's sandbox refuses to start as root (CI containers): it is turned off only there.
  const root = process.getuid?.() === 0
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: root ? ["--no-sandbox"] : [] })
}
