import { HttpApiBuilder } from "@effect/platform"
import {
  ActivateDkimRotation,
  AssignDomainIp,
  GetDmarcSources,
  GetDmarcStats,
  GetInboxPlacement,
  ListDmarcReports,
  UnassignDomainIp,
  CancelDkimRotation,
  CreateDomain,
  DeleteDomain,
  type DomainChanges,
  GetDomain,
  ListDomains,
  StartDkimRotation,
  UpdateDomain,
  VerifyDomain
} from "@poststack/application"
import {
  type DkimRotation,
  type DnsRecord,
  type DmarcReportSummary,
  type Domain,
  type DomainRef,
  localRecordWarnings,
  passRate
} from "@poststack/domain"
import { Effect } from "effect"
import {
  Api,
  CurrentPrincipal,
  DkimRotationView,
  DmarcReportView,
  DnsRecordView,
  DomainView,
  TrackingDnsRecordView
} from "@poststack/contract"

const recordFields = (r: DnsRecord) => ({
  type: r.type,
  name: r.name,
  value: r.value,
  priority: r.priority,
  verified: r.status === "verified",
  status: r.status,
  required: r.required,
  checkedAt: r.checkedAt
})

const trackingRecord = (domain: Domain): TrackingDnsRecordView | null => {
  const record = domain.dnsRecords.find((r) => r.purpose === "tracking")
  return record === undefined
    ? null
    : TrackingDnsRecordView.make({ ...recordFields(record), purpose: "tracking" })
}

export const toDomainView = (domain: Domain): DomainView =>
  DomainView.make(
    {
      id: domain.id,
      publicId: domain.publicId,
      name: domain.name,
      status: domain.status,
      verified: domain.status === "verified",
      region: domain.region,
      dnsRecords: domain.dnsRecords.flatMap((r) =>
        r.purpose === "tracking" ? [] : [DnsRecordView.make({ ...recordFields(r), purpose: r.purpose })]
      ),
      openTracking: domain.openTracking,
      clickTracking: domain.clickTracking,
      trackingDomain: domain.trackingDomain,
      trackingDnsRecord: trackingRecord(domain),
      customReturnPath: domain.returnPathLabel,
      catchAll: domain.catchAll,
      inboundEnabled: domain.inboundEnabled,
      tlsMode: domain.tlsMode,
      streamPreference: domain.streamPreference,
      bimiLogoUrl: domain.bimiLogoUrl,
      verifiedAt: domain.verifiedAt,
      lastCheckedAt: domain.lastCheckedAt,
      createdAt: domain.createdAt,
      verifiedLocallyAt: domain.verifiedLocallyAt,
      dnsWarnings: localRecordWarnings(domain.dnsRecords)
    },
    { disableValidation: true }
  )

const envelope = (domain: Domain) => {
  const view = toDomainView(domain)
  return {
    domain: view,
    id: view.id,
    name: view.name,
    status: view.status,
    verified: view.verified,
    open_tracking: view.openTracking,
    click_tracking: view.clickTracking
  }
}

const toDmarcReportView = (r: DmarcReportSummary) =>
  DmarcReportView.make(
    {
      id: r.id,
      domainId: r.domainId,
      reportId: r.reportId,
      orgName: r.orgName,
      email: r.email,
      dateRangeStart: r.dateRangeStart,
      dateRangeEnd: r.dateRangeEnd,
      dateRangeBegin: r.dateRangeStart,
      domain: r.policyDomain,
      policyPublished: r.policyPublished,
      status: r.status,
      totalCount: r.totalCount,
      passCount: r.passCount,
      failCount: r.failCount,
      createdAt: r.createdAt
    },
    { disableValidation: true }
  )

const rotation = (r: DkimRotation) => ({
  rotation: DkimRotationView.make({ ...r }, { disableValidation: true })
})

// The key that authenticated the request; each use case holds it to its scope.
const principal = CurrentPrincipal

export const DomainsLive = HttpApiBuilder.group(Api, "domains", (handlers) =>
  handlers
    .handle("create", ({ payload }) =>
      Effect.flatMap(principal, (caller) =>
        CreateDomain(caller, {
          name: payload.name,
          customReturnPath: payload.customReturnPath,
          openTracking: payload.openTracking,
          clickTracking: payload.clickTracking,
          tlsMode: payload.tlsMode,
          trackingDomain: payload.trackingDomain,
          inboundEnabled: payload.inboundEnabled
        })
      ).pipe(Effect.map(envelope))
    )
    .handle("list", () =>
      Effect.flatMap(principal, ListDomains).pipe(
        Effect.map((domains) => ({ domains: domains.map(toDomainView) }))
      )
    )
    .handle("get", ({ path }) =>
      Effect.flatMap(principal, (caller) => GetDomain(caller, path.id as DomainRef)).pipe(
        Effect.map(envelope)
      )
    )
    .handle("update", ({ path, payload }) => {
      const changes: { -readonly [K in keyof DomainChanges]: DomainChanges[K] } = {}
      if (payload.openTracking !== undefined) changes.openTracking = payload.openTracking
      if (payload.clickTracking !== undefined) changes.clickTracking = payload.clickTracking
      if (payload.trackingDomain !== undefined) changes.trackingDomain = payload.trackingDomain
      if (payload.tlsMode !== undefined) changes.tlsMode = payload.tlsMode
      if (payload.inboundEnabled !== undefined) changes.inboundEnabled = payload.inboundEnabled
      if (payload.catchAll !== undefined) changes.catchAll = payload.catchAll
      if (payload.streamPreference !== undefined) changes.streamPreference = payload.streamPreference
      if (payload.bimiLogoUrl !== undefined) changes.bimiLogoUrl = payload.bimiLogoUrl
      if (payload.customReturnPath !== undefined) changes.returnPathLabel = payload.customReturnPath
      return Effect.flatMap(principal, (caller) => UpdateDomain(caller, path.id as DomainRef, changes)).pipe(
        Effect.map(envelope)
      )
    })
    .handle("delete", ({ path }) =>
      Effect.flatMap(principal, (caller) => DeleteDomain(caller, path.id as DomainRef)).pipe(
        Effect.as({ success: true as const, deleted: true as const })
      )
    )
    .handle("verify", ({ path }) =>
      Effect.flatMap(principal, (caller) => VerifyDomain(caller, path.id as DomainRef)).pipe(
        Effect.map((domain) => ({ queued: true, domain: toDomainView(domain) }))
      )
    )
    .handle("startDkimRotation", ({ path }) =>
      Effect.flatMap(principal, (caller) => StartDkimRotation(caller, path.id as DomainRef)).pipe(
        Effect.map(rotation)
      )
    )
    .handle("activateDkimRotation", ({ path, urlParams }) =>
      Effect.flatMap(principal, (caller) =>
        ActivateDkimRotation(caller, path.id as DomainRef, urlParams.force === "true")
      ).pipe(Effect.map(rotation))
    )
    .handle("cancelDkimRotation", ({ path }) =>
      Effect.flatMap(principal, (caller) => CancelDkimRotation(caller, path.id as DomainRef)).pipe(
        Effect.map(rotation)
      )
    )
    .handle("dmarcReports", ({ path, urlParams }) => {
      const perPage = urlParams.perPage ?? urlParams.per_page ?? 20
      return Effect.flatMap(principal, (caller) =>
        ListDmarcReports(caller, path.id as DomainRef, urlParams.page, perPage)
      ).pipe(
        Effect.map(({ reports, total }) => {
          const views = reports.map(toDmarcReportView)
          const pagination = { page: urlParams.page, perPage, total, totalPages: Math.ceil(total / perPage) }
          return { reports: views, pagination, data: views, meta: pagination }
        })
      )
    })
    .handle("dmarcStats", ({ path, urlParams }) =>
      Effect.flatMap(principal, (caller) => GetDmarcStats(caller, path.id as DomainRef, urlParams.days)).pipe(
        Effect.map((stats) => ({
          ...stats,
          totalMessages: stats.totals.totalMessages,
          passRate: passRate(stats.totals.passed, stats.totals.totalMessages),
          failedMessages: stats.totals.totalMessages - stats.totals.passed,
          dailyStats: stats.daily.map((d) => ({ date: d.date, pass: d.passed, fail: d.failed }))
        }))
      )
    )
    .handle("dmarcSources", ({ path, urlParams }) =>
      Effect.flatMap(principal, (caller) =>
        GetDmarcSources(caller, path.id as DomainRef, urlParams.days)
      ).pipe(
        Effect.map((sources) => ({
          sources: sources.map((s) => ({ ...s, count: s.total, passCount: s.passed, failCount: s.failed }))
        }))
      )
    )
    .handle("assignIp", ({ path, payload }) =>
      Effect.flatMap(principal, (caller) =>
        AssignDomainIp(caller, path.id as DomainRef, payload.ipAddressId)
      ).pipe(Effect.as({ success: true as const }))
    )
    .handle("placement", ({ path, urlParams }) =>
      Effect.flatMap(principal, (caller) => GetInboxPlacement(caller, path.id as DomainRef, urlParams.days))
    )
    .handle("unassignIp", ({ path }) =>
      Effect.flatMap(principal, (caller) => UnassignDomainIp(caller, path.id as DomainRef)).pipe(
        Effect.as({ success: true as const })
      )
    )
)
