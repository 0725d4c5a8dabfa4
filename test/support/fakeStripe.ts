import { createHmac, randomBytes } from "node:crypto"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"

/** One API call the fake received, as Stripe would have: form-encoded, with its idempotency key. */
export interface StripeCall {
  readonly method: string
  readonly path: string
  readonly form: URLSearchParams
  readonly idempotencyKey: string | null
  readonly authorization: string | null
}

export interface FakeStripe {
  /** `http://127.0.0.1:<port>`: the SDK's host, port and protocol. */
  readonly url: string
  readonly secretKey: string
  readonly webhookSecret: string
  readonly calls: Array<StripeCall>
  /** Billing meter events kept, by their `identifier` (Stripe keeps one per identifier). */
  readonly meterEvents: Map<
    string,
    { readonly customer: string; readonly value: string; readonly eventName: string }
  >
  /** Makes every API call fail with a 500 (Stripe down) while true. */
  failing: boolean
  /** A Stripe event envelope (`evt_…`) for `type` and its object, created `createdAt` (default now). */
  readonly event: (type: string, object: Record<string, unknown>, createdAt?: Date) => Record<string, unknown>
  /** The `Stripe-Signature` header Stripe would send for `payload` at `timestamp` (seconds; default now). */
  readonly sign: (payload: string, timestamp?: number, secret?: string) => string
  readonly close: () => Promise<void>
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/**
 * A local stand-in for Stripe's API, speaking its wire format: form-encoded POSTs to `/v1/...`
 * with a Bearer secret key, JSON objects back, `Idempotency-Key` honoured (the first answer is
 * replayed), errors as `{error: {type, message}}`. Webhook signatures are Stripe's scheme:
 * `t=<seconds>,v1=<HMAC-SHA256(secret, "<t>.<payload>")>`.
 */
export const startFakeStripe = async (): Promise<FakeStripe> => {
  const secretKey = `sk_test_${randomBytes(12).toString("hex")}`
  const webhookSecret = `whsec_${randomBytes(16).toString("hex")}`
  const calls: Array<StripeCall> = []
  const meterEvents: FakeStripe["meterEvents"] = new Map()
  const replays = new Map<string, { status: number; body: string }>()
  const state = { failing: false }

  const answer = (path: string, form: URLSearchParams): { status: number; body: unknown } => {
    switch (path) {
      case "/v1/customers":
        return {
          status: 200,
          body: {
            id: id("cus"),
            object: "customer",
            name: form.get("name"),
            metadata: { poststack_team_id: form.get("metadata[poststack_team_id]") }
          }
        }
      case "/v1/checkout/sessions": {
        const session = id("cs_test")
        return {
          status: 200,
          body: {
            id: session,
            object: "checkout.session",
            mode: form.get("mode"),
            customer: form.get("customer"),
            client_reference_id: form.get("client_reference_id"),
            success_url: form.get("success_url"),
            url: `https://checkout.stripe.test/c/pay/${session}?price=${form.get("line_items[0][price]")}`
          }
        }
      }
      case "/v1/billing_portal/sessions":
        return {
          status: 200,
          body: {
            id: id("bps"),
            object: "billing_portal.session",
            customer: form.get("customer"),
            return_url: form.get("return_url"),
            url: `https://billing.stripe.test/p/session/${form.get("customer")}`
          }
        }
      case "/v1/billing/meter_events": {
        const identifier = form.get("identifier") ?? id("mev")
        if (!meterEvents.has(identifier))
          meterEvents.set(identifier, {
            customer: form.get("payload[stripe_customer_id]") ?? "",
            value: form.get("payload[value]") ?? "",
            eventName: form.get("event_name") ?? ""
          })
        return {
          status: 200,
          body: { object: "billing.meter_event", identifier, event_name: form.get("event_name"), payload: {} }
        }
      }
      default:
        return {
          status: 404,
          body: {
            error: { type: "invalid_request_error", message: `Unrecognized request URL (POST: ${path})` }
          }
        }
    }
  }

  const server = createServer(async (req, res) => {
    const raw = await readBody(req)
    const form = new URLSearchParams(raw)
    const path = (req.url ?? "/").split("?")[0] ?? "/"
    const idempotencyKey = (req.headers["idempotency-key"] as string | undefined) ?? null
    calls.push({
      method: req.method ?? "",
      path,
      form,
      idempotencyKey,
      authorization: req.headers.authorization ?? null
    })
    const send = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "application/json", "request-id": id("req") })
      res.end(body)
    }
    if (req.headers.authorization !== `Bearer ${secretKey}`)
      return send(
        401,
        JSON.stringify({ error: { type: "invalid_request_error", message: "Invalid API Key provided" } })
      )
    if (state.failing)
      return send(
        500,
        JSON.stringify({ error: { type: "api_error", message: "Something went wrong on Stripe's end." } })
      )
    const replay = idempotencyKey === null ? undefined : replays.get(idempotencyKey)
    if (replay !== undefined) return send(replay.status, replay.body)
    const { status, body } = answer(path, form)
    const text = JSON.stringify(body)
    if (idempotencyKey !== null) replays.set(idempotencyKey, { status, body: text })
    send(status, text)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    webhookSecret,
    calls,
    meterEvents,
    get failing() {
      return state.failing
    },
    set failing(value: boolean) {
      state.failing = value
    },
    event: (type, object, createdAt = new Date()) => ({
      id: id("evt"),
      object: "event",
      api_version: "2026-10-28.endive",
      created: Math.floor(createdAt.getTime() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object }
    }),
    sign: (payload, timestamp = Math.floor(Date.now() / 1000), secret = webhookSecret) =>
      `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex")}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
