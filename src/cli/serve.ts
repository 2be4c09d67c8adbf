import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig } from '../common/config.js';
import { systemClock } from '../common/clock.js';
import { createServices } from '../container.js';
import { buildApp } from '../http/app.js';
import { COMPUTE_QUOTA_PREFIX } from '../http/routes/compute-quotas.js';
import { writeClientFiles } from './client-files.js';
import { CliError } from './errors.js';

function ensureWritableDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.unlinkSync(probe);
  } catch (err) {
    throw new CliError(`data directory ${dir} is not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The one line a failure to take the address says, or the error itself when it is no such failure. */
function listenError(err: unknown, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new CliError(`port ${port} on ${host} is already in use`);
  if (code === 'EACCES') return new CliError(`not allowed to listen on ${host}:${port}`);
  if (code === 'EADDRNOTAVAIL') return new CliError(`address ${host} is not available on this machine`);
  return err as Error;
}

/** Takes the address for a moment and lets it go: a start that cannot listen fails before it writes anything. */
function checkAddress(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err) => reject(listenError(err, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * `vbs serve`: the HTTP service on the configured database and store, until SIGTERM/SIGINT.
 * It listens last: whoever gets an answer (a probe, a first login) meets a service that is set
 * up, with its admin and client files there, and job workers running.
 */
export async function serve(): Promise<void> {
  const config = loadConfig();
  ensureWritableDir(config.dataDir);
  const log = pino({ level: config.logLevel });
  const services = await createServices(config, systemClock, log);
  const app = await buildApp(services, { logger: log });
  try {
    await checkAddress(config.host, config.port);
  } catch (err) {
    await services.close();
    throw err;
  }
  const password = config.adminPassword ?? randomBytes(18).toString('base64url');
  if (await services.identity.bootstrap(password)) {
    const files = writeClientFiles(config.dataDir, {
      authUrl: `${config.publicUrl}/identity/v3`,
      region: config.region,
      username: 'admin',
      password,
      projectName: 'admin',
      computeUrl: `${config.publicUrl}${COMPUTE_QUOTA_PREFIX}`,
    });
    console.log(`vbs: bootstrapped user "admin" in project "admin"; credentials written to ${files.cloudsYaml} (cloud "vbs") and ${files.openrc}`);
  }

  services.runner.start();
  services.scheduler.start();
  services.serviceRegistry.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal, node: config.nodeName, drain_seconds: config.drainSeconds }, 'draining requests and jobs, then stopping');
    // From now on this node claims no job; its running ones get VBS_DRAIN_SECONDS to finish.
    const drained = services.runner.stop(config.drainSeconds * 1000);
    // A keep-alive connection that goes idle once its request is answered would otherwise hold the
    // exit until the client hangs up; close such connections as soon as they are idle.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    await app.close();
    clearInterval(sweep);
    await drained;
    await services.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await services.close();
    throw listenError(err, config.host, config.port);
  }
  console.log(`vbs: serving on ${config.publicUrl} (data in ${config.dataDir}, database ${services.database.dialect})`);
}
