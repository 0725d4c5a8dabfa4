/** Where a request came from, as recorded on sessions (P14). */
export interface ClientContext {
  readonly address: string | null
  readonly userAgent: string | null
}
