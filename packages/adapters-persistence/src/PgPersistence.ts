import { Layer } from "effect"
import * as PgApiKeyRepository from "./PgApiKeyRepository.js"
import * as PgDeliveryFeedback from "./PgDeliveryFeedback.js"
import * as PgDeliveryQueue from "./PgDeliveryQueue.js"
import * as PgDkimKeyRepository from "./PgDkimKeyRepository.js"
import * as PgDmarcReportRepository from "./PgDmarcReportRepository.js"
import * as PgDomainDirectory from "./PgDomainDirectory.js"
import * as PgDomainRepository from "./PgDomainRepository.js"
import * as PgEmailRepository from "./PgEmailRepository.js"
import * as PgEngagementLog from "./PgEngagementLog.js"
import * as PgHealthProbe from "./PgHealthProbe.js"
import * as PgInboundRepository from "./PgInboundRepository.js"
import * as PgIpAddressRepository from "./PgIpAddressRepository.js"
import * as PgSuppressionList from "./PgSuppressionList.js"
import * as PgTaskLock from "./PgTaskLock.js"
import * as PgTeamRepository from "./PgTeamRepository.js"
import * as PgWebhookQueue from "./PgWebhookQueue.js"
import * as PgWebhookRepository from "./PgWebhookRepository.js"

/** Every PostgreSQL-backed port; needs a `SqlClient` (see `PgDatabase`). */
export const PgPersistence = Layer.mergeAll(
  PgApiKeyRepository.layer,
  PgDeliveryQueue.layer,
  PgTeamRepository.layer,
  PgDomainDirectory.layer,
  PgDomainRepository.layer,
  PgEmailRepository.layer,
  PgSuppressionList.layer,
  PgEngagementLog.layer(),
  PgDkimKeyRepository.layer,
  PgDmarcReportRepository.layer,
  PgIpAddressRepository.layer,
  PgTaskLock.layer,
  PgHealthProbe.layer,
  PgWebhookRepository.layer,
  PgWebhookQueue.layer,
  PgInboundRepository.layer,
  PgDeliveryFeedback.layer
)
