import { writeFileSync } from "node:fs"
import { asOperator, ContactImport, ContactPropertyRepository, ImportContactCsv } from "@poststack/application"
import { ContactProperty, type TeamId, newContactPublicIds } from "@poststack/domain"
import { Effect, Layer } from "effect"
import { openContactCsv } from "../apps/server/src/ContactCsvFile.js"
const N = 200_000
let csv = "email,first_name,last_name,plan,seats,since\n"
for (let i = 0; i < N; i++) csv += `ada.lovelace${i}@example${i % 97}.com,ada,lovelace,${["free","pro","team"][i%3]},${i % 50},2024-01-0${1 + (i % 9)}\n`
writeFileSync("/tmp/zz.csv", csv)
const mk = (name: string, type: any, options: any) => ContactProperty.make({ id: 1 as any, teamId: 1, name, label: name, type, options, required: false, createdAt: new Date() })
const props = [mk("plan", "select", ["free","pro","team"]), mk("seats","number",null), mk("since","date",null)]
const Props = Layer.succeed(ContactPropertyRepository, { list: () => Effect.succeed(props) } as any)
let bytes = 0
const Imp = Layer.succeed(ContactImport, ContactImport.of({ run: (_t, _e, body) => body((rows) => Effect.sync(() => {
  const ids = newContactPublicIds(rows.length); let p = ""
  for (let i = 0; i < rows.length; i++) { const r = rows[i]!; p += `${i}\t${ids[i]}\t${r.email}\t${r.firstName}\t${r.lastName}\t${JSON.stringify(r.properties)}\n` }
  bytes += Buffer.byteLength(p); return { imported: rows.length, skipped: [] }
})) as any }))
for (let k = 0; k < 2; k++) {
const t = performance.now()
const s = await Effect.runPromise(Effect.flatMap(openContactCsv("/tmp/zz.csv"), ({ records }) => ImportContactCsv(asOperator(1 as TeamId), records, { batch: 5000, events: false })).pipe(Effect.provide(Layer.merge(Props, Imp))))
console.log(s.imported, (performance.now() - t).toFixed(0), "ms", bytes)
}
