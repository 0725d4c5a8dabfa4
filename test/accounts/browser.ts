import { simpleParser } from "mailparser"
import { expect } from "vitest"
import type { SmtpSink } from "../support/smtpSink.js"

export interface Answer {
  readonly status: number
  readonly body: Record<string, unknown>
  readonly text: string
  readonly headers: Headers
}

/**
 * One person's browser against the API: keeps the session cookie the server sets and the CSRF
 * token it answers, and sends both as a browser (and the dashboard) would.
 */
export class Browser {
  cookie: string | undefined
  csrf: string | undefined
  constructor(
    readonly baseUrl: string,
    readonly extraHeaders: Record<string, string> = {}
  ) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
    options: { readonly csrf?: string | null; readonly headers?: Record<string, string> } = {}
  ): Promise<Answer> {
    const headers: Record<string, string> = { "content-type": "application/json", ...this.extraHeaders }
    if (this.cookie !== undefined) headers.cookie = this.cookie
    const csrf = options.csrf === undefined ? this.csrf : options.csrf
    if (csrf !== null && csrf !== undefined) headers["x-csrf-token"] = csrf
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...headers, ...options.headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await res.text()
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(";")
      const [name, value] = (pair ?? "").split("=")
      if (name === undefined || !name.includes("poststack_session")) continue
      this.cookie = value === undefined || value === "" ? undefined : `${name}=${value}`
    }
    const parsed = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>)
    if (typeof parsed.csrfToken === "string") this.csrf = parsed.csrfToken
    return { status: res.status, body: parsed, text, headers: res.headers }
  }

  async signIn(email: string, password: string) {
    const res = await this.call("POST", "/auth/sign-in", { email, password })
    expect(res.status, res.text).toBe(200)
    return res
  }
}

export interface Mail {
  readonly to: string
  readonly from: string
  readonly subject: string
  readonly text: string
}

/** Waits for a mail to `to` whose subject matches, among those the sink has not handed out yet. */
export const mailTo = async (
  sink: SmtpSink,
  to: string,
  subject: RegExp,
  seen: Set<number>
): Promise<Mail> => {
  const deadline = Date.now() + 20_000
  for (;;) {
    for (const [index, message] of sink.received.entries()) {
      if (seen.has(index) || !message.to.includes(to)) continue
      const parsed = await simpleParser(message.raw)
      if (!subject.test(parsed.subject ?? "")) continue
      seen.add(index)
      return { to, from: message.from, subject: parsed.subject ?? "", text: parsed.text ?? "" }
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${subject}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The secret token of the dashboard link in a mail (`…#token=<token>`). */
export const tokenIn = (mail: Mail): string => {
  const match = /#token=([A-Za-z0-9_-]+)/.exec(mail.text)
  if (match?.[1] === undefined) throw new Error(`no link in: ${mail.text}`)
  return match[1]
}

/**
 * A person who signed up, followed the mailed confirmation link and signed in, through `api`:
 * answers the sign-in (its body names the person's teams).
 */
export const signUpVerified = async (api: Browser, sink: SmtpSink, email: string, password: string) => {
  const signUp = await api.call("POST", "/auth/sign-up", { email, password })
  if (signUp.status !== 202) throw new Error(`sign-up answered ${signUp.status}: ${signUp.text}`)
  const token = tokenIn(await mailTo(sink, email, /confirm your email/i, new Set()))
  const verified = await api.call("POST", "/auth/verify-email", { token })
  if (verified.status !== 200) throw new Error(`verification answered ${verified.status}: ${verified.text}`)
  return api.signIn(email, password)
}
