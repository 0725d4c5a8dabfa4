/** The CLI's commands, by group; `unknownCommand` checks typed words against them. */
export const COMMANDS: Readonly<Record<string, ReadonlyArray<string>>> = {
  keys: ["create", "list", "revoke"],
  teams: ["create", "list", "add-member", "close"],
  domains: ["verify-local"],
  users: ["verify"],
  plans: ["list", "set", "assign"],
  contacts: ["import"],
  privacy: ["export", "erase"],
  migrate: []
}

const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length] ?? 0
}

const suggestion = (word: string, known: ReadonlyArray<string>) => {
  const close = known.find((k) => distance(word, k) <= (k.length > 5 ? 3 : 2) || k.startsWith(word))
  return close === undefined ? "" : ` (did you mean "${close}"?)`
}

/**
 * Why the words typed do not name a command, said at the level of the mistake ("poststack keys
 * lst": the group is right, its command is not), or `null` when they do (or ask for help).
 */
export const unknownCommand = (args: ReadonlyArray<string>): string | null => {
  const [group, command] = args
  const groups = Object.keys(COMMANDS)
  if (group === undefined || group.startsWith("-")) return null
  const commands = COMMANDS[group]
  if (commands === undefined)
    return `poststack: unknown command "${group}"${suggestion(group, groups)}. Commands: ${groups.join(", ")}; --help lists them`
  if (commands.length === 0) return null
  if (command === undefined || (command.startsWith("-") && command !== "--help" && command !== "-h"))
    return `poststack ${group}: say which command: ${commands.join(", ")} (poststack ${group} --help)`
  if (command.startsWith("-") || commands.includes(command)) return null
  return `poststack ${group}: unknown command "${command}"${suggestion(command, commands)}. Commands: ${commands.join(", ")}`
}
