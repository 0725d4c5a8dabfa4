/** The part of geoip-lite 1.4 we use (it ships no types; CommonJS, so it is the default export). */
declare module "geoip-lite" {
  interface Lookup {
    readonly country: string
    readonly region: string
    readonly city: string
  }
  const geoip: { readonly lookup: (ip: string) => Lookup | null }
  export default geoip
}
