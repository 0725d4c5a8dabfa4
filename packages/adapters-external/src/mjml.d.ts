/** The part of mjml 5 we use (it ships no types; CommonJS, so it is the default export). */
declare module "mjml" {
  interface MjmlResult {
    readonly html: string
    readonly errors: ReadonlyArray<{ readonly formattedMessage: string; readonly message: string }>
  }
  const mjml2html: (
    mjml: string,
    options?: { readonly validationLevel?: "strict" | "soft" | "skip"; readonly keepComments?: boolean }
  ) => Promise<MjmlResult>
  export default mjml2html
}
