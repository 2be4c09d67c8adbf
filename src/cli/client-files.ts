import fs from 'node:fs';
import path from 'node:path';

export interface AdminCredentials {
  authUrl: string;
  region: string;
  username: string;
  password: string;
  projectName: string;
  /** The compute quota endpoint `quota show` reads (see routes/compute-quotas.ts). */
  computeUrl: string;
}

function yamlQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function writePrivate(file: string, text: string): void {
  // Written whole under a temporary name, so a crash never leaves half a credentials file.
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** clouds.yaml (cloud "vbs") and admin-openrc.sh for the bootstrap admin, both mode 0600. */
export function writeClientFiles(dataDir: string, c: AdminCredentials): { cloudsYaml: string; openrc: string } {
  const cloudsYaml = path.join(dataDir, 'clouds.yaml');
  const openrc = path.join(dataDir, 'admin-openrc.sh');
  writePrivate(
    cloudsYaml,
    [
      'clouds:',
      '  vbs:',
      '    auth:',
      `      auth_url: ${yamlQuote(c.authUrl)}`,
      `      username: ${yamlQuote(c.username)}`,
      `      password: ${yamlQuote(c.password)}`,
      `      project_name: ${yamlQuote(c.projectName)}`,
      "      user_domain_name: 'Default'",
      "      project_domain_name: 'Default'",
      `    region_name: ${yamlQuote(c.region)}`,
      '    interface: public',
      // The catalogue has no image service; without this openstackclient's `volume create` looks one up and fails.
      '    has_image: false',
      // openstackclient's `quota show` needs a compute client; the service answers its empty quota set.
      `    compute_endpoint_override: ${yamlQuote(c.computeUrl)}`,
      '    identity_api_version: 3',
      "    volume_api_version: '3'",
      '',
    ].join('\n'),
  );
  writePrivate(
    openrc,
    [
      '# Credentials of the Volume Backup Service administrator: source this file.',
      `export OS_AUTH_URL=${shellQuote(c.authUrl)}`,
      `export OS_USERNAME=${shellQuote(c.username)}`,
      `export OS_PASSWORD=${shellQuote(c.password)}`,
      `export OS_PROJECT_NAME=${shellQuote(c.projectName)}`,
      'export OS_USER_DOMAIN_NAME=Default',
      'export OS_PROJECT_DOMAIN_NAME=Default',
      `export OS_REGION_NAME=${shellQuote(c.region)}`,
      'export OS_INTERFACE=public',
      'export OS_IDENTITY_API_VERSION=3',
      'export OS_VOLUME_API_VERSION=3',
      '',
    ].join('\n'),
  );
  return { cloudsYaml, openrc };
}
