/** The baseline for `send-api.ts`: raw node:http, one INSERT per request, 202 with the new id. */
import { createServer } from "node:http"
import pg from "pg"

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 })
await pool.query(
  "CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz DEFAULT now())"
)
const server = createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (c: Buffer) => chunks.push(c))
  req.on("end", async () => {
    if (req.method !== "POST") {
      res.writeHead(200, { "Content-Type": "application/json" })
      return res.end("{}")
    }
    const row = await pool.query("INSERT INTO bench_baseline (payload) VALUES ($1) RETURNING id", [
      Buffer.concat(chunks).toString()
    ])
    res.writeHead(202, { "Content-Type": "application/json" })
    res.end(JSON.stringify({ id: String(row.rows[0]?.id) }))
  })
})
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("Listening on baseline"))
process.on("SIGTERM", () => server.close(() => pool.end().then(() => process.exit(0))))
