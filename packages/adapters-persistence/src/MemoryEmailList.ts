import type { EmailFilter } from "@poststack/application"
import { type EmailEvent, type EmailRecord, MAILBOX_PROVIDERS, type TeamId } from "@poststack/domain"

/** Case-insensitive substring, the text taken literally (as `ILIKE` with `%`, `_` and `\` escaped). */
const includesText = (value: string, part: string) => value.toLowerCase().includes(part.toLowerCase())

/** `EmailRepository.list` over emails in memory: the same filters, order and pages as the SQL. */
export const listEmails = (
  emails: ReadonlyArray<{ readonly record: EmailRecord; readonly events: ReadonlyArray<EmailEvent> }>,
  teamId: TeamId,
  filter: EmailFilter,
  page: number,
  perPage: number
): { readonly emails: ReadonlyArray<EmailRecord>; readonly total: number } => {
  const provider =
    filter.provider === undefined ? undefined : MAILBOX_PROVIDERS.find((p) => p.name === filter.provider)
  if (filter.provider !== undefined && provider === undefined) return { emails: [], total: 0 }
  const matching = emails
    .filter(({ record: e, events }) => {
      const recipients = [...e.toAddresses, ...e.ccAddresses, ...e.bccAddresses]
      return (
        e.teamId === teamId &&
        (filter.statuses === undefined || filter.statuses.includes(e.status)) &&
        (filter.domainId === undefined || e.domainId === filter.domainId) &&
        (filter.from === undefined || e.createdAt.getTime() >= filter.from.getTime()) &&
        (filter.to === undefined || e.createdAt.getTime() < filter.to.getTime()) &&
        (filter.tag === undefined || e.tags.includes(filter.tag)) &&
        (filter.sender === undefined || includesText(e.fromAddress, filter.sender)) &&
        (filter.subject === undefined || includesText(e.subject, filter.subject)) &&
        (filter.recipient === undefined || recipients.some((r) => includesText(r, filter.recipient ?? ""))) &&
        (provider === undefined ||
          provider.domains.test((e.toAddresses[0] ?? "").split("@")[1]?.toLowerCase() ?? "")) &&
        (filter.country === undefined || events.some((ev) => ev.location?.country === filter.country)) &&
        (filter.device === undefined ||
          events.some((ev) => ev.reader?.deviceType?.toLowerCase() === filter.device?.toLowerCase()))
      )
    })
    .map((s) => s.record)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
  return { emails: matching.slice((page - 1) * perPage, page * perPage), total: matching.length }
}
