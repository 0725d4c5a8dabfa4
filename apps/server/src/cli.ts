import { Args, Command, Options, Prompt, ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { NodeCryptoKeyMaterial } from "@poststack/adapters-external"
// The one helper the CLI needs, without loading the whole server runtime (about 100 MB of RSS).
import { describeFailure } from "@poststack/runtime/StartupFailure"
import { FileBlobStore, PgDatabase, PgPersistence } from "@poststack/adapters-persistence"
import {
  AddMemberAsOperator,
  AssignPlan,
  asOperator,
  CloseTeamAsOperator,
  CreateApiKey,
  ListPlans,
  SavePlan,
  DomainRepository,
  ListApiKeys,
  RevokeApiKey,
  TeamRepository,
  VerifyDomainLocally,
  VerifyPersonLocally
} from "@poststack/application"
import {
  type ApiKeyId,
  Plan,
  PlanId,
  ApiKeyMode,
  ApiKeyPermission,
  type DomainRef,
  parseDomainRef,
  ResourceNotFound,
  Role,
  type TeamId,
  ValidationFailed
} from "@poststack/domain"
import { Cause, Console, Effect, Layer, Option, ParseResult, Redacted, Schema } from "effect"
import { unknownCommand } from "./CliCommands.js"
import { contactsImport } from "./ContactsImportCommand.js"
import { privacyCommands } from "./PrivacyCommand.js"

/** The database, built only for the command that runs (a typo or `--help` starts nothing). */
const Services = Layer.mergeAll(
  PgPersistence,
  NodeCryptoKeyMaterial.layerConfig,
  FileBlobStore.layerConfig
).pipe(Layer.provideMerge(PgDatabase.layerConfigForTools))
const withDatabase = <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>) =>
  Command.provide(command, Services)

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
          : `Several teams: pass --team with one of ${all.map((t) => `${t.id} (${t.name})`).join(", ")}`
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

const teamsClose = Command.make(
  "close",
  {
    team: Options.integer("team").pipe(Options.withDescription("The id of the team to close")),
    yes: Options.boolean("yes").pipe(
      Options.withDescription(
        "Close without asking (scripts; without it a terminal asks, anything else refuses)"
      )
    )
  },
  ({ team, yes }) =>
    Effect.gen(function* () {
      const found = yield* (yield* TeamRepository).get(team as TeamId)
      if (Option.isNone(found)) return yield* new ResourceNotFound({ message: `No team ${team}` })
      const what = `team ${team} (${found.value.name})`
      if (!yes) {
        if (!process.stdin.isTTY)
          return yield* new ValidationFailed({
            message: `Closing ${what} cannot be undone: run again with --yes to close it`
          })
        const sure = yield* Prompt.confirm({
          message: `Close ${what}? Its keys stop working, waiting mail is cancelled, its data is deleted in two weeks`,
          initial: false
        })
        if (!sure) return yield* Console.log("Nothing changed.")
      }
      const closed = yield* CloseTeamAsOperator(team as TeamId)
      if (closed.alreadyClosed)
        return yield* Console.log(
          `Team ${team} was closed already, at ${closed.closedAt.toISOString()}; its data is deleted after ${closed.deletionAfter.toISOString()}.`
        )
      yield* Console.log(
        `Closed ${what}: ${closed.keysRevoked} key(s) revoked, ${closed.emailsCancelled} waiting email(s) cancelled; its data is deleted after ${closed.deletionAfter.toISOString()} (billing records stay).`
      )
    })
).pipe(
  Command.withDescription(
    "Close a team: revoke its keys, cancel its waiting mail, delete its data two weeks later"
  )
)

const teamsAddMember = Command.make(
  "add-member",
  {
    team: Args.integer({ name: "team" }).pipe(Args.withDescription("The team's id (see `teams list`)")),
    email: Args.text({ name: "email" }).pipe(Args.withDescription("The address the person signed up with")),
    role: Args.choice(
      Role.literals.map((r) => [r, r] as const),
      { name: "role" }
    ).pipe(Args.withDescription(`Their role: ${Role.literals.join(", ")}`))
  },
  ({ team, email, role }) =>
    Effect.gen(function* () {
      const { person, team: found, outcome } = yield* AddMemberAsOperator(team as TeamId, email, role)
      const who = `${person.email} (${person.id})`
      const where = `team ${found.id} (${found.name})`
      yield* Console.log(
        outcome._tag === "Added"
          ? `Added ${who} to ${where} as ${outcome.role}.`
          : outcome._tag === "RoleChanged"
            ? `${who} was a member of ${where} already: their role is now ${outcome.to} (was ${outcome.from}).`
            : `${who} is a member of ${where} as ${outcome.role} already: nothing changed.`
      )
    })
).pipe(
  Command.withDescription(
    "Put a person who has signed up into a team with a role (owner, admin, member), without an invitation"
  )
)

const migrate = Command.make("migrate", {}, () => Console.log("Database schema is current.")).pipe(
  Command.withDescription("Apply pending database migrations")
)

/** A domain by name, id or `dom_` id. */
const domainRef = (teamId: TeamId, raw: string) =>
  Effect.gen(function* () {
    const ref = parseDomainRef(raw)
    if (ref !== undefined) return ref
    const found = yield* (yield* DomainRepository).findByName(teamId, raw.toLowerCase().replace(/\.$/, ""))
    if (Option.isNone(found))
      return yield* new ResourceNotFound({ message: `No domain ${raw} in team ${teamId}` })
    return { _tag: "Numeric", id: found.value.id } satisfies DomainRef
  })

const domainsVerifyLocal = Command.make(
  "verify-local",
  {
    domain: Args.text({ name: "domain" }).pipe(Args.withDescription("The domain's name, id or dom_ id")),
    team: teamOption
  },
  ({ domain, team }) =>
    Effect.gen(function* () {
      const teamId = yield* resolveTeam(team)
      const verified = yield* VerifyDomainLocally(teamId, yield* domainRef(teamId, domain))
      yield* Console.log(
        [
          `Domain ${verified.name} (${verified.publicId}) is verified for local use: it can send now, without DNS.`,
          "Test keys (sk_test_) simulate delivery. Real inboxes will refuse its mail until the records of",
          `GET /domains/${verified.publicId} are published.`
        ].join("\n")
      )
    })
).pipe(
  Command.withDescription(
    "Mark a domain verified without checking DNS, for local use (first emails, test mode, a local sink)"
  )
)

const usersVerify = Command.make(
  "verify",
  { email: Args.text({ name: "email" }).pipe(Args.withDescription("The address the person signed up with")) },
  ({ email }) =>
    Effect.gen(function* () {
      const person = yield* VerifyPersonLocally(email)
      yield* Console.log(
        `${person.email} (${person.id}) is verified: they can sign in now, without the verification mail.`
      )
    })
).pipe(
  Command.withDescription(
    "Mark a person's address verified without the mail, for installs that cannot send system mail yet"
  )
)

const limitText = (limit: number | null) => (limit === null ? "unlimited" : String(limit))

const plansList = Command.make("list", {}, () =>
  Effect.gen(function* () {
    yield* Console.log("id\tname\tmonthly\tdaily\tbulk/hour\tretention\toverage/1000\tstripe price")
    for (const plan of yield* ListPlans())
      yield* Console.log(
        [
          plan.id,
          plan.name,
          limitText(plan.monthlyLimit),
          limitText(plan.dailyLimit),
          limitText(plan.bulkHourlyLimit),
          `${plan.retentionDays} days`,
          plan.overageCentsPer1000 === null ? "-" : `${plan.overageCentsPer1000} cents`,
          plan.stripePriceId ?? "-"
        ].join("\t")
      )
  })
).pipe(Command.withDescription("List plans (the unlimited default is always there)"))

const optionalCount = (name: string, description: string) =>
  Options.integer(name).pipe(Options.withDescription(description), Options.optional)

/** A plan from the options; invalid values are one clear line, nothing saved. */
const planFrom = (fields: Record<string, unknown>) =>
  Schema.decodeUnknown(Plan)(fields).pipe(
    Effect.mapError(
      (error) =>
        new ValidationFailed({
          message: ParseResult.ArrayFormatter.formatErrorSync(error)
            .map((issue) => `${issue.path.join(".") || "plan"}: ${issue.message}`)
            .join("; ")
        })
    )
  )

const plansSet = Command.make(
  "set",
  {
    id: Args.text({ name: "id" }).pipe(
      Args.withDescription("The plan's id (lower-case letters, digits, - and _)")
    ),
    name: Options.text("name").pipe(Options.withDescription("Shown to teams"), Options.optional),
    monthly: optionalCount("monthly", "Emails a month; leave out for no limit"),
    daily: optionalCount("daily", "Emails a day; leave out for no limit"),
    bulkHourly: optionalCount(
      "bulk-per-hour",
      "Bulk (broadcast) deliveries a team may send per hour, the rest waiting for the next hour; leave out for no rate"
    ),
    retention: Options.integer("retention-days").pipe(
      Options.withDescription("Days logs are kept, 14 to 90"),
      Options.withDefault(30)
    ),
    overage: optionalCount(
      "overage-cents",
      "Price of 1,000 emails past the monthly limit, in cents; leave out for a hard limit"
    ),
    price: Options.text("stripe-price").pipe(
      Options.withDescription("The Stripe price sold for this plan"),
      Options.optional
    )
  },
  ({ id, name, monthly, daily, bulkHourly, retention, overage, price }) =>
    Effect.gen(function* () {
      const plan = yield* planFrom({
        id,
        name: Option.getOrElse(name, () => id),
        monthlyLimit: Option.getOrNull(monthly),
        dailyLimit: Option.getOrNull(daily),
        retentionDays: retention,
        overageCentsPer1000: Option.getOrNull(overage),
        stripePriceId: Option.getOrNull(price),
        bulkHourlyLimit: Option.getOrNull(bulkHourly)
      })
      yield* SavePlan(plan)
      yield* Console.log(
        `Saved plan ${plan.id}: monthly ${limitText(plan.monthlyLimit)}, daily ${limitText(plan.dailyLimit)}, bulk per hour ${limitText(plan.bulkHourlyLimit)}, ${plan.retentionDays} days of logs.`
      )
    })
).pipe(Command.withDescription("Create or replace a plan"))

const plansAssign = Command.make(
  "assign",
  { plan: Args.text({ name: "plan" }).pipe(Args.withDescription("The plan's id")), team: teamOption },
  ({ plan, team }) =>
    Effect.gen(function* () {
      const teamId = yield* resolveTeam(team)
      const id = yield* Schema.decodeUnknown(PlanId)(plan).pipe(
        Effect.mapError(() => new ValidationFailed({ message: `Not a plan id: ${plan}` }))
      )
      const assigned = yield* AssignPlan(teamId, id)
      yield* Console.log(
        `Team ${teamId} is on the ${assigned.name} plan (${assigned.id}); servers see it within a few seconds.`
      )
    })
).pipe(Command.withDescription("Put a team on a plan"))

const [privacyExport, privacyErase] = privacyCommands(teamOption, resolveTeam)

const poststack = Command.make("poststack").pipe(
  Command.withSubcommands([
    Command.make("keys").pipe(
      Command.withSubcommands([withDatabase(keysCreate), withDatabase(keysList), withDatabase(keysRevoke)])
    ),
    Command.make("teams").pipe(
      Command.withSubcommands([
        withDatabase(teamsCreate),
        withDatabase(teamsList),
        withDatabase(teamsAddMember),
        withDatabase(teamsClose)
      ])
    ),
    Command.make("domains").pipe(Command.withSubcommands([withDatabase(domainsVerifyLocal)])),
    Command.make("users").pipe(Command.withSubcommands([withDatabase(usersVerify)])),
    Command.make("plans").pipe(
      Command.withSubcommands([withDatabase(plansList), withDatabase(plansSet), withDatabase(plansAssign)])
    ),
    Command.make("contacts").pipe(
      Command.withSubcommands([withDatabase(contactsImport(teamOption, resolveTeam))])
    ),
    Command.make("privacy").pipe(
      Command.withSubcommands([withDatabase(privacyExport), withDatabase(privacyErase)])
    ),
    withDatabase(migrate)
  ])
)

const fail = (message: string) =>
  Effect.zipRight(
    Console.error(message),
    Effect.sync(() => (process.exitCode = 1))
  )

const cli = Command.run(poststack, { name: "poststack", version: "0.1.0" })

const typo = unknownCommand(process.argv.slice(2))

const program = cli(process.argv).pipe(
  // @effect/cli has printed what was wrong with the arguments already.
  Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => (process.exitCode = 1))),
  // Domain errors (no such team, key or domain) and start-up problems: their one line, no stack.
  Effect.catchAllCause((cause) =>
    Cause.isInterruptedOnly(cause) ? Effect.void : fail(`poststack: ${describeFailure(cause).line}`)
  ),
  Effect.provide(NodeContext.layer)
)

NodeRuntime.runMain(typo === null ? program : fail(typo), { disableErrorReporting: true })
