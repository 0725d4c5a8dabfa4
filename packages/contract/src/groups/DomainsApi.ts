import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import {
  DnsRecordType,
  DomainStatus,
  parseDomainRef,
  RecordStatus,
  Region,
  StreamPreference,
  TlsMode
} from "@poststack/domain"
import { ParseResult, Schema } from "effect"
import {
  ConflictJson,
  DnsUnavailableJson,
  NotFoundJson,
  StateConflictJson,
  UnprocessableJson
} from "../errors.js"
import { DecimalParam, MAX_ID, PageParam, PerPageParam } from "./params.js"
import { FullAccess } from "../middleware/Authentication.js"
import { Success } from "./common.js"

/** The SDK's `DnsRecord.purpose` enum: the tracking CNAME is not in it, so it has a field of its own. */
export const PublicDnsRecordPurpose = Schema.Literal(
  "spf",
  "dkim",
  "dkim_rotation",
  "dmarc",
  "return_path",
  "mx",
  "imap",
  "submission"
)

const dnsRecordFields = {
  type: DnsRecordType,
  name: Schema.String,
  value: Schema.String,
  priority: Schema.NullOr(Schema.Int),
  /** Whether DNS serves the record now. */
  verified: Schema.Boolean,
  status: RecordStatus,
  /** Whether the domain's verification waits for this record. */
  required: Schema.Boolean,
  checkedAt: Schema.NullOr(Schema.Date)
}

export class DnsRecordView extends Schema.Class<DnsRecordView>("DnsRecord")({
  ...dnsRecordFields,
  purpose: PublicDnsRecordPurpose
}) {}

/** The CNAME a custom tracking domain needs (advisory: it never gates verification). */
export class TrackingDnsRecordView extends Schema.Class<TrackingDnsRecordView>("TrackingDnsRecord")({
  ...dnsRecordFields,
  purpose: Schema.Literal("tracking")
}) {}

export class DomainView extends Schema.Class<DomainView>("Domain")({
  id: Schema.Int,
  publicId: Schema.String,
  name: Schema.String,
  status: DomainStatus,
  verified: Schema.Boolean,
  region: Region,
  dnsRecords: Schema.Array(DnsRecordView),
  openTracking: Schema.Boolean,
  clickTracking: Schema.Boolean,
  trackingDomain: Schema.NullOr(Schema.String),
  /** The tracking domain's CNAME, kept out of `dnsRecords` whose `purpose` the SDK types as an enum. */
  trackingDnsRecord: Schema.NullOr(TrackingDnsRecordView),
  customReturnPath: Schema.String,
  catchAll: Schema.Boolean,
  inboundEnabled: Schema.Boolean,
  tlsMode: TlsMode,
  streamPreference: StreamPreference,
  bimiLogoUrl: Schema.NullOr(Schema.String),
  verifiedAt: Schema.NullOr(Schema.Date),
  lastCheckedAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date,
  /** An addition: when the operator marked the domain verified for local use, without DNS. */
  verifiedLocallyAt: Schema.NullOr(Schema.Date).annotations({
    description:
      "An addition to the contract: set when the operator ran `poststack domains verify-local`; the domain then sends without its DNS being checked."
  }),
  /** An addition: records that would point at this machine's loopback. */
  dnsWarnings: Schema.Array(Schema.String).annotations({
    description:
      "An addition to the contract: one line per DNS record that points at localhost (POSTSTACK_PUBLIC_URL / POSTSTACK_MX_HOST unset) and must not be published as is."
  })
}) {}

/** `{ domain }` plus the bare snake_case fields the Terraform provider reads. */
export const DomainEnvelope = Schema.Struct({
  domain: DomainView,
  id: Schema.Int,
  name: Schema.String,
  status: DomainStatus,
  verified: Schema.Boolean,
  open_tracking: Schema.Boolean,
  click_tracking: Schema.Boolean
})

export class DkimRotationView extends Schema.Class<DkimRotationView>("DkimRotation")({
  domainId: Schema.Int,
  state: Schema.Literal("idle", "pending_dns", "ready", "retiring"),
  activeSelector: Schema.NullOr(Schema.String),
  pendingSelector: Schema.NullOr(Schema.String),
  pendingPublicKey: Schema.NullOr(Schema.String),
  pendingRecordName: Schema.NullOr(Schema.String),
  pendingRecordValue: Schema.NullOr(Schema.String),
  startedAt: Schema.NullOr(Schema.Date),
  publishedAt: Schema.NullOr(Schema.Date),
  activatesAfter: Schema.NullOr(Schema.Date),
  retiredSelector: Schema.NullOr(Schema.String),
  retireAfter: Schema.NullOr(Schema.Date)
}) {}

/** A domain in a path: its numeric id or its `dom_` public id. */
export const DomainRefParam = Schema.transformOrFail(
  Schema.String,
  Schema.Union(
    Schema.Struct({ _tag: Schema.Literal("Numeric"), id: Schema.Int }),
    Schema.Struct({ _tag: Schema.Literal("Public"), publicId: Schema.String })
  ),
  {
    strict: true,
    decode: (raw, _, ast) => {
      const ref = parseDomainRef(raw)
      return ref === undefined || (ref._tag === "Numeric" && ref.id > MAX_ID)
        ? ParseResult.fail(new ParseResult.Type(ast, raw, "must be a domain id or a dom_ public id"))
        : ParseResult.succeed(ref)
    },
    encode: (ref) => ParseResult.succeed(ref._tag === "Numeric" ? String(ref.id) : ref.publicId)
  }
)

const HttpsUrl = Schema.String.pipe(
  Schema.maxLength(2048),
  Schema.pattern(/^https:\/\/[^\s/]+\.[^\s]+$/, { message: () => "must be an https URL" })
)

export const CreateDomainBody = Schema.Struct({
  name: Schema.String.pipe(Schema.maxLength(253)),
  region: Schema.optional(Region),
  customReturnPath: Schema.optional(Schema.String).pipe(Schema.fromKey("custom_return_path")),
  openTracking: Schema.optionalWith(Schema.Boolean, { default: () => false }).pipe(
    Schema.fromKey("open_tracking")
  ),
  clickTracking: Schema.optionalWith(Schema.Boolean, { default: () => false }).pipe(
    Schema.fromKey("click_tracking")
  ),
  tlsMode: Schema.optionalWith(TlsMode, { default: () => "opportunistic" as const }).pipe(
    Schema.fromKey("tls_mode")
  ),
  trackingDomain: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("tracking_domain")),
  inboundEnabled: Schema.optionalWith(Schema.Boolean, { default: () => false }).pipe(
    Schema.fromKey("inbound_enabled")
  )
})

export const UpdateDomainBody = Schema.Struct({
  openTracking: Schema.optional(Schema.Boolean).pipe(Schema.fromKey("open_tracking")),
  clickTracking: Schema.optional(Schema.Boolean).pipe(Schema.fromKey("click_tracking")),
  trackingDomain: Schema.optional(Schema.NullOr(Schema.String)).pipe(Schema.fromKey("tracking_domain")),
  tlsMode: Schema.optional(TlsMode).pipe(Schema.fromKey("tls_mode")),
  inboundEnabled: Schema.optional(Schema.Boolean).pipe(Schema.fromKey("inbound_enabled")),
  catchAll: Schema.optional(Schema.Boolean).pipe(Schema.fromKey("catch_all")),
  streamPreference: Schema.optional(StreamPreference).pipe(Schema.fromKey("stream_preference")),
  bimiLogoUrl: Schema.optional(Schema.NullOr(HttpsUrl)).pipe(Schema.fromKey("bimi_logo_url")),
  customReturnPath: Schema.optional(Schema.String).pipe(Schema.fromKey("custom_return_path"))
})

const idPath = Schema.Struct({ id: DomainRefParam })

const Signal = Schema.Struct({
  bucket: Schema.Literal(
    "throttled",
    "reputation_block",
    "authentication",
    "content",
    "policy",
    "recipient",
    "infrastructure",
    "unknown"
  ),
  ownership: Schema.Literal("sender", "recipient", "unknown"),
  provider: Schema.String,
  code: Schema.NullOr(Schema.String),
  message: Schema.NullOr(Schema.String),
  messages: Schema.Int,
  lastSeenAt: Schema.Date
})

export const InboxPlacementView = Schema.Struct({
  windowDays: Schema.Int,
  totals: Schema.Struct({
    sent: Schema.Int,
    accepted: Schema.Int,
    deferred: Schema.Int,
    bounced: Schema.Int,
    complained: Schema.Int,
    acceptanceRate: Schema.NullOr(Schema.Number),
    complaintRate: Schema.NullOr(Schema.Number),
    avgSpamScore: Schema.NullOr(Schema.Number)
  }),
  senderSignals: Schema.Array(Signal),
  recipientSignals: Schema.Array(Signal),
  providers: Schema.Array(
    Schema.Struct({
      provider: Schema.String,
      sent: Schema.Int,
      accepted: Schema.Int,
      deferred: Schema.Int,
      bounced: Schema.Int,
      complained: Schema.Int,
      acceptanceRate: Schema.NullOr(Schema.Number)
    })
  )
})

const Days = Schema.Struct({
  days: Schema.optionalWith(DecimalParam(1, 365, "a number of days from 1 to 365"), { default: () => 30 })
})

export const Pagination = Schema.Struct({
  page: Schema.Int,
  perPage: Schema.Int,
  total: Schema.Int,
  totalPages: Schema.Int
})

/** A DMARC aggregate report, in the current SDK's fields plus the counts older SDKs read. */
export class DmarcReportView extends Schema.Class<DmarcReportView>("DmarcReport")({
  id: Schema.Int,
  domainId: Schema.Int,
  reportId: Schema.String,
  orgName: Schema.String,
  email: Schema.NullOr(Schema.String),
  dateRangeStart: Schema.NullOr(Schema.Date),
  dateRangeEnd: Schema.NullOr(Schema.Date),
  dateRangeBegin: Schema.NullOr(Schema.Date),
  domain: Schema.String,
  policyPublished: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  status: Schema.Literal("pending", "processed", "error"),
  totalCount: Schema.Int,
  passCount: Schema.Int,
  failCount: Schema.Int,
  createdAt: Schema.Date
}) {}

const DmarcDaily = Schema.Struct({
  date: Schema.String,
  total: Schema.Int,
  passed: Schema.Int,
  failed: Schema.Int
})

export const DmarcStatsView = Schema.Struct({
  totals: Schema.Struct({
    totalMessages: Schema.Int,
    passed: Schema.Int,
    spfPassed: Schema.Int,
    dkimPassed: Schema.Int
  }),
  daily: Schema.Array(DmarcDaily),
  totalMessages: Schema.Int,
  passRate: Schema.Number,
  failedMessages: Schema.Int,
  dailyStats: Schema.Array(Schema.Struct({ date: Schema.String, pass: Schema.Int, fail: Schema.Int }))
})

export const DmarcSourceView = Schema.Struct({
  sourceIp: Schema.String,
  orgName: Schema.NullOr(Schema.String),
  total: Schema.Int,
  passed: Schema.Int,
  failed: Schema.Int,
  count: Schema.Int,
  passCount: Schema.Int,
  failCount: Schema.Int
})
const Rotation = Schema.Struct({ rotation: DkimRotationView })

/** `/domains`: every route needs a full-access key. */
export class DomainsApi extends HttpApiGroup.make("domains")
  .add(
    HttpApiEndpoint.post("create", "/domains")
      .setPayload(CreateDomainBody)
      .addSuccess(DomainEnvelope, { status: 201 })
      .addError(ConflictJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.get("list", "/domains").addSuccess(Schema.Struct({ domains: Schema.Array(DomainView) }))
  )
  .add(
    HttpApiEndpoint.get("get", "/domains/:id")
      .setPath(idPath)
      .addSuccess(DomainEnvelope)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.patch("update", "/domains/:id")
      .setPath(idPath)
      .setPayload(UpdateDomainBody)
      .addSuccess(DomainEnvelope)
      .addError(NotFoundJson)
      .addError(UnprocessableJson)
  )
  .add(
    HttpApiEndpoint.del("delete", "/domains/:id").setPath(idPath).addSuccess(Success).addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("verify", "/domains/:id/verify")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ queued: Schema.Boolean, domain: DomainView }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("startDkimRotation", "/domains/:id/dkim/rotate")
      .setPath(idPath)
      .addSuccess(Rotation)
      .addError(NotFoundJson)
      .addError(StateConflictJson)
  )
  .add(
    HttpApiEndpoint.post("activateDkimRotation", "/domains/:id/dkim/rotate/activate")
      .setPath(idPath)
      .setUrlParams(Schema.Struct({ force: Schema.optional(Schema.Literal("true", "false")) }))
      .addSuccess(Rotation)
      .addError(NotFoundJson)
      .addError(StateConflictJson)
      .addError(DnsUnavailableJson)
  )
  .add(
    HttpApiEndpoint.del("cancelDkimRotation", "/domains/:id/dkim/rotate")
      .setPath(idPath)
      .addSuccess(Rotation)
      .addError(NotFoundJson)
      .addError(StateConflictJson)
  )
  .add(
    HttpApiEndpoint.get("dmarcReports", "/domains/:id/dmarc/reports")
      .setPath(idPath)
      .setUrlParams(
        Schema.Struct({
          page: Schema.optionalWith(PageParam, { default: () => 1 }),
          perPage: Schema.optional(PerPageParam),
          per_page: Schema.optional(PerPageParam)
        })
      )
      .addSuccess(
        Schema.Struct({
          reports: Schema.Array(DmarcReportView),
          pagination: Pagination,
          data: Schema.Array(DmarcReportView),
          meta: Pagination
        })
      )
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("dmarcStats", "/domains/:id/dmarc/stats")
      .setPath(idPath)
      .setUrlParams(Days)
      .addSuccess(DmarcStatsView)
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("dmarcSources", "/domains/:id/dmarc/sources")
      .setPath(idPath)
      .setUrlParams(Days)
      .addSuccess(Schema.Struct({ sources: Schema.Array(DmarcSourceView) }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.post("assignIp", "/domains/:id/ip")
      .setPath(idPath)
      .setPayload(Schema.Struct({ ipAddressId: Schema.Int.pipe(Schema.between(1, MAX_ID)) }))
      .addSuccess(Schema.Struct({ success: Schema.Literal(true) }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.del("unassignIp", "/domains/:id/ip")
      .setPath(idPath)
      .addSuccess(Schema.Struct({ success: Schema.Literal(true) }))
      .addError(NotFoundJson)
  )
  .add(
    HttpApiEndpoint.get("placement", "/domains/:id/placement")
      .setPath(idPath)
      .setUrlParams(Days)
      .addSuccess(InboxPlacementView)
      .addError(NotFoundJson)
  )
  .middleware(FullAccess)
  .annotate(OpenApi.Title, "Domains") {}
