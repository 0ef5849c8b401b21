import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../http/problem.js';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * A fastify `onRequest` hook that admits a request only with the right `X-API-Key`.
 * Both keys are hashed first, so `timingSafeEqual` compares two equal-length digests and
 * the comparison takes the same time whatever the key's length or content.
 */
export function apiKeyGuard(apiKey: string) {
  if (apiKey.length < 16) throw new Error('the admin API key must have at least 16 characters');
  const expected = digest(apiKey);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const given = request.headers['x-api-key'];
    const ok = typeof given === 'string' && timingSafeEqual(digest(given), expected);
    if (!ok) {
      reply.header('cache-control', 'no-store');
      await sendProblem(
        reply,
        401,
        given === undefined ? 'missing X-API-Key header' : 'wrong X-API-Key header',
      );
    }
  };
}
