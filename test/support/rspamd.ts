/**
 * The rspamd worker the spam tests score with: `POSTSTACK_TEST_RSPAMD_URL`, else the one `.ci/run`
 * starts on 127.0.0.1:11333. Waits for it (rspamd takes 10-20 s to load its rules) and throws
 * when none answers: a missing filter fails the tests, it never skips them.
 */
export const rspamdUrl = async (waitMs = 60_000): Promise<string> => {
  const url = process.env.POSTSTACK_TEST_RSPAMD_URL ?? "http://127.0.0.1:11333"
  const deadline = Date.now() + waitMs
  for (;;) {
    try {
      const res = await fetch(new URL("/ping", url), { signal: AbortSignal.timeout(2_000) })
      if (res.ok && (await res.text()).trim() === "pong") return url
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline)
      throw new Error(
        `no rspamd answers at ${url}: install and start it (.ci/run does: apt-get install rspamd; rspamd -f -u _rspamd -g _rspamd)`
      )
    await new Promise((r) => setTimeout(r, 500))
  }
}
