/**
 * Test controls under /__sandbox/ (JSON in, JSON out). Not Salesforce paths: never logged or counted.
 * Each control calls the same SandboxState method tests can call in-process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, send } from './http.js';
import type { FaultSpec, SandboxState } from './state.js';
import type { SaveError } from './writes.js';

export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  state: SandboxState,
): Promise<void> {
  const method = req.method ?? 'GET';
  const p = url.pathname.replace(/^\/__sandbox\//, '').replace(/\/$/, '');
  try {
    const text = method === 'GET' || method === 'DELETE' ? '' : await readBody(req);
    const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    const ok = (value: unknown = { ok: true }) => send(res, 200, value);
    if (p === 'state' && method === 'GET') return ok(state.summary());
    if (p === 'log') {
      if (method === 'DELETE') {
        state.requestLog.length = 0;
        return ok();
      }
      return ok(state.requestLog);
    }
    if (p === 'faults') {
      if (method === 'DELETE') state.clearFaults();
      else state.injectFault(body as FaultSpec);
      return ok();
    }
    if (p === 'sessions/expire' && method === 'POST') {
      state.expireSessions();
      return ok();
    }
    if (p === 'refresh-tokens/revoke' && method === 'POST') {
      state.revokeRefreshToken(body.refreshToken as string | undefined);
      return ok();
    }
    if (p === 'limits' && method === 'POST') {
      if (typeof body.allowance === 'number') state.setAllowance(body.allowance);
      if (body.exhaust === true) state.exhaustDailyLimit();
      if (typeof body.used === 'number') state.setApiUsage(body.used);
      return ok({ apiUsage: state.apiUsage, allowance: state.allowance });
    }
    if (p === 'record-failures') {
      if (method === 'DELETE') state.clearRecordFailures();
      else state.failRecords(body as Record<string, Partial<SaveError>>);
      return ok();
    }
    if (p === 'activities' && method === 'POST') {
      return ok({ id: state.addActivity(String(body.type), (body.fields ?? {}) as Record<string, unknown>) });
    }
    if (p === 'merge' && method === 'POST') {
      state.mergeRecords(
        (body.type as 'Lead' | 'Contact') ?? 'Lead',
        String(body.masterId),
        (body.loserIds as string[]) ?? [],
      );
      return ok();
    }
    if (p === 'convert' && method === 'POST')
      return ok(state.convertLead(String(body.leadId), { won: body.won === true }));
    if (p === 'fls' && method === 'POST') return ok({ granted: state.grantFieldAccess(String(body.field)) });
    if (p === 'permissions' && method === 'POST') {
      const access = body.access;
      if (access !== 'none' && access !== 'read' && access !== 'edit')
        return send(res, 400, { error: 'access must be none, read or edit' });
      const field = typeof body.field === 'string' ? body.field : undefined;
      if (!state.setAccess(String(body.object), field, access))
        return send(res, 404, {
          error: `no ${field ? `field ${body.object}.${field}` : `object ${body.object}`}`,
        });
      return ok();
    }
    const rec = /^records\/([^/]+)\/([^/]+)$/.exec(p);
    if (rec) {
      if (method === 'PATCH') {
        state.editRecord(rec[1] as string, rec[2] as string, body);
        return ok();
      }
      const record = state.record(rec[1] as string, rec[2] as string);
      return record ? ok(record) : send(res, 404, { error: 'not found' });
    }
    return send(res, 404, { error: `unknown control ${method} ${p}` });
  } catch (e) {
    return send(res, 400, { error: (e as Error).message });
  }
}
