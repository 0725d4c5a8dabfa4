import { isAppleNetwork } from "./ClientIp.js"

/** What a user-agent parser reports, before we name the mail client. */
export interface ParsedUserAgent {
  readonly browser: string | undefined
  readonly os: string | undefined
  readonly deviceType: string | undefined
}

/** The reader's software as an email event shows it (`uaClientName`, `uaClientType`, `uaOs`, `uaDeviceType`). */
export interface ClientInfo {
  readonly clientName: string | null
  readonly clientType: "browser" | "email_client" | "proxy" | "bot" | null
  readonly os: string | null
  readonly deviceType: string | null
}

const PROXIES: ReadonlyArray<readonly [RegExp, string]> = [
  [/GoogleImageProxy/i, "Gmail image proxy"],
  [/YahooMailProxy/i, "Yahoo Mail proxy"]
]

const MAIL_CLIENTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/Microsoft Outlook|ms-office|MSOffice/i, "Outlook"],
  [/Thunderbird/i, "Thunderbird"],
  [/Airmail/i, "Airmail"]
]

/** Link scanners and libraries that fetch without a person: security gateways, crawlers, HTTP clients. */
const BOTS =
  /bot\b|crawler|spider|scanner|headless|barracuda|proofpoint|mimecast|symantec|trend ?micro|sophos|fortinet|safelinks|curl\/|wget\/|python-requests|python-urllib|go-http-client|java\/|okhttp|libwww|httpclient|axios\//i

/** Names the client from the raw user agent and the parser's reading of it. */
export const describeClient = (userAgent: string, parsed: ParsedUserAgent): ClientInfo => {
  const os = parsed.os ?? null
  const deviceType = parsed.deviceType ?? (os === null ? null : "desktop")
  for (const [pattern, name] of PROXIES)
    if (pattern.test(userAgent)) return { clientName: name, clientType: "proxy", os: null, deviceType: null }
  if (BOTS.test(userAgent)) return { clientName: parsed.browser ?? null, clientType: "bot", os, deviceType }
  for (const [pattern, name] of MAIL_CLIENTS)
    if (pattern.test(userAgent)) return { clientName: name, clientType: "email_client", os, deviceType }
  // Apple Mail's web view says AppleWebKit but, unlike Safari, carries no Safari or Version token.
  if (/AppleWebKit/.test(userAgent) && !/Safari|Version\/|Chrome|CriOS|FxiOS/.test(userAgent) && os !== null)
    return { clientName: "Apple Mail", clientType: "email_client", os, deviceType }
  if (parsed.browser !== undefined)
    return { clientName: parsed.browser, clientType: "browser", os, deviceType }
  return { clientName: null, clientType: null, os, deviceType }
}

/**
 * Whether a fetch was made by a machine rather than a reader: Apple Mail Privacy Protection
 * (Apple's network, or its bare `Mozilla/5.0` agent), mail providers' image proxies, and link
 * scanners. Such events are recorded with `isPrefetch: true`, not dropped.
 */
export const isMachineFetch = (input: {
  readonly userAgent: string
  readonly ip: string | undefined
  readonly client: ClientInfo
  /** A HEAD request reads no image and follows no link: only checkers send it. */
  readonly head?: boolean
}): boolean =>
  input.head === true ||
  input.client.clientType === "proxy" ||
  input.client.clientType === "bot" ||
  input.userAgent.trim() === "" ||
  input.userAgent.trim() === "Mozilla/5.0" ||
  (input.ip !== undefined && isAppleNetwork(input.ip))
