import { normalizeAddress } from "../emails/Address.js"

export type EmailValidationResult = "deliverable" | "undeliverable" | "risky" | "unknown"
export type EmailValidationRisk = "low" | "medium" | "high"

/** What DNS said about the domain's mail servers. */
export type MxFinding =
  /** MX hosts, or none but an address (RFC 5321's implicit MX). */
  | "accepts_mail"
  /** No MX and no address, no such domain, or a null MX (RFC 7505): nothing accepts mail there. */
  | "no_mail_server"
  /** DNS could not be asked: nothing is known. */
  | "unknown"

/** The checks on one address; `mx` is false when DNS could not be asked (see `result`). */
export interface EmailValidationChecks {
  readonly syntax: boolean
  readonly mx: boolean
  readonly disposable: boolean
  readonly role: boolean
  readonly free: boolean
}

export interface EmailValidation {
  readonly email: string
  readonly result: EmailValidationResult
  readonly checks: EmailValidationChecks
  readonly risk: EmailValidationRisk
}

/** The parts of an address worth looking up, or undefined when it is not an address mail can go to. */
export const splitAddress = (
  raw: string
): { readonly localPart: string; readonly domain: string } | undefined => {
  const address = normalizeAddress(raw.trim())
  if (address === undefined) return undefined
  const at = address.lastIndexOf("@")
  return { localPart: address.slice(0, at), domain: address.slice(at + 1) }
}

/**
 * The local part a role list is checked against: lower case, without a `+tag` (`info+x` is
 * `info`), with separators read alike (`no-reply`, `no_reply` and `no.reply` are one name).
 */
export const roleKey = (localPart: string): string =>
  localPart.toLowerCase().replace(/\+.*$/, "").replace(/[._]/g, "-")

/**
 * The verdict, in order: an address that cannot be parsed, or whose domain takes no mail, is
 * undeliverable; one DNS could not tell about is unknown; a disposable domain is risky and high
 * risk (the mailbox vanishes within hours); a role address (`info@`, `sales@`) is risky and medium
 * risk (shared, often filtered, complaint-prone); anything else is deliverable and low risk. A
 * free provider alone is no risk: it says who runs the mailbox, not whether it works.
 */
export const assessEmail = (
  email: string,
  found: {
    readonly syntax: boolean
    readonly mx: MxFinding
    readonly disposable: boolean
    readonly role: boolean
    readonly free: boolean
  }
): EmailValidation => {
  const checks: EmailValidationChecks = {
    syntax: found.syntax,
    mx: found.syntax && found.mx === "accepts_mail",
    disposable: found.disposable,
    role: found.role,
    free: found.free
  }
  const verdict = (result: EmailValidationResult, risk: EmailValidationRisk): EmailValidation => ({
    email,
    result,
    checks,
    risk
  })
  if (!found.syntax || found.mx === "no_mail_server") return verdict("undeliverable", "high")
  if (found.mx === "unknown") return verdict("unknown", found.disposable ? "high" : "medium")
  if (found.disposable) return verdict("risky", "high")
  if (found.role) return verdict("risky", "medium")
  return verdict("deliverable", "low")
}

/** Most addresses one batch request may carry. */
export const EMAIL_VALIDATION_BATCH_LIMIT = 100
