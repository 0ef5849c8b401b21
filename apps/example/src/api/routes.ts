import type { RateLimiter } from '@cachestack/ratelimit';
import { fastifyRateLimit } from '@cachestack/ratelimit/fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CATEGORIES } from '../db/seed.js';
import { sendProblem } from '../http/problem.js';
import type { Shop } from '../services/shop.js';

const idParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } },
} as const;

const notFound = (reply: FastifyReply, what: string) =>
  sendProblem(reply, 404, `${what} not found`);

/** Registers the public API under `/api`. */
export function registerApiRoutes(
  app: FastifyInstance,
  shop: Shop,
  limiter: RateLimiter | undefined,
): void {
  app.register(
    async (api) => {
      // IETF RateLimit headers on every answer, 429 + Retry-After + problem body past the
      // limit: the library's fastify plugin, clients told apart by IP address.
      if (limiter) await api.register(fastifyRateLimit, { limiter, key: (req) => `ip:${req.ip}` });
      api.get<{ Params: { id: number } }>(
        '/users/:id',
        { schema: { params: idParam } },
        async (req, reply) =>
          (await shop.getUser(req.params.id)) ?? notFound(reply, `user ${req.params.id}`),
      );
      api.get<{ Params: { id: number } }>(
        '/users/:id/orders',
        { schema: { params: idParam } },
        async (req, reply) => {
          const user = await shop.getUser(req.params.id);
          if (user === null) return notFound(reply, `user ${req.params.id}`);
          return shop.getUserOrders(req.params.id);
        },
      );
      api.put<{ Params: { id: number }; Body: { name?: string; email?: string; tier?: string } }>(
        '/users/:id',
        {
          schema: {
            params: idParam,
            body: {
              type: 'object',
              additionalProperties: false,
              minProperties: 1,
              properties: {
                name: { type: 'string', minLength: 1, maxLength: 200 },
                email: { type: 'string', minLength: 3, maxLength: 200 },
                tier: { type: 'string', enum: ['free', 'pro', 'team'] },
              },
            },
          },
        },
        async (req) => shop.updateUser(req.params.id, req.body),
      );
      api.get<{ Params: { id: number } }>(
        '/products/:id',
        { schema: { params: idParam } },
        async (req, reply) =>
          (await shop.getProduct(req.params.id)) ?? notFound(reply, `product ${req.params.id}`),
      );
      api.put<{
        Params: { id: number };
        Body: { name?: string; priceCents?: number; stock?: number };
      }>(
        '/products/:id',
        {
          schema: {
            params: idParam,
            body: {
              type: 'object',
              additionalProperties: false,
              minProperties: 1,
              properties: {
                name: { type: 'string', minLength: 1, maxLength: 200 },
                priceCents: { type: 'integer', minimum: 1, maximum: 100_000_000 },
                stock: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
              },
            },
          },
        },
        async (req) => shop.updateProduct(req.params.id, req.body),
      );
      const category = {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', enum: [...CATEGORIES] } },
      } as const;
      api.get<{ Params: { name: string } }>(
        '/categories/:name/products',
        { schema: { params: category } },
        async (req) => shop.getCategory(req.params.name),
      );
      api.post<{ Params: { name: string }; Body: { percent: number } }>(
        '/categories/:name/reprice',
        {
          schema: {
            params: category,
            body: {
              type: 'object',
              required: ['percent'],
              additionalProperties: false,
              properties: { percent: { type: 'number', minimum: -90, maximum: 1000 } },
            },
          },
        },
        async (req) => shop.repriceCategory(req.params.name, req.body.percent),
      );
      api.get<{ Params: { id: number } }>(
        '/orders/:id',
        { schema: { params: idParam } },
        async (req, reply) =>
          (await shop.getOrder(req.params.id)) ?? notFound(reply, `order ${req.params.id}`),
      );
      api.post<{ Body: { userId: number; productId: number; quantity: number } }>(
        '/orders',
        {
          schema: {
            body: {
              type: 'object',
              required: ['userId', 'productId', 'quantity'],
              additionalProperties: false,
              properties: {
                userId: { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
                productId: { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
                quantity: { type: 'integer', minimum: 1, maximum: 100 },
              },
            },
          },
        },
        async (req, reply) => reply.code(201).send(await shop.createOrder(req.body)),
      );
      api.patch<{ Params: { id: number }; Body: { status: string } }>(
        '/orders/:id',
        {
          schema: {
            params: idParam,
            body: {
              type: 'object',
              required: ['status'],
              additionalProperties: false,
              properties: { status: { type: 'string', maxLength: 32 } },
            },
          },
        },
        async (req) => shop.updateOrderStatus(req.params.id, req.body.status),
      );
      api.delete<{ Params: { id: number } }>(
        '/orders/:id',
        { schema: { params: idParam } },
        async (req) => shop.deleteOrder(req.params.id),
      );
    },
    { prefix: '/api' },
  );
}
