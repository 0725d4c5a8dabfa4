import { UserAgentParser } from "@poststack/application"
import { Layer } from "effect"
import { UAParser } from "ua-parser-js"

/** ua-parser-js 1.x (MIT; the 2.x line is AGPL): browser, OS and device type of a `User-Agent`. */
export const make = UserAgentParser.of({
  parse: (userAgent) => {
    const result = new UAParser(userAgent).getResult()
    return {
      browser: result.browser.name,
      os: result.os.name,
      deviceType: result.device.type
    }
  }
})

export const layer = Layer.succeed(UserAgentParser, make)
