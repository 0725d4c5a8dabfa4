import { MailHostSettings } from "@poststack/application"
import { isLocalHost } from "@poststack/domain"
import { Config, Effect, Layer } from "effect"

const hostOf = (url: string) => {
  try {
    return new URL(url).hostname
  } catch {
    return "localhost"
  }
}

/**
 * `POSTSTACK_MX_HOST` (where bounces, DMARC reports and inbound mail arrive), `POSTSTACK_SPF`
 * (the SPF mechanisms of our outbound IPs, e.g. `ip4:203.0.113.7 ip6:2001:db8::7`) and
 * `POSTSTACK_TRACKING_HOST`; the hosts default to the host of `POSTSTACK_PUBLIC_URL`.
 */
export const layerConfig = Layer.effect(
  MailHostSettings,
  Effect.gen(function* () {
    const publicHost = hostOf(
      yield* Config.string("POSTSTACK_PUBLIC_URL").pipe(Config.withDefault("http://localhost"))
    )
    const mxHost = yield* Config.string("POSTSTACK_MX_HOST").pipe(Config.withDefault(publicHost))
    const spf = yield* Config.string("POSTSTACK_SPF").pipe(Config.withDefault(`a:${mxHost}`))
    const trackingTarget = yield* Config.string("POSTSTACK_TRACKING_HOST").pipe(
      Config.withDefault(publicHost)
    )
    if (isLocalHost(mxHost) || isLocalHost(trackingTarget)) {
      yield* Effect.logWarning(
        "domain DNS records will point at localhost, which no receiver can reach: set POSTSTACK_PUBLIC_URL (or POSTSTACK_MX_HOST and POSTSTACK_TRACKING_HOST) to this server's public name before publishing any record; local tests can skip DNS with `pnpm poststack domains verify-local <domain>`"
      ).pipe(Effect.annotateLogs({ mxHost, trackingHost: trackingTarget }))
    }
    return MailHostSettings.of({
      mxHost: mxHost.toLowerCase(),
      spfMechanisms: spf.split(/\s+/).filter((m) => m !== ""),
      trackingTarget: trackingTarget.toLowerCase()
    })
  })
)

export const layer = (hosts: MailHostSettings["Type"]) => Layer.succeed(MailHostSettings, hosts)
