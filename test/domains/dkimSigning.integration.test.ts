import { Resolver } from "node:dns/promises"
import { PgDatabase } from "@poststack/adapters-persistence"
import {
  asOperator,
  ActivateDkimRotation,
  CreateDomain,
  DkimSigner,
  StartDkimRotation,
  TeamRepository,
  VerifyDomain
} from "@poststack/application"
import type { DomainId, DomainRef, TeamId } from "@poststack/domain"
import { Effect, Either, Layer, ManagedRuntime, Redacted } from "effect"
import { authenticate } from "mailauth"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, query } from "../support/database.js"
import { startDnsServer, type TestDnsServer } from "../support/dnsServer.js"
import { testServices } from "../support/server.js"

const message = (from: string, to: string) =>
  [
    `From: Sender <${from}>`,
    `To: <${to}>`,
    "Subject: Signed by PostStack",
    "Date: Fri, 27 Nov 2026 10:00:00 +0000",
    `Message-ID: <${Date.now()}@poststack.test>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Hello from a verified domain.",
    ""
  ].join("\r\n")

const selectorOf = (domain: { dnsRecords: ReadonlyArray<{ purpose: string; name: string }> }) =>
  String(domain.dnsRecords.find((r) => r.purpose === "dkim")?.name.split(".")[0])

type AuthResult = Awaited<ReturnType<typeof authenticate>>
const spfOf = (r: AuthResult) => (r.spf === false ? undefined : r.spf)
const dmarcOf = (r: AuthResult) => (r.dmarc === false ? undefined : r.dmarc)

describe("DKIM signing, checked by an independent verifier over real DNS", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dns: TestDnsServer
  let runtime: ManagedRuntime.ManagedRuntime<Layer.Layer.Success<ReturnType<typeof makeLayer>>, unknown>
  let teamId: TeamId
  const makeLayer = (url: string, dnsAddress: string) =>
    testServices({ dnsServers: [dnsAddress] }).pipe(
      Layer.provideMerge(PgDatabase.layer(Redacted.make(url), { maxConnections: 4 }))
    )
  const run = <A, E>(effect: Effect.Effect<A, E, Layer.Layer.Success<ReturnType<typeof makeLayer>>>) =>
    runtime.runPromise(effect)

  /** mailauth asks DNS through the same loopback server, as a receiving MTA would. */
  const verify = async (raw: Uint8Array, envelopeFrom: string) => {
    const resolver = new Resolver()
    resolver.setServers([dns.address])
    return authenticate(Buffer.from(raw), {
      ip: "127.0.0.1",
      helo: "mta.poststack.test",
      mta: "mx.receiver.test",
      sender: envelopeFrom,
      resolver: (name: string, type: string) => resolver.resolve(name, type as "TXT"),
      disableArc: true,
      disableBimi: true
    })
  }

  const publish = (
    records: ReadonlyArray<{ type: string; name: string; value: string; purpose: string }>
  ) => {
    for (const r of records) dns.publish(r.name, r.type as "TXT" | "MX" | "CNAME", r.value)
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    dns = await startDnsServer()
    runtime = ManagedRuntime.make(makeLayer(db.url, dns.address))
    teamId = (await run(Effect.flatMap(TeamRepository, (t) => t.create("signers")))).id
  })
  afterAll(async () => {
    await runtime.dispose()
    await dns.close()
    await db.drop()
  })

  const createVerified = async (name: string) => {
    const domain = await run(
      CreateDomain(asOperator(teamId), {
        name,
        customReturnPath: undefined,
        openTracking: false,
        clickTracking: false,
        tlsMode: "opportunistic",
        trackingDomain: null,
        inboundEnabled: false
      })
    )
    publish(domain.dnsRecords)
    const verified = await run(VerifyDomain(asOperator(teamId), { _tag: "Numeric", id: domain.id }))
    expect(verified.status).toBe("verified")
    return verified
  }

  it("signs so that DKIM, SPF and DMARC all pass, aligned with From", async () => {
    const domain = await createVerified("signed.test")
    const signed = await run(
      Effect.flatMap(DkimSigner, (s) =>
        s.sign(domain.id, new TextEncoder().encode(message("news@signed.test", "rcpt@receiver.test")))
      )
    )
    const text = Buffer.from(signed).toString("utf8")
    expect(text).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=signed\.test;/m)
    expect(text).toMatch(new RegExp(`s=${selectorOf(domain)};`))
    const result = await verify(signed, "bounce+abc@bounces.signed.test")
    expect(result.dkim.results[0]?.status.result).toBe("pass")
    expect(result.dkim.results[0]?.signingDomain).toBe("signed.test")
    expect(spfOf(result)?.status.result).toBe("pass")
    expect(dmarcOf(result)?.status.result).toBe("pass")
    expect(dmarcOf(result)?.alignment.dkim.result).toBe("signed.test")
  })

  it("refuses to sign for a domain that is not verified, or deleted", async () => {
    const pending = await run(
      CreateDomain(asOperator(teamId), {
        name: "unverified.test",
        customReturnPath: undefined,
        openTracking: false,
        clickTracking: false,
        tlsMode: "opportunistic",
        trackingDomain: null,
        inboundEnabled: false
      })
    )
    const attempt = (id: number) =>
      run(
        Effect.either(
          Effect.flatMap(DkimSigner, (s) =>
            s.sign(id as DomainId, new TextEncoder().encode(message("a@x.test", "b@y.test")))
          )
        )
      )
    const refused = await attempt(pending.id)
    expect(Either.isLeft(refused) && refused.left._tag).toBe("SigningKeyUnavailable")
    const verified = await createVerified("deleted-later.test")
    await query(db.url, "UPDATE domains SET deleted_at = now() WHERE id = $1", [verified.id])
    const fresh = ManagedRuntime.make(makeLayer(db.url, dns.address))
    try {
      const gone = await fresh.runPromise(
        Effect.either(
          Effect.flatMap(DkimSigner, (s) =>
            s.sign(verified.id, new TextEncoder().encode(message("a@x.test", "b@y.test")))
          )
        )
      )
      expect(Either.isLeft(gone) && gone.left._tag).toBe("SigningKeyUnavailable")
    } finally {
      await fresh.dispose()
    }
  })

  it("fails verification when the body is changed after signing, and when the record is gone", async () => {
    const domain = await createVerified("tamper.test")
    const signed = Buffer.from(
      await run(
        Effect.flatMap(DkimSigner, (s) =>
          s.sign(domain.id, new TextEncoder().encode(message("a@tamper.test", "b@receiver.test")))
        )
      )
    ).toString("utf8")
    const tampered = signed.replace("Hello from a verified domain.", "Hello from somebody else.")
    const result = await verify(new TextEncoder().encode(tampered), "x@bounces.tamper.test")
    // RFC 6376 calls a body-hash mismatch a permanent failure; mailauth reports it as neutral, never pass.
    expect(result.dkim.results[0]?.status.result).not.toBe("pass")
    expect(result.dkim.results[0]?.status.comment).toMatch(/body hash/)
    dns.unpublish(`${selectorOf(domain)}._domainkey.tamper.test`)
    const gone = await verify(new TextEncoder().encode(signed), "x@bounces.tamper.test")
    expect(gone.dkim.results[0]?.status.result).not.toBe("pass")
    expect(dmarcOf(gone)?.status.result).toBe("pass") // SPF alone still aligns
  })

  it("rotates: the old key signs until the new record is seen, then the new selector signs and verifies", async () => {
    const domain = await createVerified("rotate.test")
    const ref: DomainRef = { _tag: "Numeric", id: domain.id }
    const started = await run(StartDkimRotation(asOperator(teamId), ref))
    const first = selectorOf(domain)
    expect(started).toMatchObject({ state: "pending_dns", activeSelector: first })
    expect(started.pendingSelector).toMatch(/^ps[a-z0-9]{10}$/)
    expect(started.pendingSelector).not.toBe(first)
    const second = String(started.pendingSelector)
    const again = await run(Effect.either(StartDkimRotation(asOperator(teamId), ref)))
    expect(Either.isLeft(again) && again.left._tag).toBe("DkimRotationUnderWay")

    const early = await run(Effect.either(ActivateDkimRotation(asOperator(teamId), ref, false)))
    expect(Either.isLeft(early) && early.left._tag).toBe("DkimRecordNotPublished")
    const signer = Effect.flatMap(DkimSigner, (s) =>
      s.sign(domain.id as DomainId, new TextEncoder().encode(message("a@rotate.test", "b@receiver.test")))
    )
    expect(Buffer.from(await run(signer)).toString()).toMatch(new RegExp(`s=${first};`))

    dns.publish(String(started.pendingRecordName), "TXT", String(started.pendingRecordValue))
    const waiting = await run(ActivateDkimRotation(asOperator(teamId), ref, false))
    expect(waiting.state).toBe("ready")
    expect(waiting.activeSelector).toBe(first)
    expect(waiting.activatesAfter).not.toBeNull()

    dns.failing = true
    const blind = await run(Effect.either(ActivateDkimRotation(asOperator(teamId), ref, true)))
    expect(Either.isLeft(blind) && blind.left._tag).toBe("DnsUnavailable")
    dns.failing = false

    const done = await run(ActivateDkimRotation(asOperator(teamId), ref, true))
    expect(done).toMatchObject({
      state: "retiring",
      activeSelector: second,
      pendingSelector: null,
      retiredSelector: first
    })
    const states = await query<{ selector: string; state: string }>(
      db.url,
      "SELECT selector, state FROM dkim_keys WHERE domain_id = $1 ORDER BY id",
      [domain.id]
    )
    expect(states).toEqual([
      { selector: first, state: "retiring" },
      { selector: second, state: "active" }
    ])
    // A fresh signer (another process) signs with the new key at once; this one within its cache window.
    const fresh = ManagedRuntime.make(makeLayer(db.url, dns.address))
    try {
      const signed = await fresh.runPromise(signer)
      expect(Buffer.from(signed).toString()).toMatch(new RegExp(`s=${second};`))
      const result = await verify(signed, "x@bounces.rotate.test")
      expect(result.dkim.results[0]?.status.result).toBe("pass")
      expect(dmarcOf(result)?.status.result).toBe("pass")
    } finally {
      await fresh.dispose()
    }
  })
})
