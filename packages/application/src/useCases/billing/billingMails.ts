import type { SystemMessage } from "../accounts/SendSystemMail.js"

/** The billing notice (P18): a payment failed, and when sending stops if it is not fixed. */
export const paymentFailedNotice = (
  to: string,
  teamName: string,
  amount: string,
  graceUntil: Date
): SystemMessage => ({
  to,
  subject: `Payment failed for ${teamName} on PostStack`,
  text: `We could not take the payment of ${amount} for the team "${teamName}" on PostStack.\n\nSending goes on until ${graceUntil.toUTCString()}. Update the card in the billing portal (Billing, in the dashboard) before then, or the team's mail will be refused from that date.\n`
})

export const formatAmount = (cents: number, currency: string): string =>
  `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`
