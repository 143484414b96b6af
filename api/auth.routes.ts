import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GRANTABLE, PERMISSIONS, ROLES } from '../auth/index.ts';
import type { Services } from '../runtime/index.ts';
import { ErrorBodySchema } from './contract.ts';
import { principalOf } from './permissions.ts';
import { clearSessionCookie, DEVICE_COOKIE, readCookie, setDeviceCookie, setSessionCookie } from './session-cookie.ts';

export const UserSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  permissions: z.array(z.enum(PERMISSIONS)),
  mustChangePassword: z.boolean(),
  disabled: z.boolean(),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
});

export const TokenInfoSchema = z.object({
  id: z.string(),
  userId: z.string(),
  username: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(PERMISSIONS)).nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

/** What a password change or reset ended: the user's other sessions and API tokens. */
export const RevokedSchema = z.object({ sessionsRevoked: z.number().int(), tokensRevoked: z.number().int() });

const Login = z.object({ username: z.string().max(200), password: z.string().max(1000) });
const PasswordChange = z.object({ current: z.string().max(1000), next: z.string().max(1000) });
const NewToken = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(GRANTABLE as [string, ...string[]])).max(20).optional(),
  expiresInDays: z.number().int().min(1).max(365),
});

/** Sign in and out, who am I, password change, API tokens (security contract). */
export const authRoutes = (rt: Services): FastifyPluginAsyncZod => async (app) => {
  app.post('/api/auth/login', {
    config: { permission: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Sign in: sets the HTTP-only session cookie (and a device cookie). Wrong password and unknown user answer alike; repeated failures wait with exponential backoff (429, Retry-After)',
      body: Login,
      response: { 200: z.object({ user: UserSchema }), 401: ErrorBodySchema, 429: ErrorBodySchema },
    },
  }, async (req, reply) => {
    const r = await rt.auth.login({ username: req.body.username, password: req.body.password, ip: req.ip, userAgent: req.headers['user-agent'], device: readCookie(req, DEVICE_COOKIE) });
    setSessionCookie(req, reply, r.sessionSecret, r.expiresAt);
    setDeviceCookie(req, reply, r.device);
    return { user: r.user };
  });

  app.get('/api/auth/first-run', {
    config: { permission: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Whether no one has signed in yet (the bootstrap admin still holds its one-time password): the sign-in page then names the account and where its password is',
      response: { 200: z.object({ firstRun: z.boolean(), username: z.string().optional() }) },
    },
  }, async () => rt.auth.firstRun());

  app.post('/api/auth/logout', {
    config: { permission: 'authenticated' },
    schema: { tags: ['auth'], summary: 'End this session (clears the cookie)', response: { 204: z.null() } },
  }, async (req, reply) => {
    await rt.auth.logout(principalOf(req));
    clearSessionCookie(req, reply);
    return reply.code(204).send(null);
  });

  app.get('/api/auth/me', {
    config: { permission: 'authenticated' },
    schema: { tags: ['auth'], summary: 'The signed-in user with the permissions of this request', response: { 200: z.object({ user: UserSchema }), 401: ErrorBodySchema } },
  }, async (req) => ({ user: await rt.auth.me(principalOf(req)) }));

  app.post('/api/auth/password', {
    config: { permission: 'authenticated' },
    schema: {
      tags: ['auth'],
      summary: 'Change one\'s own password (≥ 10 characters, not the username); other sessions end and every API token of the user is revoked',
      body: PasswordChange,
      response: { 200: RevokedSchema, 400: ErrorBodySchema },
    },
  }, async (req) => rt.auth.changePassword(principalOf(req), req.body.current, req.body.next));

  app.get('/api/auth/tokens', {
    config: { permission: 'authenticated' },
    schema: { tags: ['auth'], summary: 'API tokens of the caller (an admin sees all)', response: { 200: z.object({ items: z.array(TokenInfoSchema) }) } },
  }, async (req) => ({ items: await rt.auth.listTokens(principalOf(req)) }));

  app.post('/api/auth/tokens', {
    config: { permission: 'authenticated' },
    schema: {
      tags: ['auth'],
      summary: 'Create an API token (scopes ⊆ own permissions, 1–365 days) from a signed-in session (not with a token); the token is shown once',
      body: NewToken,
      response: { 201: TokenInfoSchema.extend({ token: z.string() }), 400: ErrorBodySchema, 403: ErrorBodySchema },
    },
  }, async (req, reply) => {
    const p = principalOf(req);
    const { token, info } = await rt.auth.createToken(p, { name: req.body.name, scopes: req.body.scopes as never, expiresInDays: req.body.expiresInDays });
    return reply.code(201).send({ ...info, token });
  });

  app.delete('/api/auth/tokens/:id', {
    config: { permission: 'authenticated' },
    schema: { tags: ['auth'], summary: 'Revoke an API token (own; an admin: any)', params: z.object({ id: z.string().max(100) }), response: { 204: z.null(), 404: ErrorBodySchema } },
  }, async (req, reply) => {
    await rt.auth.revokeToken(principalOf(req), req.params.id);
    return reply.code(204).send(null);
  });
};
