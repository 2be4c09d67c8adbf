import type { Config } from '../common/config.js';
import { systemClock, type Clock } from '../common/clock.js';
import { openDatabase, type DbHandle } from '../db/connect.js';
import { IdentityService } from './identity/identity.js';

/** Every use case of one process, built once over one database. */
export interface Services {
  config: Config;
  clock: Clock;
  database: DbHandle;
  identity: IdentityService;
  close(): Promise<void>;
}

export async function createServices(config: Config, clock: Clock = systemClock): Promise<Services> {
  const database = await openDatabase(config.databaseUrl, config.dataDir);
  const { db } = database;
  const identity = new IdentityService(db, clock, config.tokenTtlSeconds);
  return {
    config,
    clock,
    database,
    identity,
    close: () => database.close(),
  };
}
