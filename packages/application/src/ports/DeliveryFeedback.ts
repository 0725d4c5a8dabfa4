import type { DeliveryId, EmailEventDetail, EmailId, TeamId } from "@poststack/domain"
import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./StoreUnavailable.js"

/** A delivery a report (DSN, complaint) may be about. */
export interface SentDelivery {
  readonly id: DeliveryId
  readonly emailId: EmailId
  readonly teamId: TeamId
  readonly recipient: string
  readonly messageId: string
  /** As stored, `scheduled` included. */
  readonly status: string
}

/** What a report changes: the delivery's status (or not), its events, and a suppression. */
export interface Feedback {
  readonly status: "bounced" | "complained" | null
  readonly events: ReadonlyArray<EmailEventDetail>
  readonly suppress: "hard_bounce" | "complaint" | null
}

/** Reports that come back after a message was handed over, applied to its delivery. */
export class DeliveryFeedback extends Context.Tag("@poststack/application/DeliveryFeedback")<
  DeliveryFeedback,
  {
    readonly delivery: (id: number) => Effect.Effect<Option.Option<SentDelivery>, StoreUnavailable>
    /** The team's delivery of the message with this Message-ID to this recipient. */
    readonly byMessageId: (
      teamId: TeamId,
      messageId: string,
      recipient: string | null
    ) => Effect.Effect<Option.Option<SentDelivery>, StoreUnavailable>
    /** Records the feedback, the suppression and the email's new status in one transaction. */
    readonly record: (delivery: SentDelivery, feedback: Feedback) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
