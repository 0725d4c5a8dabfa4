import type { ReactNode } from "react"

/**
 * What a page shows of a list it loads: "Loading…" until it arrives, `empty` when it has no rows
 * (leave `empty` out where a list is never empty), and otherwise what `children` makes of it.
 */
export const Loaded = <A,>({
  items,
  empty,
  children
}: {
  readonly items: ReadonlyArray<A> | undefined
  readonly empty?: ReactNode
  readonly children: (items: ReadonlyArray<A>) => ReactNode
}) =>
  items === undefined ? (
    <p role="status">Loading…</p>
  ) : items.length === 0 && empty !== undefined ? (
    <p>{empty}</p>
  ) : (
    children(items)
  )

/**
 * A table of rows with one heading per column and, with `actions`, a last column for each row's
 * buttons whose heading only a screen reader reads. A `hiddenCaption` names the table for a screen
 * reader where the page's heading already names it for the eye. On a narrow screen the table
 * scrolls inside its frame rather than widening the page.
 */
export const ListTable = ({
  caption,
  hiddenCaption = false,
  columns,
  actions = false,
  children
}: {
  readonly caption: ReactNode
  readonly hiddenCaption?: boolean
  readonly columns: ReadonlyArray<string>
  readonly actions?: boolean
  readonly children: ReactNode
}) => (
  <div className="table-scroll">
    <table>
      <caption className={hiddenCaption ? "visually-hidden" : undefined}>{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
          {actions ? (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  </div>
)
