import { SystemMailSettings } from "@poststack/application"
import { type Mailbox, parseMailbox } from "@poststack/domain"
import { Config, Layer, Option } from "effect"

export const layer = (settings: { readonly from: Option.Option<Mailbox>; readonly publicUrl: string }) =>
  Layer.succeed(SystemMailSettings, SystemMailSettings.of(settings))

/**
 * `POSTSTACK_SYSTEM_FROM` (`PostStack <no-reply@mail.example.com>`): the sender of the product's
 * own mail; its domain must be a verified domain of the first team. Links point at
 * `POSTSTACK_PUBLIC_URL` (default `http://localhost:$PORT`).
 */
export const layerConfig = Layer.unwrapEffect(
  Config.all({
    from: Config.string("POSTSTACK_SYSTEM_FROM").pipe(
      Config.validate({
        message: "POSTSTACK_SYSTEM_FROM must be an address such as PostStack <no-reply@mail.example.com>",
        validation: (raw) => parseMailbox(raw) !== undefined
      }),
      Config.map((raw) => parseMailbox(raw) as Mailbox),
      Config.option
    ),
    publicUrl: Config.string("POSTSTACK_PUBLIC_URL").pipe(Config.option),
    port: Config.port("PORT").pipe(Config.withDefault(3000))
  }).pipe(
    Config.map(({ from, publicUrl, port }) =>
      layer({ from, publicUrl: Option.getOrElse(publicUrl, () => `http://localhost:${port}`) })
    )
  )
)
