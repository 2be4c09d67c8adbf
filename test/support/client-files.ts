/** Reading the credentials files `vbs serve` writes, the way OpenStack clients read them. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { parse } from 'yaml';

export interface CloudAuth {
  auth_url: string;
  username: string;
  password: string;
  project_name: string;
  user_domain_name: string;
  project_domain_name: string;
}

/** The `vbs` cloud of a clouds.yaml. */
export function readCloudsYaml(file: string): { auth: CloudAuth; region_name: string } {
  const doc = parse(fs.readFileSync(file, 'utf8')) as { clouds?: Record<string, { auth: CloudAuth; region_name: string }> };
  const cloud = doc.clouds?.vbs;
  if (!cloud) throw new Error(`${file} has no cloud "vbs"`);
  return cloud;
}

/** The OS_* variables an openrc file exports, as a shell that sources it sees them. */
export function readOpenrc(file: string): Record<string, string> {
  const script = '. "$1" && exec "$2" -e "process.stdout.write(JSON.stringify(process.env))"';
  const env = JSON.parse(execFileSync('sh', ['-c', script, 'sh', file, process.execPath], { env: { PATH: process.env.PATH ?? '' } }).toString()) as Record<string, string>;
  return Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('OS_')));
}
