import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Request validation without surprises. Bodies are validated strictly: no type coercion
 * (`"2"` is not a number), unknown fields are errors (never silently dropped), every
 * error is reported. Path parameters and query strings are text by nature, so they alone
 * are coerced (`/users/5` → `5`), with unknown query fields still refused where a schema
 * says `additionalProperties: false`.
 */
export function strictValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const options = {
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  } as const;
  const body = new Ajv({ ...options, coerceTypes: false });
  const text = new Ajv({ ...options, coerceTypes: true });
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? body : text;
    return ajv.compile(schema as object);
  };
}
