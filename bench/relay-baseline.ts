/**
 * The relay bench's baseline in a process of its own, as the relay runs in one: a bare
 * smtp-server with the same TLS, accepting any login and dropping every message.
 */
import { SMTPServer } from "smtp-server"

const server = new SMTPServer({
  secure: true,
  key: process.env.BENCH_TLS_KEY,
  cert: process.env.BENCH_TLS_CERT,
  logger: false,
  authMethods: ["PLAIN", "LOGIN"],
  onAuth: (_auth, _session, callback) => callback(null, { user: "bench" }),
  onData: (stream, _session, callback) => {
    stream.on("data", () => {})
    stream.on("end", () => callback(null))
  }
})
// A client that drops mid-dialogue (the bench's readiness probe does) is no reason to stop.
server.on("error", () => {})
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening"))
process.on("SIGTERM", () => server.close(() => process.exit(0)))
