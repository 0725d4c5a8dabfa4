import { Context } from "effect"

/** The public suffix list: where registrable domains begin. */
export class PublicSuffixList extends Context.Tag("@poststack/application/PublicSuffixList")<
  PublicSuffixList,
  {
    /** True for names nobody can own, such as `com` or `co.uk`. */
    readonly isPublicSuffix: (name: string) => boolean
    /** The registrable domain a name belongs to (`mail.example.co.uk` → `example.co.uk`). */
    readonly organizationalDomain: (name: string) => string
  }
>() {}
