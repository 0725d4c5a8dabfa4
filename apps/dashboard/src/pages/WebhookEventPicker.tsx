import { WEBHOOK_EVENT_TYPES } from "@poststack/domain"
import { useEffect, useId, useRef } from "react"

/** The families an endpoint may subscribe to, by the first part of their type, in the order shown. */
const FAMILIES: ReadonlyArray<readonly [string, string]> = [
  ["email", "Email"],
  ["inbound_email", "Inbound mail"],
  ["domain", "Domains"],
  ["contact", "Contacts"],
  ["workflow", "Workflows"],
  ["webhook", "Endpoints"],
  ["notification_channel", "Notification channels"]
]

/** Test events reach an endpoint whatever it subscribes to, so they are not offered. */
const SUBSCRIBABLE = WEBHOOK_EVENT_TYPES.filter((type) => !type.endsWith(".test"))

const familyOf = (type: string) => type.slice(0, type.indexOf("."))

export const EVENT_GROUPS: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = FAMILIES.map(
  ([family, label]) => [label, SUBSCRIBABLE.filter((type) => familyOf(type) === family)] as const
).filter(([, types]) => types.length > 0)

export const ALL_EVENTS = "*"

/** "All events", or the names; `short` names three at most, and how many more. */
export const eventsText = (events: ReadonlyArray<string>, short = false) =>
  events.includes(ALL_EVENTS)
    ? "All events"
    : short && events.length > 3
      ? `${events.slice(0, 3).join(", ")} and ${events.length - 3} more`
      : events.join(", ")

/** A group's own "select all" box, half-checked when some of its events are chosen. */
const GroupBox = ({
  label,
  types,
  chosen,
  disabled,
  onChange
}: {
  readonly label: string
  readonly types: ReadonlyArray<string>
  readonly chosen: ReadonlySet<string>
  readonly disabled: boolean
  readonly onChange: (types: ReadonlyArray<string>, on: boolean) => void
}) => {
  const ref = useRef<HTMLInputElement>(null)
  const count = types.filter((t) => chosen.has(t)).length
  useEffect(() => {
    if (ref.current !== null) ref.current.indeterminate = count > 0 && count < types.length
  }, [count, types.length])
  return (
    <label className="event-group-all">
      <input
        ref={ref}
        type="checkbox"
        checked={count === types.length}
        disabled={disabled}
        onChange={(e) => onChange(types, e.target.checked)}
      />{" "}
      {label} <span className="muted">(all {types.length})</span>
    </label>
  )
}

/**
 * The event types an endpoint receives: every event (`*`, which also takes types added later), or
 * a choice by family, each family with a box that selects all of it.
 */
export const WebhookEventPicker = ({
  value,
  onChange
}: {
  readonly value: ReadonlyArray<string>
  readonly onChange: (events: ReadonlyArray<string>) => void
}) => {
  const hintId = useId()
  const all = value.includes(ALL_EVENTS)
  const chosen = new Set(value)
  const set = (types: ReadonlyArray<string>, on: boolean) => {
    const next = new Set(chosen)
    for (const t of types) {
      if (on) next.add(t)
      else next.delete(t)
    }
    onChange(SUBSCRIBABLE.filter((t) => next.has(t)))
  }
  return (
    <fieldset className="event-picker" aria-describedby={hintId}>
      <legend>Events</legend>
      <p className="hint" id={hintId}>
        Pick at least one. A test event always arrives, whatever you pick.
      </p>
      <label className="event-all">
        <input
          type="checkbox"
          checked={all}
          onChange={(e) => onChange(e.target.checked ? [ALL_EVENTS] : [])}
        />{" "}
        <strong>All events</strong>, including types added later
      </label>
      <div className="event-groups">
        {EVENT_GROUPS.map(([label, types]) => (
          <fieldset key={label} className="event-group" disabled={all}>
            <legend className="visually-hidden">{label}</legend>
            <GroupBox label={label} types={types} chosen={chosen} disabled={all} onChange={set} />
            <ul>
              {types.map((type) => (
                <li key={type}>
                  <label>
                    <input
                      type="checkbox"
                      checked={all || chosen.has(type)}
                      onChange={(e) => set([type], e.target.checked)}
                    />{" "}
                    <code>{type}</code>
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
        ))}
      </div>
    </fieldset>
  )
}
