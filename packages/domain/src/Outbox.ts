/** An event a team may be told about (webhooks read these), written in the same transaction as its cause. */
export interface OutboxEvent {
  readonly type: string
  readonly payload: Readonly<Record<string, unknown>>
}
