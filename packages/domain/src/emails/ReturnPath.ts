/**
 * The per-recipient return path (VERP, read back by `parseVerp`): a bounce to it names the
 * delivery, and the short digest keeps a forged bounce from naming any delivery it likes. The
 * digest function is given (the domain does no crypto).
 */
export const returnPath = (
  deliveryId: number,
  messageId: string,
  host: string,
  sha256: (s: string) => string
): string => `b${deliveryId}.${sha256(`${deliveryId}:${messageId}`).slice(0, 12)}@${host}`
