import { execFileSync, spawnSync } from "node:child_process"
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir, userInfo } from "node:os"
import * as path from "node:path"
import { repoRoot } from "./processes.js"

export interface OrdinaryUser {
  readonly uid: number
  readonly gid: number
  readonly name: string
}

const idOf = (name: string): OrdinaryUser | null => {
  const uid = spawnSync("id", ["-u", name], { encoding: "utf8" })
  const gid = spawnSync("id", ["-g", name], { encoding: "utf8" })
  if (uid.status !== 0 || gid.status !== 0) return null
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name }
}

/**
 * Who runs PostStack as an ordinary user would: the test's own user, or, when the test runs as
 * root, `nobody` (a throwaway system user is created where it is missing).
 */
export const ordinaryUser = (): OrdinaryUser => {
  const me = userInfo()
  if (me.uid !== 0) return { uid: me.uid, gid: me.gid, name: me.username }
  const found = idOf("nobody") ?? idOf("poststack-test")
  if (found !== null) return found
  execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "poststack-test"])
  const created = idOf("poststack-test")
  if (created === null) throw new Error("could not create the poststack-test user")
  return created
}

/** A folder of `user`'s own, as their home would be. */
export const homeFor = (user: OrdinaryUser): { dir: string; remove: () => void } => {
  const dir = mkdtempSync(path.join(tmpdir(), "poststack-home-"))
  chmodSync(dir, 0o755)
  chownSync(dir, user.uid, user.gid)
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

const openToOthers = (dir: string): boolean => {
  let current = path.resolve(dir)
  for (;;) {
    if (existsSync(current) && (statSync(current).mode & 0o005) !== 0o005) return false
    const parent = path.dirname(current)
    if (parent === current) return true
    current = parent
  }
}

/**
 * A checkout `user` can read: this one when every folder above it lets others in, else a copy
 * (as a clone into the user's home would be), removed by `remove`.
 */
export const readableCheckout = (user: OrdinaryUser): { root: string; remove: () => void } => {
  if (user.uid === userInfo().uid || openToOthers(repoRoot)) return { root: repoRoot, remove: () => {} }
  const root = mkdtempSync(path.join(tmpdir(), "poststack-checkout-"))
  execFileSync("sh", [
    "-c",
    `tar -C "$0" --exclude=./.git --exclude=./.poststack -cf - . | tar -C "$1" -xf -`,
    repoRoot,
    root
  ])
  // After the copy: root's tar gives the copy's top folder the mode of the checkout's own (closed
  // to others, as `mktemp -d` makes it), which would keep the user out again.
  chmodSync(root, 0o755)
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) }
}
