import type { Logger } from '@cachestack/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** One field-level problem of a request. */
export interface FieldIssue {
  /** Where: `body/quantity`, `params/id`, `body` (for the object itself). */
  readonly path: string;
  /** What is wrong, in words. */
  readonly message: string;
}

/**
 * An RFC 9457 problem document (`application/problem+json`). `errors` lists field issues,
 * `unknownFields` and `missing` name what to remove or add.
 */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly errors?: readonly FieldIssue[];
  readonly unknownFields?: readonly string[];
  readonly missing?: readonly string[];
  readonly [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Sends a problem document with `status`. */
export function sendProblem(
  reply: FastifyReply,
  status: number,
  detail: string,
  extra: Omit<Partial<Problem>, 'status' | 'detail'> = {},
): FastifyReply {
  const problem: Problem = {
    type: 'about:blank',
    title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
    status,
    detail,
    instance: reply.request.url,
    ...extra,
  };
  return reply.code(status).header('content-type', 'application/problem+json').send(problem);
}

interface AjvIssue {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: { additionalProperty?: string; missingProperty?: string };
}

/** Field issues from Fastify's validation error (ajv errors plus `validationContext`). */
export function validationIssues(error: FastifyError): {
  errors: FieldIssue[];
  unknownFields: string[];
  missing: string[];
} {
  const context = (error as { validationContext?: string }).validationContext ?? 'body';
  const errors: FieldIssue[] = [];
  const unknownFields: string[] = [];
  const missing: string[] = [];
  for (const issue of (error.validation ?? []) as AjvIssue[]) {
    const base = `${context}${issue.instancePath ?? ''}`;
    if (issue.keyword === 'additionalProperties' && issue.params?.additionalProperty) {
      const field = `${base}/${issue.params.additionalProperty}`;
      unknownFields.push(field);
      errors.push({ path: field, message: 'unknown field' });
    } else if (issue.keyword === 'required' && issue.params?.missingProperty) {
      const field = `${base}/${issue.params.missingProperty}`;
      missing.push(field);
      errors.push({ path: field, message: 'is required' });
    } else {
      errors.push({ path: base, message: issue.message ?? 'is invalid' });
    }
  }
  return { errors, unknownFields, missing };
}

/** A readable one-line summary of field issues. */
export function describeIssues(issues: ReturnType<typeof validationIssues>): string {
  const parts: string[] = [];
  if (issues.unknownFields.length > 0) {
    parts.push(
      `unknown field${issues.unknownFields.length > 1 ? 's' : ''}: ${issues.unknownFields.join(', ')}`,
    );
  }
  if (issues.missing.length > 0) parts.push(`missing: ${issues.missing.join(', ')}`);
  for (const e of issues.errors) {
    if (e.message !== 'unknown field' && e.message !== 'is required')
      parts.push(`${e.path} ${e.message}`);
  }
  return parts.join('; ') || 'the request is invalid';
}

/** Fastify's request-parsing errors, by code: their status and what to tell the client. */
const PARSING: Record<string, { status: number; detail: (e: FastifyError) => string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    detail: (e) => `${e.message}; send the body as JSON with "Content-Type: application/json"`,
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    detail: () => 'the request body is larger than the server accepts (1 MiB)',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    detail: () => 'the body is empty although Content-Type is application/json',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, detail: (e) => `malformed JSON: ${e.message}` },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    detail: () => 'Content-Length does not match the body',
  },
};

/** Codes of failures that mean a backing service (Redis, a lock) is unavailable: 503. */
const UNAVAILABLE = new Set([
  'CACHESTACK_STORE',
  'CACHESTACK_TIMEOUT',
  'CACHESTACK_CIRCUIT_OPEN',
  'CACHESTACK_MIGRATE_LEGACY_STORE',
]);

/**
 * The error handler of every scope: client errors keep their status, get a problem
 * document saying what to fix and are logged at info; anything else is a server error
 * (503 when a backing service is unavailable, else 500), logged at error on
 * `serverErrors` (give it an outage logger: an outage fails every request the same way)
 * with its stack, and the client learns nothing internal.
 */
export function createProblemErrorHandler(
  serverErrors: Logger,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (error, request, reply) => {
    if (error.validation !== undefined) {
      const issues = validationIssues(error);
      request.log.info({ status: 400, issues: issues.errors }, 'client error: invalid request');
      return sendProblem(reply, 400, describeIssues(issues), {
        title: 'Invalid request',
        errors: issues.errors,
        ...(issues.unknownFields.length > 0 ? { unknownFields: issues.unknownFields } : {}),
        ...(issues.missing.length > 0 ? { missing: issues.missing } : {}),
      });
    }
    const parsing = error.code === undefined ? undefined : PARSING[error.code];
    if (parsing !== undefined) {
      const detail = parsing.detail(error);
      request.log.info({ status: parsing.status, code: error.code }, `client error: ${detail}`);
      return sendProblem(reply, parsing.status, detail);
    }
    // A JSON body that does not parse: fastify raises a SyntaxError with statusCode 400.
    if (error instanceof SyntaxError && error.statusCode === 400) {
      const detail = `malformed JSON: ${error.message}`;
      request.log.info({ status: 400 }, `client error: ${detail}`);
      return sendProblem(reply, 400, detail);
    }
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      request.log.info({ status, code: error.code }, `client error: ${error.message}`);
      return sendProblem(reply, status, error.message);
    }
    const unavailable = error.code !== undefined && UNAVAILABLE.has(error.code);
    // Keyed by code, so that an outage's failures collapse into start, counts and end.
    serverErrors.error(
      { err: error, reqId: request.id, method: request.method, url: request.url },
      `request failed: ${error.code ?? error.name}`,
    );
    if (unavailable) {
      reply.header('retry-after', '1');
      return sendProblem(reply, 503, 'a backing service is unavailable; retry shortly');
    }
    return sendProblem(reply, 500, 'the server failed to handle the request; see its log');
  };
}
