import { Select } from "../ui"

/** A delivery log's choices: everything (`""`), or one status the API's `?status=` takes, with its words. */
export type StatusChoices<S extends string> = ReadonlyArray<readonly ["" | S, string]>

/**
 * The "Show" choice above a delivery log (a webhook's or a notification channel's); a value not
 * among the choices is ignored.
 */
export const DeliveryStatusFilter = <S extends string>(props: {
  readonly name: string
  readonly choices: StatusChoices<S>
  readonly value: "" | S
  readonly onChange: (value: "" | S) => void
}) => (
  <Select
    label="Show"
    name={props.name}
    value={props.value}
    options={props.choices}
    onChange={(value) => {
      const chosen = props.choices.find(([v]) => v === value)
      if (chosen !== undefined) props.onChange(chosen[0])
    }}
  />
)
