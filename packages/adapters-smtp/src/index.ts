export * as ConfigMailHosts from "./ConfigMailHosts.js"
export * as NodemailerDkimSigner from "./NodemailerDkimSigner.js"
