/**
 * Free-mail providers: an address at one says nothing about the lead's employer. Exact domains, plus provider
 * families that register the same name under many country TLDs (yahoo.co.uk, gmx.de, yandex.ru...).
 */
export const FREE_MAIL_DOMAINS: readonly string[] = [
  'gmail.com',
  'googlemail.com',
  'ymail.com',
  'rocketmail.com',
  'outlook.com',
  'live.com',
  'live.co.uk',
  'live.fr',
  'msn.com',
  'passport.com',
  'aol.com',
  'aim.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'mail.com',
  'email.com',
  'usa.com',
  'mail.ru',
  'inbox.ru',
  'list.ru',
  'bk.ru',
  'ya.ru',
  'rambler.ru',
  'web.de',
  'freenet.de',
  't-online.de',
  'proton.me',
  'protonmail.com',
  'protonmail.ch',
  'pm.me',
  'tutanota.com',
  'tuta.io',
  'zohomail.com',
  'zoho.com',
  'fastmail.com',
  'hushmail.com',
  'gmx.com',
  'qq.com',
  '163.com',
  '126.com',
  'sina.com',
  'naver.com',
  'daum.net',
  'rediffmail.com',
  'libero.it',
  'laposte.net',
  'orange.fr',
  'wanadoo.fr',
  'free.fr',
  'seznam.cz',
  'wp.pl',
  'o2.pl',
  'interia.pl',
  'mailinator.com',
];

/** Provider names registered under many country TLDs: `<name>.<tld>` or `<name>.<sld>.<cc>`. */
export const FREE_MAIL_FAMILIES: readonly string[] = ['yahoo', 'hotmail', 'yandex', 'gmx'];

const COUNTRY_SUFFIX = /^[a-z]{2,3}(?:\.[a-z]{2})?$/;
const BUILT_IN = new Set(FREE_MAIL_DOMAINS);

/** Lower-cases, trims, and drops a leading "@" or "." so "@Competitor.example" matches "competitor.example". */
export function normalizeDomain(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^[@.]+/, '');
}

let lastEmail: string | undefined;
let lastDomain: string | undefined;

/** The lower-cased domain of an email address, or undefined when there is none. */
export function emailDomainOf(email: unknown): string | undefined {
  if (typeof email !== 'string') return undefined;
  // Several rules read one record's domain in a row: remember the last answer (a pure function of `email`).
  if (email === lastEmail) return lastDomain;
  lastEmail = email;
  lastDomain = parseEmailDomain(email);
  return lastDomain;
}

function parseEmailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 0) return undefined;
  let domain = email
    .slice(at + 1)
    .trim()
    .toLowerCase();
  while (domain.endsWith('.')) domain = domain.slice(0, -1);
  return domain === '' ? undefined : domain;
}

/** A test for free-mail domains: the built-in list and families plus `extraDomains`. */
export function freeMailTest(extraDomains: readonly string[] = []): (domain: string) => boolean {
  const extra = new Set(extraDomains.map(normalizeDomain).filter((domain) => domain !== ''));
  return (domain) => {
    if (BUILT_IN.has(domain) || extra.has(domain)) return true;
    const dot = domain.indexOf('.');
    return (
      dot > 0 &&
      FREE_MAIL_FAMILIES.includes(domain.slice(0, dot)) &&
      COUNTRY_SUFFIX.test(domain.slice(dot + 1))
    );
  };
}

/** A test for "this domain or any subdomain of it" against a list (e.g. competitors). */
export function domainListTest(domains: readonly string[]): (domain: string) => boolean {
  const listed = new Set(domains.map(normalizeDomain).filter((domain) => domain !== ''));
  return (domain) => {
    if (listed.has(domain)) return true;
    for (let dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1)) {
      if (listed.has(domain.slice(dot + 1))) return true;
    }
    return false;
  };
}
