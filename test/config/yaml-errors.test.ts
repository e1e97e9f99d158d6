import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseYamlWithSchema } from '../../src/config/yaml-errors.js';
import { issuesOf } from './helpers.js';

const engagementSchema = z.strictObject({
  rules: z.strictObject({
    engagement: z.array(z.strictObject({ id: z.string().optional(), points: z.number() })),
  }),
});

describe('rendering zod issues against YAML lines', () => {
  it('given points: ten on line 41, when validated, then the issue reads exactly like the documented example', () => {
    const padding = Array.from({ length: 35 }, (_, i) => `# comment ${i + 1}`).join('\n');
    const text = `${padding}
rules:
  engagement:
    - points: 1
    - points: 2
    - points: 3
    - points: ten
`;
    const error = issuesOf(() =>
      parseYamlWithSchema(text, engagementSchema, { file: '/srv/leadscore/leadscore.yaml' }),
    );

    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toBe(
      'rules.engagement[3].points: expected a number, got "ten" (leadscore.yaml:41)',
    );
    expect(error.issues).toEqual([
      {
        path: 'rules.engagement[3].points',
        message: 'expected a number, got "ten"',
        file: 'leadscore.yaml',
        line: 41,
      },
    ]);
  });

  it('given a list item without a required key, when validated, then it says "got nothing" at the item line', () => {
    const text = 'rules:\n  engagement:\n    - points: 1\n    - id: second\n';
    const error = issuesOf(() => parseYamlWithSchema(text, engagementSchema, { file: 'x.yaml' }));

    expect(error.message).toBe('rules.engagement[1].points: expected a number, got nothing (x.yaml:4)');
  });

  it('given a missing nested section, when validated, then the line falls back to the nearest existing key', () => {
    const text = '# header\n\nrules:\n  other: 1\n';
    const error = issuesOf(() => parseYamlWithSchema(text, engagementSchema, { file: 'x.yaml' }));

    expect(error.issues).toContainEqual({
      path: 'rules.engagement',
      message: 'expected a list, got nothing',
      file: 'x.yaml',
      line: 3,
    });
  });

  it('given a misspelt key, when validated, then it is unknown with a suggestion, on the misspelt key line', () => {
    const text = 'rules:\n  engagement:\n    - points: 1\n      pionts: 2\n';
    const error = issuesOf(() => parseYamlWithSchema(text, engagementSchema, { file: 'x.yaml' }));

    expect(error.message).toBe(
      'rules.engagement[0]: unknown key "pionts" (did you mean "points"?) (x.yaml:4)',
    );
  });

  it('given an unknown key like no allowed key, when validated, then no suggestion is made', () => {
    const text = 'rules:\n  engagement: []\n  colour: blue\n';
    const error = issuesOf(() => parseYamlWithSchema(text, engagementSchema, { file: 'x.yaml' }));

    expect(error.message).toBe('rules: unknown key "colour" (x.yaml:3)');
  });

  it('given a value outside an enum, when validated, then the allowed values are listed', () => {
    const schema = z.strictObject({ tier: z.enum(['starter', 'professional', 'enterprise']) });
    const error = issuesOf(() => parseYamlWithSchema('tier: gold\n', schema, { file: 'x.yaml' }));

    expect(error.message).toBe('tier: expected one of starter, professional, enterprise (x.yaml:1)');
  });

  it('given an unknown discriminator, when validated, then the options are listed for the object', () => {
    const schema = z.strictObject({
      rule: z.discriminatedUnion('op', [
        z.strictObject({ op: z.literal('equals'), value: z.string() }),
        z.strictObject({ op: z.literal('exists') }),
      ]),
    });
    const error = issuesOf(() =>
      parseYamlWithSchema('rule:\n  op: equal\n  value: x\n', schema, { file: 'x.yaml' }),
    );

    expect(error.message).toBe(
      'rule: expected op to be one of equals, exists (did you mean "equals"?) (x.yaml:2)',
    );
  });

  it('given a number below its minimum, when validated, then the bound is stated', () => {
    const schema = z.strictObject({ count: z.number().int().min(1), tags: z.array(z.string()).min(1) });
    const error = issuesOf(() => parseYamlWithSchema('count: 0\ntags: []\n', schema, { file: 'x.yaml' }));

    expect(error.message).toBe(
      [
        'count: expected at least 1, got 0 (x.yaml:1)',
        'tags: expected at least 1 item, got 0 (x.yaml:2)',
      ].join('\n'),
    );
  });

  it('given a value no union branch accepts, when validated, then the accepted kinds are listed', () => {
    const schema = z.strictObject({ value: z.union([z.string(), z.number()]) });
    const error = issuesOf(() => parseYamlWithSchema('value: [1, 2]\n', schema, { file: 'x.yaml' }));

    expect(error.message).toBe('value: expected text or a number, got a list (x.yaml:1)');
  });

  it('given a mapping meant for the object branch of a union, when validated, then that branch is reported', () => {
    const schema = z.strictObject({
      per: z.union([z.enum(['day', 'week']), z.strictObject({ days: z.number() })]),
    });
    const error = issuesOf(() => parseYamlWithSchema('per:\n  days: many\n', schema, { file: 'x.yaml' }));

    expect(error.message).toBe('per.days: expected a number, got "many" (x.yaml:2)');
  });

  it('given a custom refinement, when it fails, then its message is used', () => {
    const schema = z.strictObject({ n: z.number().refine((n) => n % 2 === 0, 'expected an even number') });
    const error = issuesOf(() => parseYamlWithSchema('n: 3\n', schema, { file: 'x.yaml' }));

    expect(error.message).toBe('n: expected an even number (x.yaml:1)');
  });

  it('given several problems, when validated, then all are listed one per line in file order', () => {
    const schema = z.strictObject({ a: z.number(), b: z.boolean() });
    const error = issuesOf(() => parseYamlWithSchema('b: yes\na: one\n', schema, { file: 'x.yaml' }));

    expect(error.message.split('\n')).toEqual([
      'b: expected true or false, got "yes" (x.yaml:1)',
      'a: expected a number, got "one" (x.yaml:2)',
    ]);
  });

  it('given a YAML syntax error, when parsed, then the error names the file and line', () => {
    const text = 'rules:\n  engagement:\n    - points: 1\n   bad: [unclosed\n';
    const error = issuesOf(() =>
      parseYamlWithSchema(text, engagementSchema, { file: '/etc/leadscore.yaml' }),
    );

    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.issues[0]?.file).toBe('leadscore.yaml');
    expect(error.issues[0]?.line).toBeGreaterThanOrEqual(4);
    expect(error.message).toMatch(/^YAML syntax error: .+ \(leadscore\.yaml:\d+\)$/m);
  });

  it('given a duplicated key, when parsed, then it is a syntax error on the duplicate line', () => {
    const error = issuesOf(() =>
      parseYamlWithSchema('a: 1\nb: 2\na: 3\n', z.object({}), { file: 'x.yaml', code: 'ERR_RULES_INVALID' }),
    );

    expect(error.code).toBe('ERR_RULES_INVALID');
    expect(error.issues[0]?.line).toBe(3);
  });

  it('given a wrong value under a secret-like key, when validated, then the value is not echoed', () => {
    const schema = z.strictObject({ apiKey: z.number() });
    const error = issuesOf(() => parseYamlWithSchema('apiKey: sk-live-123\n', schema, { file: 'x.yaml' }));

    expect(error.message).not.toContain('sk-live-123');
  });
});
