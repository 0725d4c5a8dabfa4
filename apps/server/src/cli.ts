import { Args, Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { NodeCryptoKeyMaterial } from "@poststack/adapters-external"
import { PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import { asOperator, CreateApiKey, ListApiKeys, RevokeApiKey, TeamRepository } from "@poststack/application"
import { type ApiKeyId, ApiKeyMode, ApiKeyPermission, type TeamId, ValidationFailed } from "@poststack/domain"
import { Console, Effect, Layer, Option, Redacted } from "effect"

const teamOption = Options.integer("team").pipe(
  Options.withDescription("Team id; may be left out while there is only one team"),
  Options.optional
)

/** The team a command acts on: the one named, or the only one there is. */
const resolveTeam = (team: Option.Option<number>) =>
  Effect.gen(function* () {
    const teams = yield* TeamRepository
    if (Option.isSome(team)) {
      const found = yield* teams.get(team.value as TeamId)
      if (Option.isNone(found)) return yield* new ValidationFailed({ message: `No team ${team.value}` })
      return found.value.id
    }
    const all = yield* teams.list()
    if (all.length === 1 && all[0] !== undefined) return all[0].id
    return yield* new ValidationFailed({
      message:
        all.length === 0
          ? "No team yet: start the server once, or run `teams create`"
          : "Several teams: pass --team"
    })
  })

const printKey = (plaintext: Redacted.Redacted<string>) =>
  Console.log(`\n  ${Redacted.value(plaintext)}\n\n  Shown this once: store it now.\n`)

const keysCreate = Command.make(
  "create",
  {
    name: Options.text("name").pipe(Options.withDescription("A name to recognise the key by")),
    permission: Options.choice("permission", ApiKeyPermission.literals).pipe(
      Options.withDefault("sending_access")
    ),
    mode: Options.choice("mode", ApiKeyMode.literals).pipe(Options.withDefault("live")),
    domain: Options.text("domain").pipe(
      Options.withDescription("Domain id or dom_ id to scope the key to"),
      Options.optional
    ),
    team: teamOption
  },
  (args) =>
    Effect.gen(function* () {
      const teamId = yield* resolveTeam(args.team)
      const created = yield* CreateApiKey(asOperator(teamId), {
        name: args.name,
        permission: args.permission,
        mode: args.mode,
        domain: Option.getOrUndefined(args.domain),
        allowFullAccess: true
      })
      yield* Console.log(`Created key ${created.key.id} (${created.key.permission}, ${created.key.mode}):`)
      yield* printKey(created.plaintext)
    })
).pipe(Command.withDescription("Create an API key"))

const keysList = Command.make("list", { team: teamOption }, ({ team }) =>
  Effect.gen(function* () {
    const keys = yield* ListApiKeys(asOperator(yield* resolveTeam(team)))
    for (const key of keys) {
      yield* Console.log(
        [
          key.id,
          key.keyPrefix,
          key.permission,
          key.mode,
          key.name,
          key.lastUsedAt?.toISOString() ?? "never used"
        ].join("\t")
      )
    }
  })
).pipe(Command.withDescription("List a team's API keys"))

const keysRevoke = Command.make(
  "revoke",
  { id: Args.integer({ name: "id" }), team: teamOption },
  ({ id, team }) =>
    Effect.gen(function* () {
      yield* RevokeApiKey(asOperator(yield* resolveTeam(team)), id as ApiKeyId)
      yield* Console.log(`Revoked key ${id}`)
    })
).pipe(Command.withDescription("Revoke an API key at once"))

const teamsCreate = Command.make("create", { name: Options.text("name") }, ({ name }) =>
  Effect.gen(function* () {
    const teams = yield* TeamRepository
    const team = yield* teams.create(name)
    const created = yield* CreateApiKey(asOperator(team.id), {
      name: "First key",
      permission: "full_access",
      mode: "live",
      domain: undefined,
      allowFullAccess: true
    })
    yield* Console.log(`Created team ${team.id} (${team.name}) with a full-access key:`)
    yield* printKey(created.plaintext)
  })
).pipe(Command.withDescription("Create a team and its first full-access key"))

const teamsList = Command.make("list", {}, () =>
  Effect.gen(function* () {
    const teams = yield* TeamRepository
    for (const team of yield* teams.list()) yield* Console.log(`${team.id}\t${team.name}`)
  })
).pipe(Command.withDescription("List teams"))

const migrate = Command.make("migrate", {}, () => Console.log("Database schema is current.")).pipe(
  Command.withDescription("Apply pending database migrations")
)

const poststack = Command.make("poststack").pipe(
  Command.withSubcommands([
    Command.make("keys").pipe(Command.withSubcommands([keysCreate, keysList, keysRevoke])),
    Command.make("teams").pipe(Command.withSubcommands([teamsCreate, teamsList])),
    migrate
  ])
)

const fail = (message: string) =>
  Effect.zipRight(
    Console.error(message),
    Effect.sync(() => (process.exitCode = 1))
  )

const cli = Command.run(poststack, { name: "poststack", version: "0.1.0" })

const Services = Layer.mergeAll(PgPersistence, NodeCryptoKeyMaterial.layerConfig).pipe(
  Layer.provideMerge(PgDatabase.layerConfigForTools)
)

cli(process.argv).pipe(
  Effect.catchTags({
    ValidationFailed: (e) => fail(e.message),
    ResourceNotFound: (e) => fail(e.message),
    PermissionDenied: (e) => fail(e.message),
    StoreUnavailable: (e) => fail(e.message)
  }),
  Effect.provide(Services),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)
