/**
 * Summarises a `.cpuprofile` written by a bench's app server (`BENCH_NODE_ARGS="--cpu-prof
 * --cpu-prof-dir=DIR"`): the busy time between the first and last sample whose stack holds a frame
 * of a file matching `--window` (the steady part: the first and last tenth are left out), by the
 * owner of the leaf frame, by the outermost frame of our own code under each event-loop entry,
 * and by function.
 *
 *   pnpm exec tsx bench/cpuProfile.ts DIR/CPU.*.cpuprofile [--window SubmitMessage]
 *
 * tsx compiles our TypeScript with its whitespace removed, so a profile names only line 0 or 1 of
 * each file: frames of our files are mapped back to their TypeScript lines through the source maps
 * in tsx's cache (`$TMPDIR/tsx-<uid>`), which is still there after the run.
 */
import { readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: Array<number>
}
interface Profile {
  nodes: Array<ProfileNode>
  startTime: number
  samples: Array<number>
  timeDeltas: Array<number>
}
const args = process.argv.slice(2)
const windowAt = args.indexOf("--window")
const windowFile = new RegExp(windowAt >= 0 ? (args[windowAt + 1] ?? "") : "SubmitMessage")
const file = args.find((a, i) => !a.startsWith("--") && (windowAt < 0 || i !== windowAt + 1))
if (file === undefined) throw new Error("usage: cpuProfile.ts FILE.cpuprofile [--window REGEXP]")
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/**
 * A source map's `mappings` as, for each generated line, its segments' generated columns and
 * original lines (0-based): enough to name the TypeScript line a function starts on.
 */
const decodeMappings = (mappings: string) => {
  const lines: Array<Array<readonly [number, number]>> = []
  let sourceLine = 0
  for (const text of mappings.split(";")) {
    const segments: Array<readonly [number, number]> = []
    let column = 0
    for (const segment of text.split(",")) {
      if (segment === "") continue
      const fields: Array<number> = []
      let value = 0
      let shift = 0
      for (const char of segment) {
        const digit = BASE64.indexOf(char)
        value += (digit & 31) << shift
        if (digit & 32) shift += 5
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      column += fields[0] ?? 0
      if (fields.length >= 4) {
        sourceLine += fields[2] ?? 0
        segments.push([column, sourceLine])
      }
    }
    lines.push(segments)
  }
  return lines
}

/** Our TypeScript files' decoded source maps, by path, from tsx's cache. */
const sourceMaps = () => {
  const dir = path.join(tmpdir(), `tsx-${process.getuid?.() ?? 0}`)
  const found = new Map<string, string>()
  let names: Array<string> = []
  try {
    names = readdirSync(dir)
  } catch {
    return found
  }
  for (const name of names) {
    try {
      const text = readFileSync(path.join(dir, name), "utf8")
      if (!text.startsWith("{")) continue
      const map = (JSON.parse(text) as { map?: { sources?: Array<string>; mappings?: string } }).map
      const source = map?.sources?.[0]
      if (source !== undefined && map?.mappings !== undefined && /\/(packages|apps)\//.test(source))
        found.set(source, map.mappings)
    } catch {}
  }
  return found
}

const mapLines = () => {
  const maps = sourceMaps()
  const decoded = new Map<string, ReturnType<typeof decodeMappings>>()
  for (const node of profile.nodes) {
    const frame = node.callFrame
    const source = frame.url.replace(/^file:\/\//, "")
    const mappings = maps.get(source)
    if (mappings === undefined) continue
    const lines = decoded.get(source) ?? decodeMappings(mappings)
    decoded.set(source, lines)
    let line: number | undefined
    for (const [column, original] of lines[frame.lineNumber] ?? []) {
      if (column > frame.columnNumber) break
      line = original
    }
    if (line !== undefined) frame.lineNumber = line + 1
  }
}
mapLines()

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parentOf = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id)
/** Leaf first. */
const stackOf = (id: number) => {
  const stack: Array<CallFrame> = []
  for (let i: number | undefined = id; i !== undefined; i = parentOf.get(i)) {
    const node = byId.get(i)
    if (node !== undefined) stack.push(node.callFrame)
  }
  return stack
}
const ours = (url: string) => /\/(packages|apps)\/[^/]+\/src\//.test(url)
const ownerOf = (url: string) => {
  const lib = url.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/)
  if (lib !== null) return lib[1] as string
  const own = url.match(/\/(packages|apps)\/([^/]+)\/src\//)
  if (own !== null) return `${own[1]}/${own[2]}`
  return url.startsWith("node:") ? "node" : url
}
const name = (f: CallFrame) =>
  `${f.functionName || "(anonymous)"} ${f.url
    .replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "")
    .replace(/.*\/(packages|apps)\//, "")
    .replace(/^node:internal\//, "node:")}:${f.lineNumber}`

const times: Array<number> = []
let clock = profile.startTime
for (const delta of profile.timeDeltas) {
  clock += delta
  times.push(clock)
}
const inWindow = profile.samples.flatMap((id, i) =>
  stackOf(id).some((f) => windowFile.test(f.url)) ? [times[i] as number] : []
)
const first = inWindow[0] ?? 0
const span = (inWindow.at(-1) ?? 0) - first
const [from, to] = [first + span * 0.1, first + span * 0.9]

const leaf = new Map<string, number>()
const stage = new Map<string, number>()
const functions = new Map<string, number>()
const add = (m: Map<string, number>, key: string, us: number) => m.set(key, (m.get(key) ?? 0) + us)
let busy = 0
let all = 0
profile.samples.forEach((id, i) => {
  const at = times[i] as number
  if (at < from || at > to) return
  const us = profile.timeDeltas[i + 1] ?? 0
  all += us
  const stack = stackOf(id)
  const top = stack[0] as CallFrame
  if (top.functionName === "(idle)") return
  busy += us
  const under = stack.find((f) => f.url !== "")
  const owner =
    top.url !== "" || top.functionName.startsWith("(")
      ? top.url === ""
        ? top.functionName
        : ownerOf(top.url)
      : `${top.functionName} (native, under ${under === undefined ? "?" : ownerOf(under.url)})`
  add(leaf, owner, us)
  // The outermost frame of our code: the callback or effect step the work was done for.
  const own = [...stack].reverse().find((f) => ours(f.url))
  add(stage, own === undefined ? `(no frame of ours) ${owner}` : name(own), us)
  add(functions, top.url === "" ? `${name(top)} < ${name(stack[1] ?? top)}` : name(top), us)
})

const print = (title: string, m: Map<string, number>, rows = 20) => {
  console.log(`\n${title}`)
  for (const [key, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, rows))
    console.log(`${((100 * us) / busy).toFixed(1).padStart(5)} %  ${key}`)
}
console.log(
  `${path.basename(file)}: ${((to - from) / 1e6).toFixed(1)} s of steady run, busy ${((100 * busy) / all).toFixed(0)} % of it (${(busy / 1000).toFixed(0)} ms)`
)
print("busy time by owner of the leaf frame", leaf)
print("busy time by outermost frame of our code (inclusive)", stage)
print("self time by function", functions, 25)
