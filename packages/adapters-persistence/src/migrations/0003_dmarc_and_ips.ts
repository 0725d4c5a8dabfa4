import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // DMARC aggregate (rua) reports received for a domain, and their per-source rows.
  yield* sql`
    CREATE TABLE dmarc_reports (
      id serial PRIMARY KEY,
      team_id integer NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
      domain_id integer NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
      report_id text NOT NULL,
      org_name text NOT NULL,
      email text,
      date_range_start timestamptz,
      date_range_end timestamptz,
      policy_domain text NOT NULL,
      policy_published jsonb,
      status text NOT NULL DEFAULT 'processed' CHECK (status IN ('pending', 'processed', 'error')),
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (domain_id, org_name, report_id)
    )`
  yield* sql`CREATE INDEX dmarc_reports_domain ON dmarc_reports (domain_id, created_at DESC)`
  yield* sql`
    CREATE TABLE dmarc_records (
      id serial PRIMARY KEY,
      report_id integer NOT NULL REFERENCES dmarc_reports (id) ON DELETE CASCADE,
      source_ip text NOT NULL,
      message_count integer NOT NULL CHECK (message_count >= 0),
      disposition text,
      dkim_aligned boolean NOT NULL,
      spf_aligned boolean NOT NULL,
      header_from text
    )`
  yield* sql`CREATE INDEX dmarc_records_report ON dmarc_records (report_id)`
  // Outbound addresses a domain can be pinned to (dedicated IPs), from the deployment's configuration.
  yield* sql`
    CREATE TABLE ip_addresses (
      id serial PRIMARY KEY,
      address text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now()
    )`
  yield* sql`ALTER TABLE domains ADD COLUMN ip_address_id integer REFERENCES ip_addresses (id) ON DELETE SET NULL`
})
