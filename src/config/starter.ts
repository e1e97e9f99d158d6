import { stringify } from 'yaml';

export interface StarterOptions {
  crm: 'none' | 'hubspot' | 'salesforce';
  /** As it should appear in the file: relative to the config file's folder, or absolute. */
  rulesPath: string;
  databasePath: string;
}

/** A YAML scalar, quoted only when it must be. */
function scalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

const CONNECTIONS: Record<StarterOptions['crm'], string> = {
  none: `connection:
  # none: score records imported with \`leadscore import\`; nothing is read from or written to a CRM.
  # Change to hubspot or salesforce and add its section (see docs/configuration.md).
  crm: none
`,
  hubspot: `connection:
  crm: hubspot
  hubspot:
    # privateApp: a private app's access token. oauth: clientId + clientSecret + refreshToken.
    auth: privateApp
    # Never the token itself: { env: NAME } reads an environment variable,
    # { secret: NAME } the encrypted store (\`leadscore secret set NAME\`).
    token: { env: HUBSPOT_TOKEN }
    # starter | professional | enterprise: sets the API rate and daily allowance leadscore paces itself to.
    tier: professional
`,
  salesforce: `connection:
  crm: salesforce
  salesforce:
    # https://test.salesforce.com for a sandbox, or your My Domain URL.
    loginUrl: https://login.salesforce.com
    # The connected app's consumer key (not a secret).
    clientId: REPLACE_WITH_CONSUMER_KEY
    # Never the secrets themselves: { env: NAME } reads an environment variable,
    # { secret: NAME } the encrypted store (\`leadscore secret set NAME\`).
    clientSecret: { env: SALESFORCE_CLIENT_SECRET }
    refreshToken: { env: SALESFORCE_REFRESH_TOKEN }
    # Lead or Contact: the object scores are read from and written to.
    object: Lead
    apiVersion: "62.0"
`,
};

/** The config `leadscore init` writes: commented, and valid as written (a test loads it). */
export function starterConfigText(options: StarterOptions): string {
  const writeBackNote =
    options.crm === 'salesforce'
      ? '  # Salesforce custom fields; unset ones default to leadscore_score__c, leadscore_band__c...\n'
      : '  # CRM property names; unset ones default to leadscore_score, leadscore_band...\n';
  return `# leadscore configuration. Every key and its default: docs/configuration.md.
# Paths are relative to this file's folder.

# The SQLite database holding records, events, scores and the sync state.
database: ${scalar(options.databasePath)}

# The scoring rules: a rules file, or the rules written inline under this key.
rules: ${scalar(options.rulesPath)}

${CONNECTIONS[options.crm]}
schedule:
  # Cron expressions (minute hour day-of-month month day-of-week), read in \`timezone\`.
  incremental: "*/10 * * * *"   # pull changes, score, write back
  reconcile: "30 2 * * *"       # nightly full pass
  timezone: UTC

writeBack:
  enabled: ${options.crm === 'none' ? 'false' : 'true'}
${writeBackNote}  # fields:
  #   score: leadscore_score
  # respect: a rep's manual edit of a leadscore field is kept, and the record skipped with a log line.
  onHumanOverwrite: respect

scoring:
  # Scores are computed as of the start of the current UTC day (or hour), so reruns the same day are identical.
  asOfResolution: day

limits:
  # Stop syncing before this share of the CRM's daily API allowance is spent.
  dailyBudgetShare: 0.5

logging:
  level: info
`;
}
