export * as ConfigMailHosts from "./ConfigMailHosts.js"
export * as NodemailerDkimSigner from "./NodemailerDkimSigner.js"
export * as NodemailerMailTransport from "./NodemailerMailTransport.js"
export * as NodemailerMessageComposer from "./NodemailerMessageComposer.js"
