import type { SegmentRules } from "@poststack/domain"
import { useEffect, useState } from "react"
import { ApiProblem, call } from "../api"
import { Select } from "../ui"

type Condition = SegmentRules["conditions"][number]

const FIXED: ReadonlyArray<readonly [string, string]> = [
  ["email", "Email"],
  ["firstName", "First name"],
  ["lastName", "Last name"],
  ["unsubscribed", "Unsubscribed"],
  ["engagementSegment", "Engagement"],
  ["createdAt", "Created"],
  ["lastEngagedAt", "Last engaged"],
  ["emailsOpened", "Emails opened"],
  ["emailsClicked", "Emails clicked"]
]

const COMPARATORS: ReadonlyArray<readonly [Condition["comparator"], string]> = [
  ["equals", "equals"],
  ["not_equals", "does not equal"],
  ["contains", "contains"],
  ["starts_with", "starts with"],
  ["ends_with", "ends with"],
  ["greater_than", "greater than"],
  ["less_than", "less than"],
  ["greater_than_or_equal", "at least"],
  ["less_than_or_equal", "at most"],
  ["before", "before (YYYY-MM-DD)"],
  ["after", "after (YYYY-MM-DD)"],
  ["in_last_days", "in the last N days"],
  ["is_set", "is set"],
  ["is_not_set", "is not set"]
]

const behavioural = (field: string) => field === "emailsOpened" || field === "emailsClicked"

/** The rules as the API takes them: no value for is_set / is_not_set, a window only on counts. */
export const rulesOf = (operator: "and" | "or", rows: ReadonlyArray<Condition>): SegmentRules => ({
  operator,
  conditions: rows.map((row) => ({
    field: row.field,
    comparator: row.comparator,
    ...(row.comparator === "is_set" || row.comparator === "is_not_set" ? {} : { value: row.value ?? "" }),
    ...(behavioural(row.field) ? { windowDays: row.windowDays ?? 30 } : {})
  }))
})

/**
 * Conditions edited in place, with the number of contacts they select shown as they change
 * (`POST /segments/preview`, a moment after the last keystroke; nothing is stored).
 */
export const RuleBuilder = ({
  propertyNames,
  onChange
}: {
  readonly propertyNames: ReadonlyArray<string>
  readonly onChange: (rules: SegmentRules) => void
}) => {
  const [operator, setOperator] = useState<"and" | "or">("and")
  const [rows, setRows] = useState<ReadonlyArray<Condition>>([
    { field: "email", comparator: "contains", value: "" }
  ])
  const [preview, setPreview] = useState<{ count?: number; problem?: string }>({})
  const fields = [
    ...FIXED,
    ...propertyNames.map((name) => [`properties.${name}`, `Property: ${name}`] as const)
  ]

  useEffect(() => {
    const rules = rulesOf(operator, rows)
    onChange(rules)
    const timer = setTimeout(() => {
      call((api) => api.segments.preview({ payload: { rules } }))
        .then(({ count }) => setPreview({ count }))
        .catch((error: unknown) =>
          setPreview({ problem: error instanceof ApiProblem ? error.message : String(error) })
        )
    }, 250)
    return () => clearTimeout(timer)
  }, [operator, rows, onChange])

  const update = (i: number, change: Partial<Condition>) =>
    setRows(rows.map((row, j) => (j === i ? { ...row, ...change } : row)))

  return (
    <fieldset className="rule-builder">
      <legend>Rules</legend>
      <Select
        label="Contacts must match"
        name="operator"
        value={operator}
        options={[
          ["and", "all of these conditions"],
          ["or", "any of these conditions"]
        ]}
        onChange={(v) => setOperator(v as "and" | "or")}
      />
      <ol aria-label="Conditions">
        {rows.map((row, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity but their place.
          <li key={i} className="condition">
            <Select
              label={`Condition ${i + 1} field`}
              name={`field-${i}`}
              value={row.field}
              options={fields}
              onChange={(field) => update(i, { field })}
            />
            <Select
              label={`Condition ${i + 1} comparator`}
              name={`comparator-${i}`}
              value={row.comparator}
              options={COMPARATORS}
              onChange={(comparator) => update(i, { comparator: comparator as Condition["comparator"] })}
            />
            {row.comparator === "is_set" || row.comparator === "is_not_set" ? null : (
              <div className="field">
                <label htmlFor={`value-${i}`}>{`Condition ${i + 1} value`}</label>
                <input
                  id={`value-${i}`}
                  value={String(row.value ?? "")}
                  maxLength={500}
                  onChange={(event) => update(i, { value: event.target.value })}
                />
              </div>
            )}
            {behavioural(row.field) ? (
              <div className="field">
                <label htmlFor={`window-${i}`}>{`Condition ${i + 1} window (days)`}</label>
                <input
                  id={`window-${i}`}
                  type="number"
                  min={1}
                  max={365}
                  value={row.windowDays ?? 30}
                  onChange={(event) => update(i, { windowDays: Number(event.target.value) })}
                />
              </div>
            ) : null}
            {rows.length > 1 ? (
              <button type="button" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                Remove condition {i + 1}
              </button>
            ) : null}
          </li>
        ))}
      </ol>
      {rows.length < 50 ? (
        <button
          type="button"
          onClick={() => setRows([...rows, { field: "email", comparator: "contains", value: "" }])}
        >
          Add condition
        </button>
      ) : null}
      <p role="status" aria-live="polite" className="preview">
        {preview.problem !== undefined
          ? preview.problem
          : preview.count === undefined
            ? "Counting…"
            : `${preview.count} contact${preview.count === 1 ? "" : "s"} match`}
      </p>
    </fieldset>
  )
}
