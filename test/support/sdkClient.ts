import { randomUUID } from "node:crypto"

/**
 * Speaks to the API the way the official TypeScript SDK does: a Bearer key, a JSON content type
 * on every request (GET and DELETE included), its User-Agent, and a fresh `Idempotency-Key` on
 * every POST. Failures throw like the SDK's `PostStackError`.
 */
export class SdkError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly code: string | undefined,
    readonly requestId: string | null,
    readonly headers: Headers
  ) {
    super(message)
  }
}

export interface ApiKeyWire {
  id: number
  name: string
  keyPrefix: string
  permission: "full_access" | "sending_access"
  mode: "live" | "test"
  domainId: number | null
  lastUsedAt: string | null
  expiresAt: string | null
  createdAt: string
  key?: string
}

export interface SuppressionWire {
  id: number
  email: string
  reason: "hard_bounce" | "complaint" | "unsubscribe" | "manual"
  createdAt: string
}

export interface ContactWire {
  id: number
  publicId: string
  email: string
  firstName: string | null
  lastName: string | null
  unsubscribed: boolean
  properties: Record<string, unknown> | null
  engagementSegment: "active" | "at_risk" | "dormant"
  lastEngagedAt: string | null
  createdAt: string
  updatedAt: string
  suppressionReason?: string | null
}

export interface ContactPropertyWire {
  id: number
  name: string
  label: string
  type: "text" | "number" | "boolean" | "date" | "select"
  options?: string[]
  required: boolean
  createdAt: string
}

export interface SegmentWire {
  id: number
  publicId: string
  name: string
  rules: { operator: "and" | "or"; conditions: Array<Record<string, unknown>> } | null
  contactCount: number
  countUnavailable?: boolean
  createdAt: string
  updatedAt: string
  contacts?: ContactWire[]
}

export interface PageMeta {
  page: number
  perPage: number
  total: number
  totalPages: number
}

/** The error an SDK call that must fail threw; throws if the call succeeded. */
export const rejection = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    if (error instanceof SdkError) return error
    throw error
  }
  throw new Error("expected the call to fail")
}

/** What an SDK call that must fail answered: its status, code and message. */
export const failure = async (promise: Promise<unknown>) => {
  const e = await rejection(promise)
  return { status: e.statusCode, code: e.code, message: e.message }
}

export const sdk = (apiKey: string, options: { baseUrl: string }) => {
  const baseUrl = options.baseUrl.replace(/\/$/, "")
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${apiKey}`,
      "Content-Type": "application/json",
      "User-Agent": "PostStack-TypeScript-SDK/0.14.0"
    }
    if (method === "POST") headers["Idempotency-Key"] = randomUUID()
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    if (!res.ok) {
      const parsed = (await res.json().catch(() => ({ error: res.statusText }))) as {
        error?: string
        code?: string
      }
      throw new SdkError(
        res.status,
        parsed.error ?? "Unknown error",
        parsed.code,
        res.headers.get("x-request-id"),
        res.headers
      )
    }
    return (await res.json()) as T
  }
  return {
    apiKeys: {
      create: (input: Record<string, unknown>) => request<ApiKeyWire>("POST", "/api-keys", input),
      list: () => request<{ keys: ApiKeyWire[] }>("GET", "/api-keys"),
      get: (id: number) => request<ApiKeyWire>("GET", `/api-keys/${id}`),
      update: (id: number, input: { name?: string }) =>
        request<ApiKeyWire>("PATCH", `/api-keys/${id}`, input),
      rotate: (id: number) => request<ApiKeyWire>("POST", `/api-keys/${id}/rotate`),
      revoke: (id: number) => request<{ success: boolean }>("DELETE", `/api-keys/${id}`)
    },
    contacts: {
      create: (input: Record<string, unknown>) =>
        request<{ contact: ContactWire }>("POST", "/contacts", input),
      list: (params: Record<string, string | number | boolean | undefined> = {}) => {
        const query = new URLSearchParams(
          Object.entries(params).flatMap(
            ([k, v]): Array<[string, string]> => (v === undefined ? [] : [[k, String(v)]])
          )
        ).toString()
        return request<{ data: ContactWire[]; meta: PageMeta }>(
          "GET",
          `/contacts${query === "" ? "" : `?${query}`}`
        )
      },
      get: (id: string) => request<{ contact: ContactWire }>("GET", `/contacts/${encodeURIComponent(id)}`),
      getByEmail: (email: string) =>
        request<{ contact: ContactWire }>("GET", `/contacts/by-email/${encodeURIComponent(email)}`),
      update: (id: string, input: Record<string, unknown>) =>
        request<{ contact: ContactWire }>("PATCH", `/contacts/${encodeURIComponent(id)}`, input),
      delete: (id: string) => request<{ success: boolean }>("DELETE", `/contacts/${encodeURIComponent(id)}`),
      unsubscribe: (id: string) =>
        request<{ contact: ContactWire }>("POST", `/contacts/${encodeURIComponent(id)}/unsubscribe`),
      import: (contacts: ReadonlyArray<Record<string, unknown>>) =>
        request<{ imported: number; skipped: number; errors: string[] }>("POST", "/contacts/import", {
          contacts
        }),
      /** G2 reads the export as text. */
      exportCsv: async (params: { segment_id?: string } = {}) => {
        const query =
          params.segment_id === undefined ? "" : `?segment_id=${encodeURIComponent(params.segment_id)}`
        const res = await fetch(`${baseUrl}/contacts/export${query}`, {
          headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" }
        })
        if (!res.ok) {
          const parsed = (await res.json()) as { error?: string; code?: string }
          throw new SdkError(res.status, parsed.error ?? "Unknown error", parsed.code, null, res.headers)
        }
        return { contentType: res.headers.get("content-type"), text: await res.text() }
      }
    },
    broadcasts: {
      create: (input: Record<string, unknown>) =>
        request<{ broadcast: BroadcastWire }>("POST", "/broadcasts", input),
      list: (params: { page?: number; per_page?: number; search?: string; status?: string } = {}) => {
        const query = new URLSearchParams(
          Object.entries(params).flatMap(
            ([k, v]): Array<[string, string]> => (v === undefined ? [] : [[k, String(v)]])
          )
        ).toString()
        return request<{ data: BroadcastWire[]; meta: PageMeta }>(
          "GET",
          `/broadcasts${query === "" ? "" : `?${query}`}`
        )
      },
      get: (id: string) =>
        request<{ broadcast: BroadcastWire }>("GET", `/broadcasts/${encodeURIComponent(id)}`),
      update: (id: string, input: Record<string, unknown>) =>
        request<{ broadcast: BroadcastWire }>("PATCH", `/broadcasts/${encodeURIComponent(id)}`, input),
      send: (id: string) =>
        request<{ success: boolean }>("POST", `/broadcasts/${encodeURIComponent(id)}/send`),
      cancel: (id: string) =>
        request<{ success: boolean }>("POST", `/broadcasts/${encodeURIComponent(id)}/cancel`),
      sendTest: (id: string, email: string) =>
        request<{ success: boolean }>("POST", `/broadcasts/${encodeURIComponent(id)}/test`, { email }),
      getVariants: async (id: string) =>
        (
          await request<{ variants: Array<Record<string, unknown>> }>(
            "GET",
            `/broadcasts/${encodeURIComponent(id)}/variants`
          )
        ).variants,
      getVariantStats: (id: string) =>
        request<{ variants: Array<Record<string, unknown>>; winnerVariantId: number | null }>(
          "GET",
          `/broadcasts/${encodeURIComponent(id)}/variant-stats`
        ),
      endAbTest: (id: string) =>
        request<{ success: boolean }>("POST", `/broadcasts/${encodeURIComponent(id)}/end-ab-test`),
      performance: (id: string) =>
        request<{ broadcast: Record<string, unknown>; variants: unknown }>(
          "GET",
          `/broadcasts/${encodeURIComponent(id)}/performance`
        ),
      listPerformance: (params: { since?: string; metric?: string; limit?: number } = {}) => {
        const query = new URLSearchParams(
          Object.entries(params).flatMap(
            ([k, v]): Array<[string, string]> => (v === undefined ? [] : [[k, String(v)]])
          )
        ).toString()
        return request<{ metric: string; since: string | null; broadcasts: Array<Record<string, unknown>> }>(
          "GET",
          `/broadcasts/performance${query === "" ? "" : `?${query}`}`
        )
      },
      nonOpeners: (id: string, params: { limit?: number } = {}) =>
        request<{
          broadcast: { id: string; subject: string }
          count: number
          contacts: Array<Record<string, unknown>>
        }>(
          "GET",
          `/broadcasts/${encodeURIComponent(id)}/non-openers${params.limit === undefined ? "" : `?limit=${params.limit}`}`
        ),
      nonClickers: (id: string, params: { limit?: number } = {}) =>
        request<{
          broadcast: { id: string; subject: string }
          count: number
          contacts: Array<Record<string, unknown>>
        }>(
          "GET",
          `/broadcasts/${encodeURIComponent(id)}/non-clickers${params.limit === undefined ? "" : `?limit=${params.limit}`}`
        ),
      resend: (id: string, input?: { target?: string; subject?: string }) =>
        request<{
          broadcast: { id: string; subject: string; status: string }
          segment: { id: string; name: string }
          recipientCount: number
        }>("POST", `/broadcasts/${encodeURIComponent(id)}/resend`, input ?? {})
    },
    segments: {
      create: (input: Record<string, unknown>) =>
        request<{ segment: SegmentWire }>("POST", "/segments", input),
      list: () => request<{ segments: SegmentWire[] }>("GET", "/segments"),
      get: (id: string) => request<{ segment: SegmentWire }>("GET", `/segments/${encodeURIComponent(id)}`),
      update: (id: string, input: Record<string, unknown>) =>
        request<{ segment: SegmentWire }>("PATCH", `/segments/${encodeURIComponent(id)}`, input),
      delete: (id: string) => request<{ success: boolean }>("DELETE", `/segments/${encodeURIComponent(id)}`),
      addContacts: (id: string, contactIds: string[]) =>
        request<{ added: number; success: boolean }>("POST", `/segments/${encodeURIComponent(id)}/contacts`, {
          contact_ids: contactIds
        }),
      removeContact: (id: string, contactId: string) =>
        request<{ success: boolean }>(
          "DELETE",
          `/segments/${encodeURIComponent(id)}/contacts/${encodeURIComponent(contactId)}`
        ),
      members: (id: string, params: { page?: number; per_page?: number } = {}) => {
        const query = new URLSearchParams(
          Object.entries(params)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]): [string, string] => [k, String(v)])
        ).toString()
        return request<{ data: ContactWire[]; meta: PageMeta }>(
          "GET",
          `/segments/${encodeURIComponent(id)}/members${query === "" ? "" : `?${query}`}`
        )
      },
      growth: (id: string, params: { days?: number } = {}) =>
        request<{ available: boolean; daily: Array<{ date: string; members: number }> }>(
          "GET",
          `/segments/${encodeURIComponent(id)}/growth${params.days === undefined ? "" : `?days=${params.days}`}`
        ),
      broadcasts: (id: string) =>
        request<{ broadcasts: unknown[] }>("GET", `/segments/${encodeURIComponent(id)}/broadcasts`),
      previewRules: (rules: unknown) => request<{ count: number }>("POST", "/segments/preview", { rules })
    },
    contactProperties: {
      list: () => request<{ properties: ContactPropertyWire[] }>("GET", "/contact-properties"),
      create: (input: Record<string, unknown>) =>
        request<{ property: ContactPropertyWire } & ContactPropertyWire>(
          "POST",
          "/contact-properties",
          input
        ),
      update: (id: number, input: Record<string, unknown>) =>
        request<{ property: ContactPropertyWire } & ContactPropertyWire>(
          "PATCH",
          `/contact-properties/${id}`,
          input
        ),
      delete: (id: number) => request<{ success: boolean }>("DELETE", `/contact-properties/${id}`),
      optionUsage: (id: number) =>
        request<{ usage: Record<string, number> }>("GET", `/contact-properties/${id}/option-usage`)
    },
    suppressions: {
      list: (params: { page?: number; per_page?: number } = {}) => {
        const query = new URLSearchParams(
          Object.entries(params)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]): [string, string] => [k, String(v)])
        ).toString()
        return request<{ data: SuppressionWire[]; meta: PageMeta }>(
          "GET",
          `/suppressions${query === "" ? "" : `?${query}`}`
        )
      },
      add: (input: { email: string; reason: string }) =>
        request<{ success: boolean }>("POST", "/suppressions", input),
      remove: (email: string) =>
        request<{ success: boolean }>("DELETE", `/suppressions/${encodeURIComponent(email)}`)
    },
    emailValidations: {
      validate: (email: string) => request<EmailValidationWire>("POST", "/email-validations", { email }),
      validateBatch: (emails: string[]) =>
        request<{ results: EmailValidationWire[] }>("POST", "/email-validations/batch", { emails })
    },
    notificationChannels: {
      create: async (input: Record<string, unknown>) =>
        (await request<{ channel: NotificationChannelWire }>("POST", "/notification-channels", input))
          .channel,
      list: () => request<{ channels: NotificationChannelWire[] }>("GET", "/notification-channels"),
      get: async (id: string) =>
        (
          await request<{ channel: NotificationChannelWire }>(
            "GET",
            `/notification-channels/${encodeURIComponent(id)}`
          )
        ).channel,
      update: async (id: string, input: Record<string, unknown>) =>
        (
          await request<{ channel: NotificationChannelWire }>(
            "PUT",
            `/notification-channels/${encodeURIComponent(id)}`,
            input
          )
        ).channel,
      delete: (id: string) =>
        request<{ success: boolean }>("DELETE", `/notification-channels/${encodeURIComponent(id)}`),
      test: (id: string) =>
        request<{ success: true; statusCode: number | null; responseBody: string | null }>(
          "POST",
          `/notification-channels/${encodeURIComponent(id)}/test`
        ),
      getDeliveries: (id: string, params: { page?: number; per_page?: number } = {}) => {
        const query = new URLSearchParams(
          Object.entries(params)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]): [string, string] => [k, String(v)])
        ).toString()
        return request<{ deliveries: NotificationDeliveryWire[]; meta: PageMeta }>(
          "GET",
          `/notification-channels/${encodeURIComponent(id)}/deliveries${query === "" ? "" : `?${query}`}`
        )
      },
      replayDelivery: (id: string, deliveryId: number) =>
        request<{ success: boolean }>(
          "POST",
          `/notification-channels/${encodeURIComponent(id)}/deliveries/${deliveryId}/replay`
        )
    }
  }
}

export interface EmailValidationWire {
  email: string
  result: "deliverable" | "undeliverable" | "risky" | "unknown"
  checks: { syntax: boolean; mx: boolean; disposable: boolean; role: boolean; free: boolean }
  risk: "low" | "medium" | "high"
  syntaxValid: boolean
  mxValid: boolean
  isDisposable: boolean
  isRole: boolean
  isFree: boolean
}

export interface NotificationChannelWire {
  publicId: string
  type: "slack" | "discord" | "telegram" | "web_push"
  name: string
  domainId: number | null
  mailboxId: number | null
  events: string[]
  active: boolean
  configSummary: Record<string, string>
  consecutiveFailures: number
  disabledAt: string | null
  disabledReason: string | null
  lastUsedAt: string | null
  createdAt: string
  updatedAt: string
}

export interface NotificationDeliveryWire {
  id: number
  channelId: number
  eventType: string
  payload: Record<string, unknown>
  statusCode: number | null
  responseBody: string | null
  attempts: number
  nextRetryAt: string | null
  deliveredAt: string | null
  createdAt: string
}

export interface BroadcastWire {
  id: number
  publicId: string
  name: string | null
  subject: string
  status: "draft" | "queued" | "sending" | "sent" | "cancelled"
  segmentPublicId: string | null
  topicPublicId: string | null
  segmentId?: number | null
  totalRecipients: number
  deliveredCount: number
  openedCount: number
  clickedCount: number
  bouncedCount: number
  createdAt: string
  sentAt?: string | null
  scheduledAt?: string | null
}
