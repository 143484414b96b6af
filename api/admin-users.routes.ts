import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from '../auth/index.ts';
import type { Services } from '../runtime/index.ts';
import { RevokedSchema, UserSchema } from './auth.routes.ts';
import { ErrorBodySchema } from './contract.ts';
import { principalOf } from './permissions.ts';

const Params = z.object({ id: z.string().max(100) });
const NewUser = z.object({
  username: z.string().trim().min(2).max(64),
  displayName: z.string().trim().max(100).optional(),
  role: z.enum(ROLES),
  password: z.string().max(1000).optional(),
});
const Patch = z.object({ displayName: z.string().trim().min(1).max(100).optional(), role: z.enum(ROLES).optional(), disabled: z.boolean().optional() });

/** User administration (admin.users). One's own role and one's own account cannot be changed or disabled here. */
export const adminUsersRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/admin/users', {
    config: { permission: 'admin.users' },
    schema: { tags: ['admin'], summary: 'Every account', response: { 200: z.object({ items: z.array(UserSchema) }) } },
  }, async () => ({ items: await rt.auth.listUsers() }));

  app.post('/api/admin/users', {
    config: { permission: 'admin.users' },
    schema: {
      tags: ['admin'],
      summary: 'Create an account; without a password a one-time password is returned once. Either way the user must change it at first sign-in',
      body: NewUser,
      response: { 201: z.object({ user: UserSchema, initialPassword: z.string().optional() }), 400: ErrorBodySchema, 409: ErrorBodySchema },
    },
  }, async (req, reply) => reply.code(201).send(await rt.auth.createUser(req.body, principalOf(req).username)));

  app.patch('/api/admin/users/:id', {
    config: { permission: 'admin.users' },
    schema: { tags: ['admin'], summary: 'Change display name, role or disabled (not one\'s own role, not disabling oneself)', params: Params, body: Patch, response: { 200: z.object({ user: UserSchema }), 403: ErrorBodySchema, 404: ErrorBodySchema } },
  }, async (req) => {
    const p = principalOf(req);
    return { user: await rt.auth.updateUser(req.params.id, req.body, { userId: p.userId, actor: p.username }) };
  });

  app.post('/api/admin/users/:id/reset-password', {
    config: { permission: 'admin.users' },
    schema: {
      tags: ['admin'],
      summary: 'Set a new one-time password (shown once); the user must change it; their sessions, API tokens and remembered devices end',
      params: Params,
      response: { 200: RevokedSchema.extend({ initialPassword: z.string() }), 404: ErrorBodySchema },
    },
  }, async (req) => rt.auth.resetPassword(req.params.id, principalOf(req).username));
};
