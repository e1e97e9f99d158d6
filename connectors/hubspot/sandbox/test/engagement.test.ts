import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Fixture, op, startFixture } from './support.js';

interface EmailEvent {
  id: string;
  created: number;
  type: string;
  recipient: string;
  emailCampaignId: number;
  url?: string;
}
interface EmailPage {
  hasMore: boolean;
  offset: string;
  events: EmailEvent[];
}

describe('engagement the way HubSpot exposes it', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ contacts: 300, tier: 'enterprise' });
  });
  afterAll(() => f.sb.close());
  beforeEach(() => f.clock.advance(1000));

  const get = async <T>(path: string): Promise<T> => {
    const res = await f.client.apiRequest({ method: 'GET', path });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  it('given marketing email events, when paging with offset, then all come back newest first without duplicates', async () => {
    const seen = new Set<string>();
    let offset: string | undefined;
    let last = Number.POSITIVE_INFINITY;
    let pages = 0;
    for (;;) {
      const page = await get<EmailPage>(
        `/email/public/v1/events?limit=1000${offset ? `&offset=${offset}` : ''}`,
      );
      for (const e of page.events) {
        expect(seen.has(e.id)).toBe(false);
        seen.add(e.id);
        expect(e.created).toBeLessThanOrEqual(last);
        last = e.created;
      }
      pages++;
      if (!page.hasMore) break;
      offset = page.offset;
    }
    expect(pages).toBeGreaterThan(1);
    expect(seen.size).toBeGreaterThan(1000);
  });

  it('given eventType and a time window, then only those events in the window come back, each with its campaign and (for clicks) URL', async () => {
    const end = f.clock.now();
    const start = end - 90 * 86_400_000;
    const page = await get<EmailPage>(
      `/email/public/v1/events?eventType=CLICK&startTimestamp=${start}&endTimestamp=${end}&limit=200`,
    );
    expect(page.events.length).toBeGreaterThan(0);
    for (const e of page.events) {
      expect(e.type).toBe('CLICK');
      expect(e.created).toBeGreaterThanOrEqual(start);
      expect(e.url).toMatch(/^https:\/\//);
      expect(e.emailCampaignId).toBeGreaterThan(0);
    }
  });

  it('given a time window, then paging returns exactly the events a full scan finds in it', async () => {
    const pageAll = async (query: string) => {
      const out: EmailEvent[] = [];
      let offset: string | undefined;
      for (;;) {
        const page = await get<EmailPage>(
          `/email/public/v1/events?${query}&limit=250${offset ? `&offset=${offset}` : ''}`,
        );
        out.push(...page.events);
        if (!page.hasMore) return out;
        offset = page.offset;
      }
    };
    const all = await pageAll('eventType=OPEN');
    const start = f.clock.now() - 200 * 86_400_000;
    const end = f.clock.now() - 100 * 86_400_000;
    const windowed = await pageAll(`eventType=OPEN&startTimestamp=${start}&endTimestamp=${end}`);
    const expected = all.filter((e) => e.created >= start && e.created <= end).map((e) => e.id);
    expect(expected.length).toBeGreaterThan(10);
    expect(windowed.map((e) => e.id)).toEqual(expected);
  });

  it('given a recipient, then only that contact’s events', async () => {
    const c = await f.client.crm.contacts.basicApi.getById('1001', ['email']);
    const page = await get<EmailPage>(
      `/email/public/v1/events?recipient=${encodeURIComponent(c.properties.email ?? '')}&limit=1000`,
    );
    for (const e of page.events) expect(e.recipient).toBe(c.properties.email);
  });

  it('given forms, then the v3 list and v1 submissions (newest first, limit <= 50, email but no contact id) come back', async () => {
    const forms = await f.client.marketing.forms.formsApi.getPage();
    expect(forms.results.length).toBe(5);
    const demo = forms.results.find((x) => x.name === 'Request a demo')!;
    const subs = await get<{
      results: Array<{
        submittedAt: number;
        values: Array<{ name: string; value: string }>;
        pageUrl: string;
      }>;
      paging?: { next: { after: string } };
    }>(`/form-integrations/v1/submissions/forms/${demo.id}?limit=500`);
    expect(subs.results.length).toBeLessThanOrEqual(50);
    expect(subs.results.length).toBeGreaterThan(0);
    const times = subs.results.map((s) => s.submittedAt);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(subs.results[0]!.values.find((v) => v.name === 'email')?.value).toMatch(/@/);
    expect(subs.results[0]!.pageUrl).toContain('/demo');
  });

  it('given page views, then /events/v3/events returns e_visited_page for a contact, through the SDK', async () => {
    // SDK v13 order: (objectType, eventType, after, before, limit, sort, occurredAfter, occurredBefore, objectId)
    const res = await f.client.events.eventsApi.getPage(
      'contact',
      'e_visited_page',
      undefined,
      undefined,
      100,
    );
    expect(res.results.length).toBeGreaterThan(0);
    const first = res.results[0]!;
    expect(first.eventType).toBe('e_visited_page');
    expect(first.properties?.hs_url).toMatch(/^https:\/\//);
    const one = await f.client.events.eventsApi.getPage(
      'contact',
      undefined,
      undefined,
      undefined,
      100,
      undefined,
      undefined,
      undefined,
      Number(first.objectId),
    );
    expect(one.results.every((e) => e.objectId === first.objectId)).toBe(true);
  });

  it('given the events API on a non-Enterprise portal, then 403 (UNVERIFIED, configurable)', async () => {
    const g = await startFixture({ contacts: 10, tier: 'professional' });
    const err = await apiError(g.client.events.eventsApi.getPage());
    await g.sb.close();
    expect(err.code).toBe(403);
  });

  it('given meetings and calls, then they are CRM objects searchable by hs_lastmodifieddate and linked to contacts via v4 associations', async () => {
    const since = f.clock.now() - 365 * 86_400_000;
    const meetings = await f.client.crm.objects.meetings.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'hs_lastmodifieddate', operator: op('GTE'), value: String(since) }] },
      ],
      sorts: ['hs_lastmodifieddate'],
      properties: ['hs_meeting_outcome', 'hs_meeting_start_time', 'hs_timestamp'],
      limit: 100,
    } as never);
    expect(meetings.total).toBeGreaterThan(0);
    const m = meetings.results[0]!;
    expect(['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED']).toContain(
      m.properties.hs_meeting_outcome,
    );
    const withAssoc = await f.client.crm.objects.meetings.basicApi.getById(
      m.id,
      ['hs_meeting_title'],
      undefined,
      ['contacts'],
    );
    const contactId = withAssoc.associations?.contacts?.results[0]?.id;
    expect(contactId).toBeTruthy();
    const v4 = await f.client.crm.associations.v4.basicApi.getPage(
      'contacts',
      contactId as string,
      'meetings',
    );
    expect(v4.results.map((r) => String(r.toObjectId))).toContain(m.id);
    expect(v4.results[0]!.associationTypes[0]!.typeId).toBe(199);
    f.clock.advance(1000);
    const byAssoc = await f.client.crm.objects.meetings.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'associations.contact', operator: op('EQ'), value: contactId }] },
      ],
      limit: 10,
    } as never);
    expect(byAssoc.results.map((r) => r.id)).toContain(m.id);
    const back = await f.client.crm.associations.v4.batchApi.getPage('meetings', 'contacts', {
      inputs: [{ id: m.id }],
    });
    expect(back.results[0]?.to.map((t) => String(t.toObjectId))).toEqual([contactId]);
    expect(back.results[0]?.to[0]?.associationTypes[0]?.typeId).toBe(200);
    f.clock.advance(1000);
    const calls = await f.client.crm.objects.calls.basicApi.getPage(10, undefined, [
      'hs_call_duration',
      'hs_call_disposition',
    ]);
    expect(calls.results.length).toBeGreaterThan(0);
    expect(Number(calls.results[0]!.properties.hs_call_duration)).toBeGreaterThanOrEqual(0);
  });

  it('given an unsubscribed contact, then the subscription status is NOT_SUBSCRIBED and hs_email_optout is true', async () => {
    await f.control('POST', '/events', {
      contactId: '1051',
      type: 'unsubscribe',
      occurredAt: f.clock.now() - 1000,
    });
    const c = await f.client.crm.contacts.basicApi.getById('1051', ['email', 'hs_email_optout']);
    expect(c.properties.hs_email_optout).toBe('true');
    const status = await f.client.communicationPreferences.statusApi.getEmailStatus(
      c.properties.email as string,
    );
    expect(status.subscriptionStatuses.every((s) => s.status === 'NOT_SUBSCRIBED')).toBe(true);
  });

  it('given events added through the control API, then rollups, lastmodifieddate and the engagement APIs all see them', async () => {
    const before = await f.client.crm.contacts.basicApi.getById('1101', [
      'hs_email_open',
      'hs_analytics_num_page_views',
      'lastmodifieddate',
    ]);
    f.clock.advance(60_000);
    const at = f.clock.now() - 500;
    await f.control('POST', '/events', {
      events: [
        { contactId: '1101', type: 'email_open', occurredAt: at },
        { contactId: '1101', type: 'page_view', url: '/pricing', occurredAt: at },
        { contactId: '1101', type: 'demo_request', occurredAt: at },
        { contactId: '1101', type: 'meeting_held', occurredAt: at, durationSeconds: 1800 },
      ],
    });
    const after = await f.client.crm.contacts.basicApi.getById('1101', [
      'hs_email_open',
      'hs_analytics_num_page_views',
      'lastmodifieddate',
      'recent_conversion_event_name',
    ]);
    expect(Number(after.properties.hs_email_open)).toBe(Number(before.properties.hs_email_open) + 1);
    expect(Number(after.properties.hs_analytics_num_page_views)).toBe(
      Number(before.properties.hs_analytics_num_page_views) + 1,
    );
    expect(after.properties.recent_conversion_event_name).toBe('Request a demo');
    expect(Date.parse(after.properties.lastmodifieddate ?? '')).toBeGreaterThan(
      Date.parse(before.properties.lastmodifieddate ?? ''),
    );
    const views = await f.client.events.eventsApi.getPage(
      'contact',
      'e_visited_page',
      undefined,
      undefined,
      100,
      undefined,
      new Date(at - 1000),
      undefined,
      1101,
    );
    expect(views.results.map((v) => v.properties?.hs_url)).toContain(
      'https://www.leadscore-demo.example/pricing',
    );
    const meetings = await f.client.crm.associations.v4.basicApi.getPage('contacts', '1101', 'meetings');
    expect(meetings.results.length).toBeGreaterThan(0);
  });
});
