import { maxHeaderSize } from "node:http"
import type { Socket } from "node:net"
import type { Duplex } from "node:stream"

const answers: Record<string, readonly [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    "Request Header Fields Too Large",
    `The request line and headers must be at most ${maxHeaderSize} bytes together`
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "The request was not received in time"]
}

/**
 * Node answers a request it cannot parse (headers over its size limit, a malformed request line)
 * itself, with an empty body, before any route or middleware sees it. This listener, on the
 * server's `clientError`, answers the same status in the contract's `{error, code}` shape instead,
 * then closes the connection (what follows on it cannot be trusted to be a request).
 */
export const answerClientError = (error: Error & { readonly code?: string }, socket: Duplex): void => {
  // A connection that is gone, or already mid-response, gets nothing more.
  if (!socket.writable || (socket as Socket).bytesWritten > 0) {
    socket.destroy()
    return
  }
  const [status, reason, message] = answers[error.code ?? ""] ?? [
    400,
    "Bad Request",
    "Malformed HTTP request"
  ]
  const body = JSON.stringify({ error: message, code: "invalid_request" })
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: req_${crypto.randomUUID()}\r\nConnection: close\r\n\r\n${body}`
  )
}
