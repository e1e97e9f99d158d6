import { EMAIL_DOMAIN_FIELD } from './fit.js';
import type { RuleSet } from './rules-schema.js';

export interface ReferencedFields {
  /** Record fields and CRM properties the rules read, sorted (`emailDomain` is reported as `email`). */
  fields: string[];
  /** Event attributes the rules read (`where` filters, `once.by`), sorted. */
  attributes: string[];
}

/** Everything the rules read, so `leadscore validate` can warn about rules on properties no record has. */
export function referencedFields(rules: RuleSet): ReferencedFields {
  const fields = new Set<string>();
  const attributes = new Set<string>();
  const readField = (name: string) => fields.add(name === EMAIL_DOMAIN_FIELD ? 'email' : name);
  const readEventRule = (rule: {
    where?: { attr: string }[] | undefined;
    once?: boolean | { by: string } | undefined;
  }) => {
    for (const filter of rule.where ?? []) attributes.add(filter.attr);
    if (typeof rule.once === 'object') attributes.add(rule.once.by);
  };
  for (const rule of rules.fit.rules) readField(rule.field);
  if (rules.fit.decay) fields.add('updatedAt');
  for (const rule of rules.engagement.rules) readEventRule(rule);
  for (const rule of rules.negative.rules) {
    switch (rule.kind) {
      case 'field':
        readField(rule.field);
        break;
      case 'freeMail':
      case 'emailDomain':
        fields.add('email');
        break;
      case 'event':
        readEventRule(rule);
        break;
      case 'inactivity':
        fields.add('createdAt');
        break;
    }
  }
  return { fields: [...fields].sort(), attributes: [...attributes].sort() };
}
