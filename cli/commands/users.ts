import { type Command, InvalidArgumentError } from 'commander';
import { openAuditedDatabase } from '../../audit/index.ts';
import { AuthService, GRANTABLE, isRole, type Permission, ROLES } from '../../auth/index.ts';
import { AppError, loadConfig } from '../../core/index.ts';
import type { Database } from '../../store/index.ts';
import { cliActor } from '../actor.ts';
import { fail, printJson } from '../output.ts';


/** Just the database and the auth service: no runtime, no background jobs. */
async function withAuth(json: boolean, fn: (auth: AuthService, db: Database) => Promise<void>): Promise<void> {
  let db: Database | undefined;
  try {
    // Audited actions: the chain is bound to the installation key (generated on first use, as at start).
    ({ db } = await openAuditedDatabase(loadConfig({ ...process.env, YZ_LOG_LEVEL: process.env.YZ_LOG_LEVEL ?? 'warn' })));
    await fn(new AuthService(db), db);
    await db.close();
  } catch (e) {
    await db?.close().catch(() => undefined);
    fail(e, json);
  }
}

const roleArg = (v: string) => {
  if (!isRole(v)) throw new InvalidArgumentError(`role must be one of ${ROLES.join(', ')}`);
  return v;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `yingzhi users add|list|set-role|disable|reset-password` and `yingzhi tokens create`. */
export function registerUsersCommands(program: Command): void {
  const users = program.command('users').description('用户与角色 / accounts and roles');
  users
    .command('add')
    .argument('<username>')
    .requiredOption('--role <role>', ROLES.join(' | '), roleArg)
    .option('--name <displayName>', 'display name')
    .option('--password <password>', 'initial password (default: a printed one-time password)')
    .option('--json', 'machine-readable output')
    .action((username: string, opts) =>
      withAuth(Boolean(opts.json), async (auth) => {
        const r = await auth.createUser({ username, role: opts.role, displayName: opts.name, password: opts.password }, cliActor());
        if (opts.json) return printJson(r);
        process.stdout.write(`已创建 created ${r.user.username} (${r.user.role})\n`);
        if (r.initialPassword) process.stdout.write(`一次性密码 one-time password (must be changed at first login): ${r.initialPassword}\n`);
      }),
    );
  users
    .command('list')
    .option('--json', 'machine-readable output')
    .action((opts) =>
      withAuth(Boolean(opts.json), async (auth) => {
        const list = await auth.listUsers();
        if (opts.json) return printJson({ items: list });
        for (const u of list) process.stdout.write(`${u.username.padEnd(20)} ${u.role.padEnd(11)} ${u.disabled ? 'disabled' : 'active  '} ${u.displayName}\n`);
      }),
    );
  users
    .command('set-role')
    .argument('<username>')
    .argument('<role>', ROLES.join(' | '), roleArg)
    .option('--json', 'machine-readable output')
    .action((username: string, role: string, opts) =>
      withAuth(Boolean(opts.json), async (auth) => {
        const u = await auth.findUser(username);
        const r = await auth.updateUser(u.id, { role }, { userId: null, actor: cliActor() });
        if (opts.json) printJson({ user: r });
        else process.stdout.write(`${r.username}: ${r.role}\n`);
      }),
    );
  users
    .command('disable')
    .argument('<username>')
    .option('--json', 'machine-readable output')
    .action((username: string, opts) =>
      withAuth(Boolean(opts.json), async (auth) => {
        const u = await auth.findUser(username);
        const r = await auth.updateUser(u.id, { disabled: true }, { userId: null, actor: cliActor() });
        if (opts.json) printJson({ user: r });
        else process.stdout.write(`已停用 disabled ${r.username} (sessions and tokens revoked)\n`);
      }),
    );
  users
    .command('reset-password')
    .argument('<username>')
    .option('--json', 'machine-readable output')
    .action((username: string, opts) =>
      withAuth(Boolean(opts.json), async (auth) => {
        const u = await auth.findUser(username);
        const r = await auth.resetPassword(u.id, cliActor());
        if (opts.json) printJson(r);
        else process.stdout.write(`一次性密码 one-time password for ${u.username}: ${r.initialPassword}\n`);
      }),
    );

  program
    .command('tokens')
    .description('API 令牌 / API tokens')
    .command('create')
    .argument('<username>')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--scope <permission>', `limit to a permission (repeatable): ${GRANTABLE.join(', ')}`, collect)
    .option('--days <n>', 'expires after n days (1..365)', '90')
    .option('--json', 'machine-readable output')
    .action((username: string, opts) =>
      withAuth(Boolean(opts.json), async (auth, db) => {
        const u = await auth.findUser(username);
        if (u.disabled) throw new AppError('STATE_CONFLICT', `用户已停用 / user ${u.username} is disabled`, { field: 'username' });
        const scopes = (opts.scope as string[] | undefined) ?? null;
        const own = auth.roleOf(u.role);
        const bad = scopes?.find((s) => !own.includes(s as Permission));
        if (bad) throw new AppError('VALIDATION_FAILED', `角色 ${u.role} 没有权限 ${bad} / role ${u.role} lacks ${bad}`, { field: 'scope' });
        if (!/^\d+$/.test(opts.days)) throw new AppError('VALIDATION_FAILED', '--days must be a whole number', { field: 'days' });
        const r = await auth.issueToken(db, { userId: u.id, username: u.username }, { name: opts.name, scopes: scopes as Permission[] | null, expiresInDays: Number(opts.days) }, cliActor());
        if (opts.json) return printJson({ ...r.info, token: r.token });
        process.stdout.write(`令牌 token (shown once) for ${u.username}, expires ${r.info.expiresAt}:\n${r.token}\n`);
      }),
    );
}
