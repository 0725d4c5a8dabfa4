import {
  HttpNotificationSender,
  LiquidTemplateEngine,
  NodeCryptoDigest,
  NodeCryptoDkimKeyGenerator,
  NodeCryptoKeyMaterial,
  NodeCryptoSecretBox,
  NodeCryptoTrackingLinks,
  NodeCryptoWebhookSigner,
  NodeDnsResolver,
  NodeHttpWebhookTransport,
  PackagedAddressLists,
  PlanRetentionPolicySource,
  StripeBillingGateway,
  TldtsPublicSuffixList,
  UaParserUserAgentParser
} from "@poststack/adapters-external"
import { FileBlobStore, PgPersistenceConfig } from "@poststack/adapters-persistence"
import {
  ConfigMailHosts,
  FastXmlDmarcReportReader,
  Htmlparser2HtmlScanner,
  MailauthSenderAuthenticator,
  MailparserMailParser,
  NodeCryptoDkimSigner,
  NodemailerMailTransport,
  NodemailerMessageComposer
} from "@poststack/adapters-smtp"
import { Layer } from "effect"

/**
 * Every port the use cases need, each adapter reading its own configuration. Needs a
 * `SqlClient` (see `PgDatabase`); built once per process and shared by the API and the worker.
 */
export const Services = Layer.mergeAll(
  PgPersistenceConfig,
  NodeCryptoKeyMaterial.layerConfig,
  NodeCryptoDigest.layer,
  NodeCryptoDkimKeyGenerator.layer,
  NodeCryptoSecretBox.layerConfig,
  NodeDnsResolver.layerConfig,
  TldtsPublicSuffixList.layer,
  ConfigMailHosts.layerConfig,
  NodemailerMessageComposer.layer,
  NodemailerMailTransport.layerConfig,
  NodeCryptoWebhookSigner.layer,
  MailparserMailParser.layer,
  MailauthSenderAuthenticator.layerConfig,
  FastXmlDmarcReportReader.layer,
  FileBlobStore.layerConfig,
  NodeCryptoTrackingLinks.layerConfig,
  UaParserUserAgentParser.layer,
  Htmlparser2HtmlScanner.layer,
  PackagedAddressLists.layer,
  StripeBillingGateway.layerConfig,
  LiquidTemplateEngine.layer
)
  .pipe((services) =>
    Layer.mergeAll(
      services,
      NodeCryptoDkimSigner.layer.pipe(Layer.provide(services)),
      NodeHttpWebhookTransport.layerConfig.pipe(Layer.provide(services)),
      PlanRetentionPolicySource.layerConfig.pipe(Layer.provide(services))
    )
  )
  .pipe((services) =>
    Layer.mergeAll(services, HttpNotificationSender.layerConfig.pipe(Layer.provide(services)))
  )
