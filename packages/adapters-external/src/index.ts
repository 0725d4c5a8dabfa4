export * as NodeCryptoKeyMaterial from "./NodeCryptoKeyMaterial.js"
