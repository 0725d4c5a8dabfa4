import { Config, Effect, Layer } from "effect"
import * as PgApiKeyRepository from "./PgApiKeyRepository.js"
import * as PgAuditLog from "./PgAuditLog.js"
import * as PgContactEngagement from "./PgContactEngagement.js"
import * as PgContactImport from "./PgContactImport.js"
import * as PgContactPropertyRepository from "./PgContactPropertyRepository.js"
import * as PgContactRepository from "./PgContactRepository.js"
import * as PgDeliveryFeedback from "./PgDeliveryFeedback.js"
import * as PgDeliveryQueue from "./PgDeliveryQueue.js"
import * as PgDkimKeyRepository from "./PgDkimKeyRepository.js"
import * as PgDmarcReportRepository from "./PgDmarcReportRepository.js"
import * as PgDomainDirectory from "./PgDomainDirectory.js"
import * as PgDomainRepository from "./PgDomainRepository.js"
import * as PgEmailRepository from "./PgEmailRepository.js"
import * as PgEngagementLog from "./PgEngagementLog.js"
import * as PgHealthProbe from "./PgHealthProbe.js"
import * as PgInvitationRepository from "./PgInvitationRepository.js"
import * as PgMembershipRepository from "./PgMembershipRepository.js"
import * as PgSessionStore from "./PgSessionStore.js"
import * as PgSignInStore from "./PgSignInStore.js"
import * as PgSignupAudience from "./PgSignupAudience.js"
import * as PgSignupFormRepository from "./PgSignupFormRepository.js"
import * as PgIdentityRepository from "./PgIdentityRepository.js"
import * as PgTwoFactorStore from "./PgTwoFactorStore.js"
import * as PgUserRepository from "./PgUserRepository.js"
import * as PgInboundRepository from "./PgInboundRepository.js"
import * as PgIpAddressRepository from "./PgIpAddressRepository.js"
import * as PgNotificationChannelRepository from "./PgNotificationChannelRepository.js"
import * as PgRequestLog from "./PgRequestLog.js"
import * as PgRetentionStore from "./PgRetentionStore.js"
import * as PgTeamClosure from "./PgTeamClosure.js"
import * as PgDataSubjectStore from "./PgDataSubjectStore.js"
import * as PgPrivacyJobQueue from "./PgPrivacyJobQueue.js"
import * as PgWorkflowStore from "./PgWorkflowStore.js"
import * as PgSegmentAudience from "./PgSegmentAudience.js"
import * as PgSegmentRepository from "./PgSegmentRepository.js"
import * as PgSubscriptionRepository from "./PgSubscriptionRepository.js"
import * as PgSuppressionList from "./PgSuppressionList.js"
import * as PgUsageMeter from "./PgUsageMeter.js"
import * as PgStoreUpkeep from "./PgStoreUpkeep.js"
import * as PgTaskLock from "./PgTaskLock.js"
import * as PgTeamRepository from "./PgTeamRepository.js"
import * as PgTopicRepository from "./PgTopicRepository.js"
import * as PgTemplateRepository from "./PgTemplateRepository.js"
import * as PgBroadcastRepository from "./PgBroadcastRepository.js"
import * as PgBroadcastQueue from "./PgBroadcastQueue.js"
import * as PgWebhookQueue from "./PgWebhookQueue.js"
import * as PgWebhookRepository from "./PgWebhookRepository.js"

const others = [
  PgDeliveryQueue.layer,
  PgTeamRepository.layer,
  PgDomainDirectory.layer,
  PgEmailRepository.layer,
  PgSuppressionList.layer,
  PgEngagementLog.layer(),
  PgDkimKeyRepository.layer,
  PgDmarcReportRepository.layer,
  PgIpAddressRepository.layer,
  PgTaskLock.layer,
  PgStoreUpkeep.layer,
  PgHealthProbe.layer,
  PgWebhookRepository.layer,
  PgWebhookQueue.layer,
  PgInboundRepository.layer,
  PgDeliveryFeedback.layer,
  PgNotificationChannelRepository.layer,
  PgAuditLog.layer,
  PgRequestLog.layer(),
  PgUserRepository.layer,
  PgSessionStore.layer,
  PgSignInStore.layer,
  PgIdentityRepository.layer,
  PgTwoFactorStore.layer,
  PgMembershipRepository.layer,
  PgInvitationRepository.layer,
  PgContactRepository.layer,
  PgContactPropertyRepository.layer,
  PgUsageMeter.layer,
  PgSignupFormRepository.layer,
  PgSignupAudience.layer,
  PgTopicRepository.layer,
  PgContactEngagement.layer,
  PgContactImport.layer,
  PgRetentionStore.layer,
  PgTeamClosure.layer,
  PgDataSubjectStore.layer,
  PgPrivacyJobQueue.layer,
  PgWorkflowStore.layer,
  PgTemplateRepository.layer,
  PgSegmentRepository.layer,
  PgSegmentAudience.layer,
  PgBroadcastRepository.layer,
  PgBroadcastQueue.layer
] as const

/** Every PostgreSQL-backed port; needs a `SqlClient` (see `PgDatabase`). */
export const PgPersistence = Layer.mergeAll(
  PgApiKeyRepository.layer,
  PgDomainRepository.layer,
  PgSubscriptionRepository.layer,
  ...others
)

/**
 * The same, with API keys and sending domains looked up through a short in-memory cache
 * (`POSTSTACK_LOOKUP_CACHE_MS`, default 2000; 0 turns it off): what the server and worker use.
 */
export const PgPersistenceConfig = Layer.unwrapEffect(
  Effect.map(
    Config.integer("POSTSTACK_LOOKUP_CACHE_MS").pipe(Config.withDefault(2_000), Effect.orDie),
    (ttlMs) =>
      Layer.mergeAll(
        PgApiKeyRepository.layerCached(ttlMs),
        PgDomainRepository.layerCached(ttlMs),
        PgSubscriptionRepository.layerCached(ttlMs),
        ...others
      )
  )
)
