#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { createClient, DEFAULT_OVERLAP_SECONDS, getClient, listClients, revokeClient, revokePreviousSecret, rotateClientSecret, updateClient } from '../auth/clients.ts';
import { parseAllowlist } from '../auth/ip-allowlist.ts';
import { recordAudit } from '../audit/record.ts';
import { withoutSecrets } from '../audit/http.ts';
import { brokerOnly, parseScopes, SCOPES } from '../auth/scopes.ts';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/index.ts';
import { migrate } from '../db/migrate.ts';
import { importCommand } from '../connectors/csv/cli.ts';
import { DEMO_CLIENT, demoLoaded, loadDemo } from '../demo/seed.ts';
import { reconcileCommand } from '../payouts/reconcile-cli.ts';
import { generateBroker } from '../demo/generate.ts';
import { rebuildRollups } from '../reporting/rollups.ts';
import { openPlatform } from '../platform.ts';
import { keyStatus, rotateBatch, startRotation } from '../privacy/rotation.ts';
import { generateKeyEntry, keyRing, parseKeyList } from '../shared/keyring.ts';
import { ROLES, type Role, startServer } from '../server.ts';
import { adminUsersCommand } from '../web-auth/cli.ts';
import { ensureWebBuilt } from '../web/build.ts';
import { progressLine } from './progress.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const program = new Command('openib').description('OpenIB: partner platform for forex/CFD brokers').version(version, '-V, --version', 'print the version').showHelpAfterError();

function fail(err: unknown): never {
  process.stderr.write(`openib: ${(err as Error).message}\n`);
  process.exit(1);
}

program
  .command('start')
  .description('Run the API server and/or the background workers (migrations are applied first; demo data on first start unless OPENIB_DEMO=0)')
  .addOption(
    new Option('--role <role>', 'which parts to run: the HTTP API, the background workers (webhooks, postbacks), or both')
      .choices(ROLES)
      .default('all'),
  )
  .action(async (opts: { role: Role }) => {
    const config = loadConfig();
    // The portal and admin console are built here when web/dist is missing or older than web/src (a fresh clone works with npm start).
    if (opts.role !== 'worker') await ensureWebBuilt((line) => process.stderr.write(`${line}\n`));
    const server = await startServer(config, { announce: true, role: opts.role }).catch(fail);
    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      server.log.info({ signal }, 'shutting down');
      await server.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
  });

program
  .command('migrate')
  .description('Apply pending database migrations and exit')
  .action(async () => {
    const config = loadConfig();
    const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }).catch(fail);
    try {
      const { applied, total } = await migrate(db);
      process.stdout.write(applied.length ? `Applied ${applied.join(', ')} (${total} in all).\n` : `Up to date (${total} migrations).\n`);
    } finally {
      await db.close();
    }
  });

const clients = program.command('clients').description('Manage API clients');
clients
  .command('create')
  .description('Create an API client; its secret is printed once')
  .requiredOption('--name <name>', 'a name people recognise, e.g. "CRM push"')
  .requiredOption('--scopes <scopes>', `space- or comma-separated: ${SCOPES.join(' ')}`)
  .option('--partner <partner_id>', 'bind the client to one partner (its tokens reach only that partner and its subtree)')
  .option('--json', 'print {client_id, client_secret, scopes} as JSON')
  .action(async (opts: { name: string; scopes: string; partner?: string; json?: boolean }) => {
    const { scopes, unknown } = parseScopes(opts.scopes);
    if (unknown.length) fail(new Error(`unknown scope(s): ${unknown.join(', ')}. Known: ${SCOPES.join(' ')}`));
    if (opts.partner && brokerOnly(scopes).length) fail(new Error(`a client bound to a partner cannot hold ${brokerOnly(scopes).join(', ')}`));
    const ctx = await openPlatform(loadConfig()).catch(fail);
    try {
      if (opts.partner && !(await ctx.db.query('SELECT 1 FROM partners WHERE partner_id = $1', [opts.partner])).length)
        throw new Error(`no partner ${opts.partner}`);
      const client = await createClient(ctx.db, { name: opts.name, scopes, partnerId: opts.partner });
      if (opts.json) process.stdout.write(`${JSON.stringify({ client_id: client.client_id, client_secret: client.client_secret, scopes: client.scopes })}\n`);
      else
        process.stdout.write(
          `client_id:     ${client.client_id}\nclient_secret: ${client.client_secret}\nscopes:        ${client.scopes.join(' ')}\nThe secret is shown only now; store it safely.\n`,
        );
    } catch (err) {
      fail(err);
    } finally {
      await ctx.db.close();
    }
  });
clients
  .command('list')
  .description('List API clients')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const ctx = await openPlatform(loadConfig()).catch(fail);
    try {
      const rows = await listClients(ctx.db);
      if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else for (const c of rows) process.stdout.write(`${c.client_id}\t${c.revoked_at ? 'revoked' : 'active'}\t${c.scopes.join(' ')}\t${c.name}\n`);
    } finally {
      await ctx.db.close();
    }
  });
/** The audit actor of a command run on the server itself. */
const cliActor = () => `cli:${process.env.USER || process.env.LOGNAME || 'unknown'}`;

clients
  .command('rotate <client_id>')
  .description('Give a client a new secret (printed once); the previous one keeps working for the overlap')
  .option('--overlap <seconds>', `how long the previous secret stays valid (0–2592000)`, String(DEFAULT_OVERLAP_SECONDS))
  .option('--json', 'print {client_id, client_secret, previous_secret_expires_at} as JSON')
  .action(async (clientId: string, opts: { overlap: string; json?: boolean }) => {
    const overlap = Number(opts.overlap);
    const ctx = await openPlatform(loadConfig()).catch(fail);
    try {
      const rotated = await ctx.db.transaction(async (tx) => {
        const before = await getClient(tx, clientId, true);
        if (!before) throw new Error(`no API client ${clientId}`);
        if (before.revoked_at) throw new Error(`API client ${clientId} is revoked`);
        const r = (await rotateClientSecret(tx, clientId, overlap))!;
        const { client_secret: _, ...after } = r;
        await recordAudit(tx, { actor: cliActor(), action: 'api_client.rotate_secret', subject: { type: 'api_client', id: clientId }, before, after: { ...after, overlap_seconds: overlap } });
        return r;
      });
      if (opts.json)
        process.stdout.write(`${JSON.stringify({ client_id: rotated.client_id, client_secret: rotated.client_secret, previous_secret_expires_at: rotated.previous_secret_expires_at })}\n`);
      else
        process.stdout.write(
          `client_id:     ${rotated.client_id}\nclient_secret: ${rotated.client_secret}\nprevious secret valid until: ${rotated.previous_secret_expires_at ?? 'no longer valid'}\nThe secret is shown only now; store it safely.\n`,
        );
    } catch (err) {
      fail(err);
    } finally {
      await ctx.db.close();
    }
  });
clients
  .command('revoke-previous <client_id>')
  .description('End the overlap of the last rotation: only the newest secret works')
  .action(async (clientId: string) => {
    const ctx = await openPlatform(loadConfig()).catch(fail);
    try {
      await ctx.db.transaction(async (tx) => {
        const before = await getClient(tx, clientId, true);
        if (!before) throw new Error(`no API client ${clientId}`);
        const after = await revokePreviousSecret(tx, clientId);
        await recordAudit(tx, { actor: cliActor(), action: 'api_client.revoke_previous_secret', subject: { type: 'api_client', id: clientId }, before, after });
      });
      process.stdout.write(`Only the newest secret of ${clientId} works now.\n`);
    } catch (err) {
      fail(err);
    } finally {
      await ctx.db.close();
    }
  });
clients
  .command('update <client_id>')
  .description("Change a client's name, scopes or IP allowlist")
  .option('--name <name>', 'new name')
  .option('--scopes <scopes>', `space- or comma-separated: ${SCOPES.join(' ')}`)
  .option('--allowed-ips <cidrs>', 'comma-separated IPv4/IPv6 CIDR blocks; "" allows any address')
  .option('--json', 'print the client as JSON')
  .action(async (clientId: string, opts: { name?: string; scopes?: string; allowedIps?: string; json?: boolean }) => {
    let scopes: ReturnType<typeof parseScopes>['scopes'] | undefined;
    if (opts.scopes !== undefined) {
      const parsed = parseScopes(opts.scopes);
      if (parsed.unknown.length) fail(new Error(`unknown scope(s): ${parsed.unknown.join(', ')}. Known: ${SCOPES.join(' ')}`));
      if (!parsed.scopes.length) fail(new Error('at least one scope is required'));
      scopes = parsed.scopes;
    }
    let allowedIps: string[] | undefined;
    if (opts.allowedIps !== undefined) {
      const parsed = parseAllowlist(opts.allowedIps.split(',').map((s) => s.trim()).filter(Boolean));
      if (!parsed.ok) fail(new Error(`not an IP address or CIDR block: ${parsed.issues.map((i) => opts.allowedIps!.split(',')[i.index]).join(', ')}`));
      else allowedIps = parsed.cidrs;
    }
    if (opts.name !== undefined && !opts.name.trim()) fail(new Error('--name must not be blank'));
    if (opts.name === undefined && !scopes && !allowedIps) fail(new Error('give --name, --scopes or --allowed-ips'));
    const ctx = await openPlatform(loadConfig()).catch(fail);
    try {
      const after = await ctx.db.transaction(async (tx) => {
        const before = await getClient(tx, clientId, true);
        if (!before) throw new Error(`no API client ${clientId}`);
        if (scopes && brokerOnly(scopes).length && before.partner_id) throw new Error(`a client bound to a partner cannot hold ${brokerOnly(scopes).join(', ')}`);
        const a = (await updateClient(tx, clientId, { name: opts.name, scopes, allowedIps }))!;
        await recordAudit(tx, { actor: cliActor(), action: 'api_client.update', subject: { type: 'api_client', id: clientId }, before: withoutSecrets(before), after: withoutSecrets(a) });
        return a;
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(after)}\n`);
      else process.stdout.write(`Updated ${clientId}: scopes ${after.scopes.join(' ')}; allowed IPs ${after.allowed_ips.join(', ') || 'any'}.\n`);
    } catch (err) {
      fail(err);
    } finally {
      await ctx.db.close();
    }
  });
clients
  .command('revoke <client_id>')
  .description('Revoke an API client; its tokens stop working at once')
  .action(async (clientId: string) => {
    const ctx = await openPlatform(loadConfig()).catch(fail);
    try {
      const client = await ctx.db.transaction(async (tx) => {
        const before = await getClient(tx, clientId, true);
        const after = await revokeClient(tx, clientId);
        if (after) await recordAudit(tx, { actor: cliActor(), action: 'api_client.revoke', subject: { type: 'api_client', id: clientId }, before, after });
        return after;
      });
      if (!client) fail(new Error(`no API client ${clientId}`));
      process.stdout.write(`Revoked ${clientId}.\n`);
    } finally {
      await ctx.db.close();
    }
  });

program
  .command('import <entity> <file>')
  .description('Backfill customers, transactions, activity or deals from a CSV file (header row = field names); resumes an interrupted import of the same file')
  .option('--report <file>', 'validation report (row, field, reason); default <file>.report.csv')
  .option('--restart', 'start from the top even if an unfinished import of this file exists')
  .option('--chunk-size <rows>', 'rows per transaction (default 1000)')
  .action(async (entity: string, file: string, opts: { report?: string; restart?: boolean; chunkSize?: string }) => {
    const ctx = await openPlatform(loadConfig()).catch(fail);
    let code = 1;
    try {
      code = await importCommand(ctx, entity, file, opts);
    } catch (err) {
      process.stderr.write(`openib: ${(err as Error).message}\n`);
    } finally {
      await ctx.db.close();
    }
    process.exit(code);
  });

program
  .command('reconcile')
  .description("Compare the ledger with the broker's ib_rebate transactions per partner and day; writes a CSV")
  .requiredOption('--from <date>', 'first business date, YYYY-MM-DD')
  .requiredOption('--to <date>', 'last business date, YYYY-MM-DD')
  .requiredOption('--out <file>', 'CSV file to write')
  .option('--per-customer', 'one row per customer as well')
  .option('--tolerance <amount>', 'largest difference still matched (default OPENIB_RECONCILIATION_TOLERANCE)')
  .action(async (opts: { from: string; to: string; out: string; perCustomer?: boolean; tolerance?: string }) => {
    const ctx = await openPlatform(loadConfig()).catch(fail);
    try {
      process.stdout.write(`${await reconcileCommand(ctx, opts)}\n`);
    } catch (err) {
      fail(err);
    } finally {
      await ctx.db.close();
    }
  });

adminUsersCommand(program, fail);

program
  .command('verify')
  .description("Verify a partner's ledger: signatures, the hash chain, checkpoints as prefixes, statement totals, reassignments away (docs/verification.md)")
  .option('--bundle <file>', 'a ledger export (GET /api/v1/partners/{id}/ledger/export)')
  .option('--server <url>', 'fetch the export and the keys from this OpenIB server instead')
  .option('--partner <id>', 'the partner, with --server')
  .option('--token <token>', 'a bearer token, with --server')
  .option('--checkpoints <file>', 'checkpoints you saved (statements, postbacks, the portal): a JSON list or {"data": […]}')
  .option('--keys <file-or-url>', "the broker's published keys (/.well-known/openib-ledger-keys.json)")
  .option('--json', 'the full result as JSON')
  .action(async (opts: Record<string, string | boolean | undefined>) => {
    // The same code as tools/openib-verify.mjs, which runs on its own with nothing but Node.
    const { main } = await import('../../tools/openib-verify.mjs');
    const argv = Object.entries(opts).flatMap(([k, v]) => (v === true ? [`--${k}`] : typeof v === 'string' ? [`--${k}`, v] : []));
    process.exit(await main(argv).catch(fail));
  });

const demo = program.command('demo').description('Demo data');
demo
  .command('load')
  .description('Load the small demo data set (once)')
  .action(async () => {
    const config = loadConfig();
    const ctx = await openPlatform(config).catch(fail);
    try {
      if (await demoLoaded(ctx.db)) process.stdout.write('Demo data is already loaded.\n');
      else {
        await loadDemo(ctx.db, { settings: ctx.config });
        process.stdout.write(`Demo data loaded. API client: ${DEMO_CLIENT.id} / ${DEMO_CLIENT.secret}\n`);
      }
    } finally {
      await ctx.db.close();
    }
  });

demo
  .command('generate')
  .description('Generate a large deterministic broker (partners, clients, deposits, trading) through the bulk ingest paths, then build the report rollups')
  .option('--partners <n>', 'partners in the IB tree', '5000')
  .option('--depth <n>', 'levels of the tree', '5')
  .option('--customers <n>', 'clients', '100000')
  .option('--days <n>', 'days of history up to --until', '365')
  .option('--seed <n>', 'random seed: the same seed gives the same data', '42')
  .option('--until <date>', 'last business date (default today)')
  .option('--prefix <text>', 'prefix of generated ids', 'gen')
  .option('--no-rollups', 'leave the report rollups to a later `openib rollups rebuild`')
  .action(async (opts: Record<string, string> & { rollups?: boolean }) => {
    const config = loadConfig();
    const ctx = await openPlatform(config).catch(fail);
    const int = (name: string) => {
      const n = Number(opts[name]);
      if (!Number.isInteger(n) || n < 1) fail(new Error(`--${name} must be a positive whole number`));
      return n;
    };
    try {
      const progress = progressLine({ isTTY: Boolean(process.stderr.isTTY), write: (text) => process.stderr.write(text) });
      const out = await generateBroker(ctx.db, {
        partners: int('partners'), depth: int('depth'), customers: int('customers'), days: int('days'), seed: int('seed'), until: opts.until, prefix: opts.prefix, onProgress: progress,
      });
      const built = opts.rollups === false ? undefined : (progress('building report rollups'), await rebuildRollups(ctx.db, config.brokerTimeZone));
      progress.done();
      process.stdout.write(`Generated ${out.partners} partners, ${out.customers} clients, ${out.transactions} transactions, ${out.activity} activity rows; ${built ? `rollups built in ${built.seconds.toFixed(1)} s` : 'rollups not built'}.\n`);
    } catch (err) {
      fail(err);
    } finally {
      await ctx.db.close();
    }
  });

program
  .command('rollups')
  .description('Report rollups')
  .command('rebuild')
  .description('Rebuild every report rollup from the facts (the worker keeps them current afterwards)')
  .action(async () => {
    const config = loadConfig();
    const ctx = await openPlatform(config).catch(fail);
    try {
      const r = await rebuildRollups(ctx.db, config.brokerTimeZone);
      process.stdout.write(`Rebuilt rollups of ${r.partners} partners (${r.daily} partner-days, ${r.customers} clients) in ${r.seconds.toFixed(1)} s.\n`);
    } catch (err) {
      fail(err);
    } finally {
      await ctx.db.close();
    }
  });

const keys = program.command('keys').description('Encryption keys of personal data and secrets (docs/privacy.md)');
keys
  .command('generate')
  .description('Print a new key entry for OPENIB_ENCRYPTION_KEYS (put it first to make it the active key)')
  .option('--id <id>', 'key id (letters, digits, _ or -); default k<today>')
  .action((opts: { id?: string }) => {
    try {
      const entry = generateKeyEntry(opts.id);
      parseKeyList(entry);
      process.stdout.write(`${entry}\n`);
      process.stderr.write('Add it in front of OPENIB_ENCRYPTION_KEYS (keep the older keys after it), restart, then run `openib keys rotate`.\n');
    } catch (err) {
      fail(err);
    }
  });
keys
  .command('status')
  .description('Show the active key, the keys in the ring, values still under older keys and the last rotation')
  .option('--json', 'print the status as JSON')
  .action(async (opts: { json?: boolean }) => {
    const ctx = await openPlatform(loadConfig()).catch(fail);
    try {
      const s = await keyStatus(ctx.db);
      if (opts.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      else {
        const pending = Object.entries(s.pending).filter(([, n]) => n > 0);
        const lines = [
          `active key:  ${s.active_key_id} (${s.key_source})`,
          `key ring:    ${s.key_ids.join(', ')}`,
          `hash key:    ${s.hash_key_id}`,
          `values:      ${Object.entries(s.by_key).map(([k, n]) => `${k}=${n}`).join(' ') || 'none'}`,
          `to rotate:   ${pending.length ? pending.map(([t, n]) => `${t}=${n}`).join(' ') : 'nothing (every value is under the active key)'}`,
        ];
        if (s.rotation)
          lines.push(`rotation #${s.rotation.id}: ${s.rotation.status} to ${s.rotation.target_key_id}, ${s.rotation.rewritten} rows re-sealed${s.rotation.table ? `, at ${s.rotation.table}` : ''}${s.rotation.error ? ` (${s.rotation.error})` : ''}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    } catch (err) {
      fail(err);
    } finally {
      await ctx.db.close();
    }
  });
keys
  .command('rotate')
  .description('Re-encrypt every value under the active key, in batches; resumable (run it again to continue)')
  .option('--background', 'only start the rotation; the running workers do it (follow with `openib keys status`)')
  .option('--full', 'also re-seal values already under the active key and recompute every keyed hash (after OPENIB_HASH_KEY changed)')
  .action(async (opts: { background?: boolean; full?: boolean }) => {
    const ctx = await openPlatform(loadConfig()).catch(fail);
    try {
      const { id, started } = await startRotation(ctx.db, 'cli', opts.full ?? false);
      process.stderr.write(`${started ? 'Started' : 'Continuing'} rotation #${id} to key ${keyRing().active.id}.\n`);
      if (!opts.background) {
        let n = 0;
        while (await rotateBatch(ctx.db)) process.stderr.write(`\rbatch ${++n}\x1b[K`);
        const s = await keyStatus(ctx.db);
        process.stderr.write('\n');
        if (s.rotation?.status === 'failed') throw new Error(`rotation failed: ${s.rotation.error}`);
        process.stdout.write(`Rotation #${id} ${s.rotation?.status}: ${s.rotation?.rewritten ?? 0} rows re-sealed under ${s.active_key_id}.\n`);
      }
    } catch (err) {
      fail(err);
    } finally {
      await ctx.db.close();
    }
  });

await program.parseAsync(process.argv).catch(fail);
