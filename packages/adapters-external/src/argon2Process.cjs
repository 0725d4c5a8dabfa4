// The Argon2 hashing process (see Argon2PasswordHasher.ts): plain CommonJS, so it starts without a
// TypeScript loader. It lowers its own CPU priority before its first hash, so the threads libuv
// creates for the hashes inherit it; threads that exist already are lowered too (Linux keeps a
// priority per thread).
const { readdirSync } = require("node:fs")
const { setPriority } = require("node:os")
const argon2 = require("argon2")

const nice = Number(process.env.POSTSTACK_ARGON2_PROCESS_NICE ?? 10)
try {
  setPriority(0, nice)
  for (const tid of readdirSync("/proc/self/task")) setPriority(Number(tid), nice)
} catch {
  // Not Linux, or no /proc: the main thread's priority, set first, is what libuv's threads inherit.
}

process.on("message", (request) => {
  const run =
    request.op === "hash"
      ? argon2.hash(request.password, request.options)
      : argon2.verify(request.stored, request.password).catch(() => false)
  run.then(
    (result) => process.send({ id: request.id, result }),
    (error) => process.send({ id: request.id, error: error instanceof Error ? error.message : String(error) })
  )
})
// The server going away closes the channel: nothing is left to hash for.
process.on("disconnect", () => process.exit(0))
