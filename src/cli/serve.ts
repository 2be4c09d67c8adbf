import fs from 'node:fs';
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

/** `vbs serve`: the HTTP service on the configured database and store, until SIGTERM/SIGINT. */
export async function serve(): Promise<void> {
  const config = loadConfig();
  ensureWritableDir(config.dataDir);
  const log = pino({ level: config.logLevel });
  const services = await createServices(config, systemClock, log);
  const app = await buildApp(services, { logger: log });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await services.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`port ${config.port} on ${config.host} is already in use`);
    if (code === 'EACCES') throw new CliError(`not allowed to listen on ${config.host}:${config.port}`);
    if (code === 'EADDRNOTAVAIL') throw new CliError(`address ${config.host} is not available on this machine`);
    throw err;
  }
  // Only once the port is ours: a start that fails leaves no credentials naming a dead URL.
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
  console.log(`vbs: serving on ${config.publicUrl} (data in ${config.dataDir}, database ${services.database.dialect})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'draining requests and stopping');
    // A keep-alive connection that goes idle once its request is answered would otherwise hold the
    // exit until the client hangs up; close such connections as soon as they are idle.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    await app.close();
    clearInterval(sweep);
    await services.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
