import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type LoadedConfig, loadConfig } from '../../config/load.js';
import { encryptSecret, readMasterKey } from '../../config/secrets.js';
import { writeFieldsFor } from '../../sync/writeback.js';
import { type ConsoleContext, describeError, flashFrom, sendPage } from '../context.js';
import { csrfInput, field, type Html, html, select, table } from '../html.js';
import { exchangeCode, PendingFlows, pkcePair } from '../oauth-flow.js';
import { rewriteYaml } from '../yaml-edit.js';
import { writeFileAtomic } from './rules.js';

/**
 * Connect a CRM from the browser. A candidate connection is tried first (the composition root's checkAccess,
 * with the new secrets under temporary names); only when the CRM accepts the credentials are the secrets
 * stored (encrypted with LEADSCORE_MASTER_KEY) and the config file's `connection` rewritten. A wrong token,
 * an OAuth error or denied consent changes nothing. Secrets are never rendered back into a page.
 */

type Secrets = Record<string, string>;
const PENDING = 'console-pending-';

interface Attempt {
  ok: boolean;
  message: string;
  granted?: string[];
  missing?: string[];
  fields?: Array<{ name: string; type: string; label: string }>;
}

function withSecretNames(
  connection: Record<string, unknown>,
  rename: (name: string) => string,
): Record<string, unknown> {
  return JSON.parse(JSON.stringify(connection), (key, value) =>
    key === 'secret' && typeof value === 'string' ? rename(value) : value,
  ) as Record<string, unknown>;
}

/** Tries `connection` (raw YAML value) with `secrets`; saves both only when the CRM accepts them. */
export async function tryConnection(
  ctx: ConsoleContext,
  connection: Record<string, unknown>,
  secrets: Secrets,
  writeBack: boolean,
): Promise<Attempt> {
  const masterKey = readMasterKey(ctx.env);
  if (!masterKey) {
    return {
      ok: false,
      message:
        'Cannot store credentials: LEADSCORE_MASTER_KEY is not set for the console. Start `leadscore serve` with it set (see docs/configuration.md); nothing was changed.',
    };
  }
  const configText = readFileSync(ctx.configPath, 'utf8');
  const withConnection = (text: string, value: Record<string, unknown>) =>
    rewriteYaml(rewriteYaml(text, ['connection'], value), ['writeBack', 'enabled'], writeBack);
  const trialPath = join(
    dirname(ctx.configPath),
    `.leadscore-console-trial-${randomBytes(4).toString('hex')}.yaml`,
  );
  const now = ctx.now();
  try {
    for (const [name, value] of Object.entries(secrets)) {
      ctx.store.putSecret(PENDING + name, encryptSecret(value, masterKey), now);
    }
    writeFileSync(
      trialPath,
      withConnection(
        configText,
        withSecretNames(connection, (name) => PENDING + name),
      ),
    );
    let trial: LoadedConfig;
    try {
      trial = loadConfig(trialPath);
    } catch (error) {
      return {
        ok: false,
        message: `Those settings are not valid: ${describeError(error)} Nothing was changed.`,
      };
    }
    let access: { granted: string[]; missing: string[] };
    try {
      access = await ctx.connect(trial).checkAccess();
    } catch (error) {
      return {
        ok: false,
        message: `The CRM did not accept these credentials: ${describeError(error)} Nothing was changed.`,
      };
    }
    const fields = writeFieldsFor(trial.writeBack.fields as Parameters<typeof writeFieldsFor>[0]).map(
      (entry) => ({
        name: entry.name,
        type: entry.type,
        label: entry.label,
      }),
    );
    if (access.missing.length > 0) {
      // As `leadscore connect`: a connection that cannot do its job is not saved.
      return {
        ok: false,
        message: `The CRM is missing permissions leadscore needs: ${access.missing.join(', ')}. Grant them to the app or integration user, then connect again. Nothing was changed.`,
        granted: access.granted,
        missing: access.missing,
        fields,
      };
    }
    for (const [name, value] of Object.entries(secrets)) {
      ctx.store.putSecret(name, encryptSecret(value, masterKey), now);
    }
    writeFileAtomic(ctx.configPath, withConnection(configText, connection));
    try {
      loadConfig(ctx.configPath);
    } catch (error) {
      writeFileAtomic(ctx.configPath, configText);
      return {
        ok: false,
        message: `The config would not be valid: ${describeError(error)} Nothing was changed.`,
      };
    }
    const writing = writeBack
      ? 'Scores are written back to the CRM.'
      : 'Write-back is off: scores stay in leadscore.';
    return {
      ok: true,
      message: `Connected: the CRM accepted the credentials and every permission leadscore needs is granted. ${writing}`,
      granted: access.granted,
      missing: access.missing,
      fields,
    };
  } finally {
    rmSync(trialPath, { force: true });
    for (const name of Object.keys(secrets)) ctx.store.deleteSecret(PENDING + name);
  }
}

function attemptView(attempt: Attempt): Html {
  return html`<section aria-labelledby="h-check"><h2 id="h-check">Connection check</h2>
<p class="flash ${attempt.ok && (attempt.missing?.length ?? 0) === 0 ? 'ok' : 'error'}" role="${attempt.ok ? 'status' : 'alert'}" id="connect-result">${attempt.message}</p>
${
  attempt.granted
    ? table(
        ['permission', 'status'],
        [
          ...attempt.granted.map((scope) => [scope, 'granted']),
          ...(attempt.missing ?? []).map((scope) => [scope, html`<strong>missing</strong>`]),
        ],
        'Scopes and permissions',
      )
    : ''
}
${
  attempt.fields
    ? table(
        ['property', 'type', 'label'],
        attempt.fields.map((entry) => [entry.name, entry.type, entry.label]),
        'Fields leadscore creates on the first sync when missing',
      )
    : ''
}</section>`;
}

function text(body: Record<string, string | undefined>, name: string): string {
  return (body[name] ?? '').trim();
}

/** OAuth installs in flight, by `state`: the client secret waits here, never in a page or a cookie. */
interface PendingInstall {
  clientId: string;
  clientSecret: string;
  basePath: string;
  tier: string;
  redirectUri: string;
  writeBack: boolean;
}

/** A Salesforce web server flow in flight: as PendingInstall, plus the PKCE verifier. */
interface PendingSalesforce {
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  object: 'Lead' | 'Contact';
  redirectUri: string;
  codeVerifier: string;
  writeBack: boolean;
}

const SCORE_CHOICES = [
  ['Lead', 'Leads'],
  ['Contact', 'Contacts'],
] as const;

export function registerConnectPages(app: FastifyInstance, ctx: ConsoleContext): void {
  const installs = new PendingFlows<PendingInstall>(ctx.now);
  const salesforceFlows = new PendingFlows<PendingSalesforce>(ctx.now);
  const salesforceConnection = (
    flow: Pick<PendingSalesforce, 'loginUrl' | 'clientId' | 'object'>,
    withRefreshToken: boolean,
  ) => ({
    crm: 'salesforce',
    salesforce: {
      loginUrl: flow.loginUrl,
      clientId: flow.clientId,
      clientSecret: { secret: 'salesforce-client-secret' },
      ...(withRefreshToken ? { refreshToken: { secret: 'salesforce-refresh-token' } } : {}),
      object: flow.object,
    },
  });

  const render = (request: FastifyRequest, reply: FastifyReply, result?: Attempt, status = 200) => {
    let current: Html = html`<p>No config could be read.</p>`;
    try {
      const config = ctx.config();
      const connection = config.connection;
      current =
        connection.crm === 'none'
          ? html`<p id="current-connection">No CRM is connected yet.</p>`
          : connection.crm === 'hubspot'
            ? html`<p id="current-connection">Connected to HubSpot (${connection.hubspot.auth === 'oauth' ? 'OAuth app' : 'private app'}, ${connection.hubspot.tier} tier${connection.hubspot.basePath ? `, ${connection.hubspot.basePath}` : ''}).</p>`
            : html`<p id="current-connection">Connected to Salesforce (${connection.salesforce.object} at ${connection.salesforce.loginUrl}).</p>`;
      if (connection.crm !== 'none') {
        current = html`${current}<form method="post" action="/connect/check" class="inline">${csrfInput(reply.generateCsrf())}<button type="submit" class="secondary">Check the connection again</button></form>`;
      }
    } catch (error) {
      current = html`<p class="flash error" role="alert">${describeError(error)}</p>`;
    }
    const csrf = reply.generateCsrf();
    const tiers = [
      ['starter', 'Starter'],
      ['professional', 'Professional'],
      ['enterprise', 'Enterprise'],
    ] as const;
    return sendPage(
      request,
      reply,
      { title: 'Connect a CRM', path: '/connect', flash: flashFrom(request.query) },
      html`${current}${result ? attemptView(result) : ''}
<div class="grid">
<form method="post" action="/connect/hubspot" class="card" aria-labelledby="h-hs"><h2 id="h-hs">HubSpot private app</h2>${csrfInput(csrf)}
<div class="fields">${field({ name: 'token', label: 'Private app access token', type: 'password', value: '', required: true, hint: 'Settings > Integrations > Private apps; stored encrypted' })}
${field({ name: 'basePath', id: 'hs-basePath', label: 'API base URL', type: 'url', value: '', hint: 'empty for https://api.hubapi.com' })}
${select({ name: 'tier', id: 'hs-tier', label: 'Subscription tier', value: 'professional', choices: tiers })}
<div class="field"><label><input type="checkbox" name="writeBack" value="1" checked> Write scores back to the CRM</label></div></div>
<p><button type="submit">Connect HubSpot</button></p></form>
<form method="post" action="/connect/hubspot/oauth" class="card" aria-labelledby="h-hso"><h2 id="h-hso">HubSpot app (OAuth install)</h2>${csrfInput(csrf)}
<div class="fields">${field({ name: 'clientId', id: 'hso-clientId', label: 'Client ID', value: '', required: true })}
${field({ name: 'clientSecret', id: 'hso-clientSecret', label: 'Client secret', type: 'password', value: '', required: true })}
${field({ name: 'basePath', id: 'hso-basePath', label: 'API base URL', type: 'url', value: '', hint: 'empty for https://api.hubapi.com' })}
${select({ name: 'tier', id: 'hso-tier', label: 'Subscription tier', value: 'professional', choices: tiers })}
<div class="field"><label><input type="checkbox" name="writeBack" value="1" checked> Write scores back to the CRM</label></div></div>
<p><button type="submit">Install the app in HubSpot</button></p></form>
<form method="post" action="/connect/salesforce" class="card" aria-labelledby="h-sf"><h2 id="h-sf">Salesforce connected app</h2>${csrfInput(csrf)}
<div class="fields">${field({ name: 'loginUrl', label: 'Login URL', type: 'url', value: 'https://login.salesforce.com', required: true })}
${field({ name: 'clientId', id: 'sf-clientId', label: 'Consumer key', value: '', required: true })}
${field({ name: 'clientSecret', id: 'sf-clientSecret', label: 'Consumer secret', type: 'password', value: '', required: true })}
${field({ name: 'refreshToken', label: 'Refresh token', type: 'password', value: '', hint: 'empty: the client credentials flow' })}
${select({ name: 'object', label: 'Score', value: 'Lead', choices: SCORE_CHOICES })}
<div class="field"><label><input type="checkbox" name="writeBack" value="1" checked> Write scores back to the CRM</label></div></div>
<p><button type="submit">Connect Salesforce</button></p></form>
<form method="post" action="/connect/salesforce/oauth" class="card" aria-labelledby="h-sfo"><h2 id="h-sfo">Salesforce (sign in with OAuth)</h2>${csrfInput(csrf)}
<div class="fields">${field({ name: 'loginUrl', id: 'sfo-loginUrl', label: 'Login URL', type: 'url', value: 'https://login.salesforce.com', required: true, hint: 'https://test.salesforce.com for a Salesforce sandbox org' })}
${field({ name: 'clientId', id: 'sfo-clientId', label: 'Consumer key', value: '', required: true })}
${field({ name: 'clientSecret', id: 'sfo-clientSecret', label: 'Consumer secret', type: 'password', value: '', required: true, hint: 'the connected app’s callback URL must be this console’s /connect/salesforce/callback' })}
${select({ name: 'object', id: 'sfo-object', label: 'Score', value: 'Lead', choices: SCORE_CHOICES })}
<div class="field"><label><input type="checkbox" name="writeBack" value="1" checked> Write scores back to the CRM</label></div></div>
<p><button type="submit">Connect with Salesforce</button></p></form></div>`,
      status,
    );
  };

  app.get('/connect', async (request, reply) => render(request, reply));

  app.post('/connect/check', async (request, reply) => {
    try {
      const config = ctx.config();
      const access = await ctx.connect(config).checkAccess();
      return render(request, reply, {
        ok: true,
        message:
          access.missing.length === 0
            ? 'The CRM accepts the stored credentials and every permission leadscore needs is granted.'
            : `Permissions are missing: ${access.missing.join(', ')}.`,
        granted: access.granted,
        missing: access.missing,
        fields: writeFieldsFor(config.writeBack.fields as Parameters<typeof writeFieldsFor>[0]),
      });
    } catch (error) {
      return render(request, reply, { ok: false, message: `The check failed: ${describeError(error)}` }, 502);
    }
  });

  app.post('/connect/hubspot', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const token = text(body, 'token');
    if (token === '') {
      return render(
        request,
        reply,
        { ok: false, message: 'Enter the private app access token; nothing was changed.' },
        422,
      );
    }
    const basePath = text(body, 'basePath');
    const attempt = await tryConnection(
      ctx,
      {
        crm: 'hubspot',
        hubspot: {
          auth: 'privateApp',
          token: { secret: 'hubspot-token' },
          tier: text(body, 'tier') || 'professional',
          ...(basePath ? { basePath } : {}),
        },
      },
      { 'hubspot-token': token },
      body.writeBack === '1',
    );
    return render(request, reply, attempt, attempt.ok ? 200 : 422);
  });

  app.post('/connect/salesforce', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const clientSecret = text(body, 'clientSecret');
    const refreshToken = text(body, 'refreshToken');
    if (text(body, 'clientId') === '' || clientSecret === '') {
      return render(
        request,
        reply,
        { ok: false, message: 'Enter the consumer key and secret; nothing was changed.' },
        422,
      );
    }
    const attempt = await tryConnection(
      ctx,
      salesforceConnection(
        {
          loginUrl: text(body, 'loginUrl'),
          clientId: text(body, 'clientId'),
          object: text(body, 'object') === 'Contact' ? 'Contact' : 'Lead',
        },
        refreshToken !== '',
      ),
      {
        'salesforce-client-secret': clientSecret,
        ...(refreshToken ? { 'salesforce-refresh-token': refreshToken } : {}),
      },
      body.writeBack === '1',
    );
    return render(request, reply, attempt, attempt.ok ? 200 : 422);
  });

  // OAuth install: send the admin to HubSpot's consent screen, come back to /connect/hubspot/callback.
  // https://developers.hubspot.com/docs/api/oauth-quickstart-guide
  app.post('/connect/hubspot/oauth', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const clientId = text(body, 'clientId');
    const clientSecret = text(body, 'clientSecret');
    if (clientId === '' || clientSecret === '') {
      return render(
        request,
        reply,
        { ok: false, message: 'Enter the app client ID and secret; nothing was changed.' },
        422,
      );
    }
    const basePath = text(body, 'basePath') || 'https://api.hubapi.com';
    const redirectUri = `${request.protocol}://${request.host}/connect/hubspot/callback`;
    const state = installs.begin({
      clientId,
      clientSecret,
      basePath: text(body, 'basePath'),
      tier: text(body, 'tier') || 'professional',
      redirectUri,
      writeBack: body.writeBack === '1',
    });
    // The consent screen is on app.hubspot.com for the real API; a sandbox serves it itself.
    const authorize = new URL(
      basePath === 'https://api.hubapi.com'
        ? 'https://app.hubspot.com/oauth/authorize'
        : `${basePath}/oauth/authorize`,
    );
    authorize.searchParams.set('client_id', clientId);
    authorize.searchParams.set('redirect_uri', redirectUri);
    authorize.searchParams.set(
      'scope',
      'crm.objects.contacts.read crm.objects.contacts.write crm.schemas.contacts.read crm.schemas.contacts.write crm.objects.deals.read content forms',
    );
    authorize.searchParams.set('state', state);
    return reply.redirect(authorize.toString(), 303);
  });

  app.get('/connect/hubspot/callback', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const install = installs.take(query.state);
    if (!install) {
      return render(
        request,
        reply,
        {
          ok: false,
          message:
            'This HubSpot install link is unknown or expired; start the install again. Nothing was changed.',
        },
        400,
      );
    }
    if (query.error || !query.code) {
      return render(
        request,
        reply,
        {
          ok: false,
          message: `HubSpot did not grant access (${query.error ?? 'no code'}${query.error_description ? `: ${query.error_description}` : ''}). Nothing was changed.`,
        },
        400,
      );
    }
    // https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/create-oauth-token
    const exchange = await exchangeCode(`${install.basePath || 'https://api.hubapi.com'}/oauth/v1/token`, {
      client_id: install.clientId,
      client_secret: install.clientSecret,
      redirect_uri: install.redirectUri,
      code: query.code,
    });
    if (!exchange.ok) {
      return render(
        request,
        reply,
        {
          ok: false,
          message: `HubSpot refused the authorization code: ${exchange.detail}. Nothing was changed.`,
        },
        400,
      );
    }
    const refreshToken = exchange.tokens.refresh_token;
    if (typeof refreshToken !== 'string' || refreshToken === '') {
      return render(
        request,
        reply,
        { ok: false, message: 'HubSpot answered without a refresh token. Nothing was changed.' },
        400,
      );
    }
    const attempt = await tryConnection(
      ctx,
      {
        crm: 'hubspot',
        hubspot: {
          auth: 'oauth',
          clientId: install.clientId,
          clientSecret: { secret: 'hubspot-client-secret' },
          refreshToken: { secret: 'hubspot-refresh-token' },
          tier: install.tier,
          ...(install.basePath ? { basePath: install.basePath } : {}),
        },
      },
      { 'hubspot-client-secret': install.clientSecret, 'hubspot-refresh-token': refreshToken },
      install.writeBack,
    );
    return render(request, reply, attempt, attempt.ok ? 200 : 422);
  });

  // Salesforce web server flow with PKCE: authorize on the login URL, come back to /connect/salesforce/callback.
  // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
  app.post('/connect/salesforce/oauth', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const clientId = text(body, 'clientId');
    const clientSecret = text(body, 'clientSecret');
    const loginUrl = text(body, 'loginUrl').replace(/\/+$/, '');
    if (clientId === '' || clientSecret === '') {
      return render(
        request,
        reply,
        { ok: false, message: 'Enter the consumer key and secret; nothing was changed.' },
        422,
      );
    }
    if (!/^https?:\/\//.test(loginUrl) || !URL.canParse(loginUrl)) {
      return render(
        request,
        reply,
        {
          ok: false,
          message:
            'Enter the login URL, such as https://login.salesforce.com or https://test.salesforce.com; nothing was changed.',
        },
        422,
      );
    }
    const pkce = pkcePair();
    const redirectUri = `${request.protocol}://${request.host}/connect/salesforce/callback`;
    const state = salesforceFlows.begin({
      loginUrl,
      clientId,
      clientSecret,
      object: text(body, 'object') === 'Contact' ? 'Contact' : 'Lead',
      redirectUri,
      codeVerifier: pkce.verifier,
      writeBack: body.writeBack === '1',
    });
    const authorize = new URL(`${loginUrl}/services/oauth2/authorize`);
    authorize.searchParams.set('response_type', 'code');
    authorize.searchParams.set('client_id', clientId);
    authorize.searchParams.set('redirect_uri', redirectUri);
    authorize.searchParams.set('scope', 'api refresh_token');
    authorize.searchParams.set('state', state);
    authorize.searchParams.set('code_challenge', pkce.challenge);
    authorize.searchParams.set('code_challenge_method', 'S256');
    return reply.redirect(authorize.toString(), 303);
  });

  app.get('/connect/salesforce/callback', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const flow = salesforceFlows.take(query.state);
    if (!flow) {
      return render(
        request,
        reply,
        {
          ok: false,
          message:
            'This Salesforce sign-in link is unknown or expired; start "Connect with Salesforce" again. Nothing was changed.',
        },
        400,
      );
    }
    if (query.error || !query.code) {
      return render(
        request,
        reply,
        {
          ok: false,
          message: `Salesforce did not grant access (${query.error ?? 'no code'}${query.error_description ? `: ${query.error_description}` : ''}). Nothing was changed.`,
        },
        400,
      );
    }
    const exchange = await exchangeCode(`${flow.loginUrl}/services/oauth2/token`, {
      code: query.code,
      client_id: flow.clientId,
      client_secret: flow.clientSecret,
      redirect_uri: flow.redirectUri,
      code_verifier: flow.codeVerifier,
    });
    if (!exchange.ok) {
      return render(
        request,
        reply,
        {
          ok: false,
          message: `Salesforce refused the authorization code: ${exchange.detail}. Nothing was changed.`,
        },
        400,
      );
    }
    const refreshToken = exchange.tokens.refresh_token;
    if (typeof refreshToken !== 'string' || refreshToken === '') {
      return render(
        request,
        reply,
        {
          ok: false,
          message:
            'Salesforce answered without a refresh token: add the "Perform requests at any time (refresh_token, offline_access)" scope to the connected app, then connect again. Nothing was changed.',
        },
        400,
      );
    }
    const attempt = await tryConnection(
      ctx,
      salesforceConnection(flow, true),
      { 'salesforce-client-secret': flow.clientSecret, 'salesforce-refresh-token': refreshToken },
      flow.writeBack,
    );
    return render(request, reply, attempt, attempt.ok ? 200 : 422);
  });
}
