import type { Page } from "playwright-core"

/**
 * Collects into `problems` what the page throws and the errors it logs, but for the failed requests
 * whose status matches `expected` (the refusals a test provokes on purpose).
 */
export const watchForProblems = (page: Page, problems: Array<string>, expected: RegExp) => {
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`))
  page.on("console", (message) => {
    if (message.type() === "error" && !expected.test(message.text())) problems.push(message.text())
  })
}

/** Signs in through the form at `baseUrl` and opens the dashboard section `section` from the navigation. */
export const signInAndOpen = async (
  page: Page,
  baseUrl: string,
  who: { readonly email: string; readonly password: string },
  section: string
) => {
  await page.goto(`${baseUrl}/sign-in`)
  await page.getByLabel("Email").fill(who.email)
  await page.getByLabel("Password").fill(who.password)
  await page.getByRole("button", { name: "Sign in" }).click()
  await page.waitForURL(`${baseUrl}/app/api-keys`)
  await page.getByRole("link", { name: section }).click()
  await page.getByRole("heading", { name: section, level: 1 }).waitFor()
}
