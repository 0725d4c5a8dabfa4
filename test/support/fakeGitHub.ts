import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

export interface FakeGitHubAccount {
  readonly id: number
  readonly login: string
  readonly name: string | null
  readonly emails: ReadonlyArray<{
    readonly email: string
    readonly primary: boolean
    readonly verified: boolean
  }>
}

export interface FakeGitHub {
  readonly url: string
  readonly clientId: string
  readonly clientSecret: string
  /** What the consent page would do on "Authorize": a single-use code for the account. */
  readonly grant: (account: FakeGitHubAccount) => string
  /** Every request the fake got: method, path, headers and body. */
  readonly requests: Array<{
    method: string
    path: string
    headers: IncomingMessage["headers"]
    body: string
  }>
  /** Access tokens handed out, to check none reaches a log. */
  readonly tokens: Array<string>
  readonly close: () => Promise<void>
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = ""
    req.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8")
    })
    req.on("end", () => resolve(text))
  })

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" })
  res.end(JSON.stringify(body))
}

/**
 * GitHub's OAuth and REST endpoints as GitHub answers them: `POST /login/oauth/access_token`
 * takes a form or JSON body and answers JSON or a form-encoded body by `Accept`, with errors such
 * as `bad_verification_code` in a 200; `GET /user` and `GET /user/emails` want
 * `Authorization: Bearer` (or `token`) and answer 401 `Bad credentials` without it.
 */
export const startFakeGitHub = async (): Promise<FakeGitHub> => {
  const clientId = "Iv1.fakeclient0001"
  const clientSecret = randomBytes(20).toString("hex")
  const codes = new Map<string, FakeGitHubAccount>()
  const byToken = new Map<string, FakeGitHubAccount>()
  const requests: FakeGitHub["requests"] = []
  const tokens: Array<string> = []

  const server = createServer(async (req, res) => {
    const body = await readBody(req)
    const url = new URL(req.url ?? "/", "http://github.test")
    requests.push({ method: req.method ?? "", path: url.pathname, headers: req.headers, body })
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      const params = (req.headers["content-type"] ?? "").includes("json")
        ? new URLSearchParams(JSON.parse(body) as Record<string, string>)
        : new URLSearchParams(body)
      const wantsJson = (req.headers.accept ?? "").includes("application/json")
      const answer = (fields: Record<string, string>) => {
        if (wantsJson) return json(res, 200, fields)
        res.writeHead(200, { "content-type": "application/x-www-form-urlencoded; charset=utf-8" })
        res.end(new URLSearchParams(fields).toString())
      }
      if (params.get("client_id") !== clientId || params.get("client_secret") !== clientSecret)
        return answer({
          error: "incorrect_client_credentials",
          error_description: "The client_id and/or client_secret passed are incorrect.",
          error_uri:
            "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials"
        })
      const account = codes.get(params.get("code") ?? "")
      if (account === undefined)
        return answer({
          error: "bad_verification_code",
          error_description: "The code passed is incorrect or expired.",
          error_uri:
            "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code"
        })
      codes.delete(params.get("code") ?? "")
      const token = `gho_${randomBytes(18).toString("base64url")}`
      tokens.push(token)
      byToken.set(token, account)
      return answer({ access_token: token, token_type: "bearer", scope: "read:user,user:email" })
    }
    const auth = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? "")
    const account = auth?.[1] === undefined ? undefined : byToken.get(auth[1])
    if (req.method === "GET" && (url.pathname === "/user" || url.pathname === "/user/emails")) {
      if (account === undefined)
        return json(res, 401, {
          message: "Bad credentials",
          documentation_url: "https://docs.github.com/rest",
          status: "401"
        })
      if (url.pathname === "/user")
        return json(res, 200, {
          login: account.login,
          id: account.id,
          node_id: `MDQ6VXNlcj${account.id}`,
          avatar_url: `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
          gravatar_id: "",
          url: `https://api.github.com/users/${account.login}`,
          html_url: `https://github.com/${account.login}`,
          type: "User",
          site_admin: false,
          name: account.name,
          company: "@secret-company",
          blog: "https://blog.example",
          location: "Somewhere private",
          email: null,
          hireable: null,
          bio: "a private bio",
          twitter_username: null,
          public_repos: 8,
          followers: 20,
          following: 0,
          created_at: "2008-01-14T04:33:35Z",
          updated_at: "2008-01-14T04:33:35Z"
        })
      return json(
        res,
        200,
        account.emails.map((e) => ({ ...e, visibility: e.primary ? "private" : null }))
      )
    }
    json(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    grant: (account) => {
      const code = randomBytes(10).toString("hex")
      codes.set(code, account)
      return code
    },
    requests,
    tokens,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
