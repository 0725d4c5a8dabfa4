import { accessSync, constants, existsSync, mkdirSync } from "node:fs"
import { tmpdir, userInfo } from "node:os"
import * as path from "node:path"

/**
 * Where a browser test leaves a screenshot for a person to look at: `/tmp/<name>`, unless another
 * user's run left a file of that name there (a shared machine: root's CI, then an ordinary user),
 * which this user cannot overwrite; then a folder of this user's own under the temporary folder.
 */
export const screenshotPath = (name: string): string => {
  const shared = path.join("/tmp", name)
  if (!existsSync(shared)) return shared
  try {
    accessSync(shared, constants.W_OK)
    return shared
  } catch {
    const own = path.join(tmpdir(), `poststack-screenshots-${userInfo().uid}`)
    mkdirSync(own, { recursive: true })
    return path.join(own, name)
  }
}
