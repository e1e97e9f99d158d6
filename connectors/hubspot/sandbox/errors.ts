import { randomUUID } from 'node:crypto';

/**
 * HubSpot's error envelope: {status:"error", message, correlationId, category, subCategory?, context?, errors?, links?}.
 * https://developers.hubspot.com/docs/api-reference/error-handling
 */
export interface HubSpotError {
  status: string;
  message: string;
  correlationId: string;
  category?: string;
  subCategory?: string;
  context?: Record<string, string[]>;
  errors?: Array<Record<string, unknown>>;
  links?: Record<string, string>;
  [key: string]: unknown;
}

export class SandboxHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${statusCode}`);
  }
}

export function correlationId(): string {
  return randomUUID();
}

export function errorBody(
  category: string,
  message: string,
  extra: Partial<Omit<HubSpotError, 'status' | 'message' | 'category'>> = {},
): HubSpotError {
  return { status: 'error', message, correlationId: correlationId(), category, ...extra };
}

export function httpError(
  statusCode: number,
  category: string,
  message: string,
  extra: Partial<Omit<HubSpotError, 'status' | 'message' | 'category'>> = {},
): SandboxHttpError {
  return new SandboxHttpError(statusCode, errorBody(category, message, extra));
}

export const validationError = (message: string, extra: Partial<HubSpotError> = {}) =>
  httpError(400, 'VALIDATION_ERROR', message, extra);

// ◐ github.com/HubSpot/hubspot-api-nodejs/issues/669 (note the two spaces).
export const objectNotFound = (id: string) =>
  httpError(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', {
    context: { id: [id] },
  });

/** One invalid property, as HubSpot lists it inside "Property values were not valid: [...]". */
export interface PropertyValidationIssue {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
}

export function propertyIssue(name: string, error: string, message: string): PropertyValidationIssue {
  return { isValid: false, message, error, name, localizedErrorMessage: message };
}

// https://developers.hubspot.com/docs/api-reference/error-handling (the 207 example shows this message format)
export function propertyValuesNotValid(issues: PropertyValidationIssue[]): string {
  return `Property values were not valid: ${JSON.stringify(issues)}`;
}
