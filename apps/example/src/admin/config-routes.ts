import type { CacheStackConfigInput } from '@cachestack/config';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { resolveAppConfig } from '../cache/app-config.js';
import { NAMESPACES } from '../cache/keys.js';
import type { CacheRuntime } from '../cache/runtime.js';
import { sendProblem } from '../http/problem.js';
import { applyMergePatch, diffJson } from './json-patch.js';

/**
 * What a complete configuration document holds: every section the app relies on (the L2
 * is chosen by the environment and may be left out). A `PUT` without one of them would
 * silently drop namespaces, defaults or rate limits, so it is refused.
 */
const REQUIRED_SECTIONS: readonly string[] = [
  'l1',
  'defaults',
  'namespaces',
  ...NAMESPACES.map((name) => `namespaces/${name}`),
  'rateLimits',
  'rateLimits/api',
];

/** The pointers of `REQUIRED_SECTIONS` that `document` lacks. */
export function missingSections(document: unknown): string[] {
  const missing: string[] = [];
  for (const path of REQUIRED_SECTIONS) {
    let node: unknown = document;
    for (const part of path.split('/')) {
      node =
        typeof node === 'object' && node !== null && !Array.isArray(node)
          ? (node as Record<string, unknown>)[part]
          : undefined;
    }
    if (node === undefined) missing.push(`/${path}`);
  }
  return missing;
}

/**
 * `GET /cache/config`; `PUT` replaces the configuration with a complete, valid document;
 * `PATCH` applies a JSON merge patch (RFC 7396) to the one in force. Both validate before
 * anything is applied and answer the changes made (`changes`, JSON pointers).
 */
export function registerConfigRoutes(admin: FastifyInstance, runtime: CacheRuntime): void {
  admin.get('/cache/config', async () => ({
    input: runtime.input,
    config: runtime.stack.config,
    generation: runtime.generation,
  }));

  const apply = async (next: unknown, reply: FastifyReply) => {
    const before = runtime.input;
    const result = resolveAppConfig(next, before.l2);
    if (!result.valid) {
      return sendProblem(reply, 400, 'invalid configuration; nothing was applied', {
        title: 'Invalid configuration',
        errors: result.errors.map((e) => ({ path: e.path, message: e.message })),
      });
    }
    const changes = diffJson(before, result.input);
    if (changes.length > 0) await runtime.apply(result.config, result.input);
    // The cache stack is rebuilt at once; the API's limiter is built at start-up (its
    // fastify hooks hold it), so a rateLimits change is stored but not yet in force.
    const pending = changes.filter(
      (c) => c.path === '/rateLimits' || c.path.startsWith('/rateLimits/'),
    );
    const warnings =
      pending.length === 0
        ? result.warnings
        : [
            ...result.warnings,
            {
              path: '/rateLimits',
              message:
                'rate limits change on restart: the limiter in force keeps the rules it started with',
              value: pending.map((c) => c.path),
            },
          ];
    return {
      applied: changes.length > 0,
      generation: runtime.generation,
      changes,
      ...(pending.length > 0 ? { pendingRestart: pending.map((c) => c.path) } : {}),
      config: result.config,
      warnings,
    };
  };

  admin.put('/cache/config', async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return sendProblem(reply, 400, 'the configuration must be a JSON object');
    }
    const missing = missingSections(body);
    if (missing.length > 0) {
      return sendProblem(
        reply,
        400,
        `PUT replaces the whole configuration, and this one lacks ${missing.join(', ')}; send a complete document (GET /cache/config → input) or use PATCH to change part of it`,
        { title: 'Incomplete configuration', missing },
      );
    }
    return apply(body as CacheStackConfigInput, reply);
  });

  admin.patch('/cache/config', async (request, reply) => {
    const patch = request.body;
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      return sendProblem(reply, 400, 'a merge patch must be a JSON object');
    }
    const next = applyMergePatch(runtime.input, patch);
    const missing = missingSections(next);
    if (missing.length > 0) {
      return sendProblem(
        reply,
        400,
        `the patch removes ${missing.join(', ')}, which the app needs`,
        {
          title: 'Incomplete configuration',
          missing,
        },
      );
    }
    return apply(next, reply);
  });
}
