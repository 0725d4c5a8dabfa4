import { readFileSync } from "node:fs"
import { Config, Effect, Option, Redacted } from "effect"
import { generate } from "selfsigned"

/** The certificate and key the SMTP doors present. */
export interface TlsPair {
  readonly cert: string
  readonly key: Redacted.Redacted<string>
}

/** A self-signed pair for `host`, made at start: clients that check certificates need a real one from the configuration. */
export const selfSigned = (host: string) =>
  Effect.promise(() =>
    generate([{ name: "commonName", value: host }], {
      keySize: 2048,
      notAfterDate: new Date(Date.now() + 825 * 24 * 3600 * 1000),
      extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: host }] }]
    })
  ).pipe(Effect.map((pems): TlsPair => ({ cert: pems.cert, key: Redacted.make(pems.private) })))

/**
 * `POSTSTACK_SMTP_TLS_CERT_FILE` and `POSTSTACK_SMTP_TLS_KEY_FILE` (PEM), else a self-signed
 * pair for the MX host, with a warning.
 */
export const tlsConfig = (host: string) =>
  Effect.gen(function* () {
    const certFile = yield* Config.option(Config.string("POSTSTACK_SMTP_TLS_CERT_FILE"))
    const keyFile = yield* Config.option(Config.string("POSTSTACK_SMTP_TLS_KEY_FILE"))
    if (Option.isSome(certFile) && Option.isSome(keyFile)) {
      return yield* Effect.try({
        try: (): TlsPair => ({
          cert: readFileSync(certFile.value, "utf8"),
          key: Redacted.make(readFileSync(keyFile.value, "utf8"))
        }),
        catch: (error) => new Error(`SMTP TLS certificate or key unreadable: ${String(error)}`)
      }).pipe(Effect.orDie)
    }
    yield* Effect.logWarning(
      "SMTP TLS: no POSTSTACK_SMTP_TLS_CERT_FILE/POSTSTACK_SMTP_TLS_KEY_FILE, using a self-signed certificate"
    )
    return yield* selfSigned(host)
  })
