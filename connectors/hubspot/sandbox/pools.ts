/** Fixed vocabularies the generator draws from. Fit weights shape the synthetic funnel (see generator.ts). */

export const FIRST_NAMES = [
  'james',
  'mary',
  'robert',
  'patricia',
  'john',
  'jennifer',
  'michael',
  'linda',
  'david',
  'elizabeth',
  'william',
  'barbara',
  'richard',
  'susan',
  'joseph',
  'jessica',
  'thomas',
  'sarah',
  'carlos',
  'karen',
  'daniel',
  'lisa',
  'matthew',
  'nancy',
  'anthony',
  'sandra',
  'mark',
  'ashley',
  'paul',
  'emily',
  'steven',
  'donna',
  'andrew',
  'michelle',
  'kenji',
  'carol',
  'joshua',
  'amanda',
  'priya',
  'melissa',
  'kevin',
  'deborah',
  'brian',
  'stephanie',
  'george',
  'rebecca',
  'timothy',
  'sharon',
  'ronald',
  'laura',
  'jason',
  'cynthia',
  'ahmed',
  'amy',
  'jeffrey',
  'angela',
  'ryan',
  'anna',
  'jacob',
  'olga',
] as const;

export const LAST_NAMES = [
  'smith',
  'johnson',
  'williams',
  'brown',
  'jones',
  'garcia',
  'miller',
  'davis',
  'rodriguez',
  'martinez',
  'hernandez',
  'lopez',
  'gonzalez',
  'wilson',
  'anderson',
  'thomas',
  'taylor',
  'moore',
  'jackson',
  'martin',
  'lee',
  'perez',
  'thompson',
  'white',
  'harris',
  'sanchez',
  'clark',
  'ramirez',
  'lewis',
  'robinson',
  'walker',
  'young',
  'allen',
  'king',
  'wright',
  'scott',
  'torres',
  'nguyen',
  'hill',
  'flores',
  'green',
  'adams',
  'nelson',
  'baker',
  'hall',
  'rivera',
  'campbell',
  'mitchell',
  'carter',
  'roberts',
  'mueller',
  'schmidt',
  'dubois',
  'rossi',
  'tanaka',
  'kowalski',
  'novak',
  'patel',
  'singh',
  'okafor',
] as const;

export const COMPANY_PREFIXES = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Hooli',
  'Vandelay',
  'Soylent',
  'Cyberdyne',
  'Tyrell',
  'Wonka',
  'Gringotts',
  'Oscorp',
  'Aperture',
  'Massive',
  'Blue Sun',
  'Monarch',
  'Nakatomi',
  'Pied Piper',
  'Bluth',
  'Dunder',
  'Prestige',
  'Sterling',
  'Vehement',
  'Genco',
  'Rekall',
  'Zorg',
  'Ollivander',
  'Krusty',
  'Northwind',
  'Contoso',
  'Fabrikam',
  'Tailspin',
  'Litware',
  'Adatum',
  'Proseware',
  'Wingtip',
  'Lucerne',
  'Fourth Coffee',
] as const;

export const COMPANY_SUFFIXES = [
  'Systems',
  'Labs',
  'Analytics',
  'Group',
  'Holdings',
  'Software',
  'Health',
  'Logistics',
  'Capital',
  'Media',
  'Robotics',
  'Foods',
  'Energy',
  'Partners',
  'Cloud',
  'Retail',
  'Bank',
  'Education',
  'Studios',
  'Works',
] as const;

export const FREE_MAIL_DOMAINS = [
  'gmail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'icloud.com',
] as const;

export interface Weighted {
  readonly weight: number;
  readonly fit: number;
}

export const INDUSTRIES: ReadonlyArray<Weighted & { name: string }> = [
  { name: 'Computer Software', weight: 14, fit: 1.0 },
  { name: 'Information Technology and Services', weight: 12, fit: 0.8 },
  { name: 'Financial Services', weight: 9, fit: 0.6 },
  { name: 'Marketing and Advertising', weight: 9, fit: 0.5 },
  { name: 'Hospital & Health Care', weight: 7, fit: 0.1 },
  { name: 'Manufacturing', weight: 8, fit: 0.0 },
  { name: 'Retail', weight: 8, fit: -0.2 },
  { name: 'Real Estate', weight: 5, fit: -0.3 },
  { name: 'Education Management', weight: 7, fit: -0.7 },
  { name: 'Nonprofit Organization Management', weight: 5, fit: -0.9 },
  { name: 'Government Administration', weight: 3, fit: -0.8 },
  { name: 'Hospitality', weight: 4, fit: -0.5 },
];

export const TITLES: ReadonlyArray<Weighted & { title: string; seniority: number }> = [
  { title: 'CEO', weight: 3, fit: 0.9, seniority: 4 },
  { title: 'Founder', weight: 3, fit: 0.8, seniority: 4 },
  { title: 'Chief Marketing Officer', weight: 2, fit: 1.0, seniority: 4 },
  { title: 'CTO', weight: 2, fit: 0.6, seniority: 4 },
  { title: 'VP of Marketing', weight: 4, fit: 1.0, seniority: 3 },
  { title: 'VP Sales', weight: 4, fit: 0.9, seniority: 3 },
  { title: 'Head of Growth', weight: 3, fit: 0.9, seniority: 3 },
  { title: 'Director of Marketing', weight: 6, fit: 0.8, seniority: 2 },
  { title: 'Director of Revenue Operations', weight: 3, fit: 0.9, seniority: 2 },
  { title: 'Marketing Manager', weight: 10, fit: 0.4, seniority: 1 },
  { title: 'Sales Manager', weight: 8, fit: 0.3, seniority: 1 },
  { title: 'Marketing Operations Manager', weight: 4, fit: 0.6, seniority: 1 },
  { title: 'Marketing Specialist', weight: 9, fit: 0.0, seniority: 0 },
  { title: 'Sales Development Representative', weight: 7, fit: -0.2, seniority: 0 },
  { title: 'Software Engineer', weight: 7, fit: -0.4, seniority: 0 },
  { title: 'Consultant', weight: 5, fit: -0.2, seniority: 0 },
  { title: 'Student', weight: 5, fit: -1.5, seniority: 0 },
  { title: 'Intern', weight: 3, fit: -1.2, seniority: 0 },
];

/** HubSpot's `numemployees` enumeration options, with the range the exact `company_size` is drawn from. */
export const SIZE_BUCKETS: ReadonlyArray<Weighted & { label: string; min: number; max: number }> = [
  { label: '1-5', min: 1, max: 5, weight: 12, fit: -1.0 },
  { label: '5-25', min: 5, max: 25, weight: 18, fit: -0.4 },
  { label: '25-50', min: 25, max: 50, weight: 15, fit: 0.1 },
  { label: '50-100', min: 50, max: 100, weight: 15, fit: 0.5 },
  { label: '100-500', min: 100, max: 500, weight: 18, fit: 0.8 },
  { label: '500-1000', min: 500, max: 1000, weight: 10, fit: 0.6 },
  { label: '1000+', min: 1000, max: 20000, weight: 12, fit: 0.3 },
];

export const COUNTRIES: ReadonlyArray<Weighted & { name: string; city: string }> = [
  { name: 'United States', city: 'Boston', weight: 40, fit: 0.4 },
  { name: 'United Kingdom', city: 'London', weight: 12, fit: 0.4 },
  { name: 'Canada', city: 'Toronto', weight: 7, fit: 0.3 },
  { name: 'Germany', city: 'Berlin', weight: 8, fit: 0.3 },
  { name: 'Australia', city: 'Sydney', weight: 5, fit: 0.3 },
  { name: 'France', city: 'Paris', weight: 5, fit: 0.0 },
  { name: 'Netherlands', city: 'Amsterdam', weight: 3, fit: 0.2 },
  { name: 'Spain', city: 'Madrid', weight: 3, fit: -0.2 },
  { name: 'India', city: 'Bangalore', weight: 8, fit: -0.6 },
  { name: 'Brazil', city: 'Sao Paulo', weight: 5, fit: -0.5 },
  { name: 'Nigeria', city: 'Lagos', weight: 2, fit: -0.8 },
  { name: 'Japan', city: 'Tokyo', weight: 2, fit: -0.3 },
];

export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export const LIFECYCLE_LABELS: Record<LifecycleStage, string> = {
  subscriber: 'Subscriber',
  lead: 'Lead',
  marketingqualifiedlead: 'Marketing Qualified Lead',
  salesqualifiedlead: 'Sales Qualified Lead',
  opportunity: 'Opportunity',
  customer: 'Customer',
  evangelist: 'Evangelist',
  other: 'Other',
};

export const LEAD_STATUSES = [
  'NEW',
  'OPEN',
  'IN_PROGRESS',
  'OPEN_DEAL',
  'UNQUALIFIED',
  'ATTEMPTED_TO_CONTACT',
  'CONNECTED',
  'BAD_TIMING',
] as const;

export const ANALYTICS_SOURCES = [
  'ORGANIC_SEARCH',
  'PAID_SEARCH',
  'EMAIL_MARKETING',
  'SOCIAL_MEDIA',
  'REFERRALS',
  'OTHER_CAMPAIGNS',
  'DIRECT_TRAFFIC',
  'OFFLINE',
  'PAID_SOCIAL',
] as const;

export interface Owner {
  id: string;
  userId: number;
  email: string;
  firstName: string;
  lastName: string;
  team: string;
}

export const OWNERS: readonly Owner[] = [
  {
    id: '41629379',
    userId: 9586504,
    email: 'avery.quinn@leadscore-demo.example',
    firstName: 'Avery',
    lastName: 'Quinn',
    team: 'SDR',
  },
  {
    id: '41629380',
    userId: 9586505,
    email: 'blake.moreno@leadscore-demo.example',
    firstName: 'Blake',
    lastName: 'Moreno',
    team: 'SDR',
  },
  {
    id: '41629381',
    userId: 9586506,
    email: 'casey.lin@leadscore-demo.example',
    firstName: 'Casey',
    lastName: 'Lin',
    team: 'SDR',
  },
  {
    id: '41629382',
    userId: 9586507,
    email: 'devon.park@leadscore-demo.example',
    firstName: 'Devon',
    lastName: 'Park',
    team: 'AE',
  },
  {
    id: '41629383',
    userId: 9586508,
    email: 'emerson.kaur@leadscore-demo.example',
    firstName: 'Emerson',
    lastName: 'Kaur',
    team: 'AE',
  },
  {
    id: '41629384',
    userId: 9586509,
    email: 'finley.ross@leadscore-demo.example',
    firstName: 'Finley',
    lastName: 'Ross',
    team: 'AE',
  },
  {
    id: '41629385',
    userId: 9586510,
    email: 'gray.okoro@leadscore-demo.example',
    firstName: 'Gray',
    lastName: 'Okoro',
    team: 'Marketing',
  },
  {
    id: '41629386',
    userId: 9586511,
    email: 'harper.stein@leadscore-demo.example',
    firstName: 'Harper',
    lastName: 'Stein',
    team: 'AE',
  },
];

export const SITE = 'https://www.leadscore-demo.example';

/** Pages; `intent` drives who visits them (pricing/demo pages attract buyers). */
export const PAGES: ReadonlyArray<{ path: string; title: string; intent: number }> = [
  { path: '/', title: 'Leadscore Demo Co. | Home', intent: 0.2 },
  { path: '/pricing', title: 'Pricing', intent: 1.0 },
  { path: '/demo', title: 'Book a demo', intent: 1.0 },
  { path: '/product', title: 'Product overview', intent: 0.6 },
  { path: '/product/integrations', title: 'Integrations', intent: 0.7 },
  { path: '/customers', title: 'Customer stories', intent: 0.5 },
  { path: '/blog/lead-scoring-101', title: 'Lead scoring 101', intent: 0.1 },
  { path: '/blog/b2b-funnel-benchmarks', title: 'B2B funnel benchmarks', intent: 0.1 },
  { path: '/blog/email-deliverability', title: 'Email deliverability in practice', intent: 0.05 },
  { path: '/resources/ebook-scoring-guide', title: 'Ebook: The lead scoring guide', intent: 0.3 },
  { path: '/careers', title: 'Careers', intent: -0.5 },
  { path: '/docs/api', title: 'API documentation', intent: 0.4 },
];
export const PRICING_PAGE = 1;
export const DEMO_PAGE = 2;

export interface FormDef {
  guid: string;
  name: string;
  kind: 'newsletter' | 'content' | 'demo' | 'contact' | 'webinar';
  pagePath: string;
  createdAt: string;
}

export const FORMS: readonly FormDef[] = [
  {
    guid: '3f1b6c1e-8d4a-4b52-9a0e-6b1f0c2d9a11',
    name: 'Newsletter signup',
    kind: 'newsletter',
    pagePath: '/blog/lead-scoring-101',
    createdAt: '2024-02-01T09:00:00.000Z',
  },
  {
    guid: '7c2e9f40-1a6b-4d8e-b3c5-2f9e8d7c6b22',
    name: 'Ebook download: The lead scoring guide',
    kind: 'content',
    pagePath: '/resources/ebook-scoring-guide',
    createdAt: '2024-03-12T10:30:00.000Z',
  },
  {
    guid: 'a9d4e2b7-5c3f-4e1a-8b6d-0c7f3e2a1b33',
    name: 'Request a demo',
    kind: 'demo',
    pagePath: '/demo',
    createdAt: '2024-01-15T08:00:00.000Z',
  },
  {
    guid: 'c5e8a1f3-7b2d-4f9c-a4e6-1d8b5c3f2e44',
    name: 'Contact us',
    kind: 'contact',
    pagePath: '/',
    createdAt: '2024-01-15T08:05:00.000Z',
  },
  {
    guid: 'e1f7b3d9-2c8a-4a5e-9f1b-7e4d2c6a8f55',
    name: 'Webinar registration: Scoring in practice',
    kind: 'webinar',
    pagePath: '/customers',
    createdAt: '2024-06-20T14:00:00.000Z',
  },
];

export interface Campaign {
  id: number;
  name: string;
  subject: string;
}

/** Marketing email campaigns, sent every two weeks in rotation. */
export const CAMPAIGNS: readonly Campaign[] = Array.from({ length: 24 }, (_, i) => ({
  id: 301_450_000 + i * 17,
  name: `Newsletter ${i + 1}`,
  subject: [
    'Five ways to qualify leads faster',
    'Your funnel, benchmarked',
    'New: integrations for your CRM',
    'Customer story: doubling pipeline',
    'Webinar invite: scoring in practice',
    'Pricing update and new plans',
  ][i % 6] as string,
}));

/** Links in marketing emails point at site pages (index into PAGES). */
export const EMAIL_LINK_PAGES = [0, 1, 3, 4, 5, 6, 7, 9] as const;

// ◐ HubSpot's default call dispositions (GUIDs seen in public client code), https://developers.hubspot.com/docs/api/crm/calls
export const CALL_DISPOSITIONS = [
  { id: 'f240bbac-87c9-4f6e-bf70-924b57d47db7', label: 'Connected' },
  { id: '73a0d17f-1163-4015-bdd5-ec830791da20', label: 'No answer' },
  { id: 'b2cf5968-551e-4856-9783-52b3da59a7d0', label: 'Left voicemail' },
  { id: '9d9162e7-6cf3-4944-bf63-4dff82258764', label: 'Busy' },
  { id: 'a4c4c377-d246-4b32-a13b-75a56a4cd0ff', label: 'Left live message' },
  { id: '17b47fee-58de-441e-a44c-c6300d46f273', label: 'Wrong number' },
] as const;

export const MEETING_OUTCOMES = ['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED'] as const;

// https://developers.hubspot.com/docs/api-reference/legacy/email-analytics-v1/guide (bounce categories)
export const BOUNCE_CATEGORIES = [
  'UNKNOWN_USER',
  'MAILBOX_FULL',
  'CONTENT',
  'SPAM',
  'POLICY',
  'DMARC',
] as const;
