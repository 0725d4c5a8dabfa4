import type { NewEmail } from "@poststack/application"
import type { DomainId, TeamId } from "@poststack/domain"

/**
 * An email as `EmailRepository.accept` takes it: plain text from `me@<domainName>` to each of `to`,
 * sent now, without an idempotency key; `fields` replace any of that.
 */
export const newEmail = (
  sender: { readonly teamId: TeamId; readonly domainId: DomainId; readonly domainName: string },
  to: ReadonlyArray<string>,
  fields: Partial<NewEmail> = {}
): NewEmail => ({
  teamId: sender.teamId,
  apiKeyId: null,
  domainId: sender.domainId,
  domainName: sender.domainName,
  fromAddress: `me@${sender.domainName}`,
  fromName: null,
  recipients: to.map((address) => ({ address, kind: "to" })),
  replyTo: [],
  subject: "hi",
  html: null,
  text: "hi",
  headers: {},
  tags: [],
  attachments: [],
  testMode: false,
  unsubscribe: false,
  trackOpens: false,
  trackClicks: false,
  scheduledAt: null,
  idempotencyKey: null,
  requestHash: "h",
  system: false,
  rawMime: null,
  messageId: null,
  ...fields
})
