// Docker has no engine on these machines: docker-compose.yml and the Dockerfile are checked
// statically here, against the repository itself (README's configuration table, the CLI's commands).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { SECRET_VARIABLES } from '@hexlight/kit';
import { HOOK_PATHS } from '@hexlight/ingest';

const ROOT = resolve(import.meta.dirname, '../../..');
const read = (p: string) => readFileSync(resolve(ROOT, p), 'utf8');

interface ComposeService {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string | string[];
  depends_on?: Record<string, unknown> | string[];
  healthcheck?: { test: string[] };
  ports?: string[];
  volumes?: string[];
  secrets?: string[];
  profiles?: string[];
  restart?: string;
  entrypoint?: string[];
  networks?: Record<string, { aliases?: string[] } | null> | string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file: string }>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const services = Object.entries(compose.services);
const isApp = (s: ComposeService) => s.image === 'hexlight:latest';
const apps = services.filter(([, s]) => isApp(s));

/** Variables the README's "Configuration" table documents (every backticked NAME in a row's first cell). */
function documentedVariables(): Set<string> {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const first = /^\| ([^|]+) \|/.exec(line)?.[1] ?? '';
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(m[1]!);
  }
  return names;
}

/** The subcommands bin/hexlight.js dispatches (packages/cli/src/main.ts). */
function cliCommands(): Set<string> {
  const main = read('packages/cli/src/main.ts');
  return new Set([...main.matchAll(/^\s+([a-z-]+): \(\) => import\('\.\/commands\//gm)].map((m) => m[1]!));
}

const runsHexlight = (cmd: readonly string[], commands: Set<string>) =>
  cmd[0] === 'node' && cmd[1] === 'packages/cli/bin/hexlight.js' && existsSync(resolve(ROOT, cmd[1])) && commands.has(cmd[2]!);

describe('docker-compose.yml (static)', () => {
  it('has the topology of issue 8', () => {
    const names = Object.keys(compose.services);
    expect(names).toEqual(expect.arrayContaining(['timescaledb', 'emqx', 'ingest-1', 'ingest-2', 'poc', 'rewards', 'maps', 'proxy', 'sim']));
    expect(compose.services.timescaledb!.image).toBe('timescale/timescaledb:latest-pg16');
    expect(compose.services.sim!.profiles).toEqual(['sim']);
  });

  it('every service has an image or a build that exists', () => {
    for (const [name, s] of services) {
      // An image name with a tag, or a build whose Dockerfile exists (checked below).
      if (!s.build) expect(s.image, name).toMatch(/^[a-z0-9./-]+:[\w.-]+$/);
      if (s.build) expect(existsSync(resolve(ROOT, typeof s.build === 'string' ? s.build : s.build.context, 'Dockerfile')), name).toBe(true);
    }
  });

  it('every depends_on target, named volume, secret file and mounted config exists', () => {
    for (const [name, s] of services) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) expect(compose.services, `${name} depends on ${d}`).toHaveProperty([d]);
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.')) expect(existsSync(resolve(ROOT, source)), `${name} mounts ${source}`).toBe(true);
        else expect(compose.volumes, `${name} uses volume ${source}`).toHaveProperty([source]);
      }
      for (const sec of s.secrets ?? []) expect(compose.secrets, `${name} uses secret ${sec}`).toHaveProperty([sec]);
    }
    // Secret files are the operator's (git-ignored); their directory is what the file names.
    for (const [, sec] of Object.entries(compose.secrets ?? {})) expect(sec.file.startsWith('deploy/secrets/')).toBe(true);
  });

  it('app services set only variables README "Configuration" documents, and no secret inline', () => {
    const documented = documentedVariables();
    expect(documented.has('DATABASE_URL')).toBe(true);
    const example = read('deploy/hexlight.env.example').split('\n').map((l) => /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(l)?.[1]).filter((v): v is string => !!v);
    for (const v of example) expect(documented, `deploy/hexlight.env.example sets ${v}`).toContain(v);
    for (const [name, s] of apps) {
      expect(s.env_file, name).toBe('deploy/hexlight.env');
      for (const [k, v] of Object.entries(s.environment ?? {})) {
        // A secret as a file (kit resolveSecretFiles): a docker secret the service mounts.
        const secretFile = k.endsWith('_FILE') && (SECRET_VARIABLES as readonly string[]).includes(k.slice(0, -5));
        if (secretFile) {
          expect(documented, `${name} sets ${k}`).toContain(k.slice(0, -5));
          expect(String(v), `${name}: ${k}`).toMatch(/^\/run\/secrets\/[a-z_]+$/);
          expect(s.secrets, `${name}: ${k} names a secret it mounts`).toContain(String(v).slice('/run/secrets/'.length));
          continue;
        }
        expect(documented, `${name} sets ${k}`).toContain(k);
        expect(/PASSWORD|SECRET|TOKEN/.test(k) || /:\/\/[^/@]+:[^/@]+@/.test(String(v)), `${name}: ${k} inline secret`).toBe(false);
      }
    }
  });

  it('long-running services have healthchecks; the app ones hit /readyz', () => {
    for (const [name, s] of services) {
      if (s.restart === 'no') continue; // one-shot jobs (migrate, sim)
      expect(s.healthcheck?.test?.[0], name).toMatch(/^CMD(-SHELL)?$/);
      expect(s.healthcheck!.test.length, name).toBeGreaterThan(1);
      if (isApp(s)) expect(s.healthcheck!.test.join(' '), name).toContain('/readyz');
    }
    expect(compose.services.timescaledb!.healthcheck!.test.join(' ')).toContain('pg_isready');
  });

  it('the two ingest workers share one subscription group on the external broker, with their own session ids', () => {
    const [a, b] = [compose.services['ingest-1']!.environment!, compose.services['ingest-2']!.environment!];
    expect(a.INGEST_BROKER_URL).toBe('mqtt://emqx:1884'); // EMQX's internal listener (deploy/emqx/emqx.conf)
    expect(b.INGEST_BROKER_URL).toBe(a.INGEST_BROKER_URL);
    expect(a.INGEST_SHARE_GROUP).toBe('ingest');
    expect(b.INGEST_SHARE_GROUP).toBe(a.INGEST_SHARE_GROUP);
    expect(a.INGEST_CLIENT_ID).not.toBe(b.INGEST_CLIENT_ID);
  });

  it('published host ports do not collide', () => {
    const hostPorts = services.flatMap(([, s]) => (s.ports ?? []).map((p) => p.split(':').slice(-2, -1)[0]));
    expect(hostPorts.length).toBeGreaterThan(0);
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  it('every app container and the Dockerfile run a real hexlight command', () => {
    const commands = cliCommands();
    expect(commands.has('ingest')).toBe(true);
    for (const [name, s] of apps) expect(runsHexlight(s.command ?? [], commands), `${name}: ${s.command?.join(' ')}`).toBe(true);
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(runsHexlight(cmd, commands)).toBe(true);
  });

  it('the proxy config it mounts sends traffic to the maps service', () => {
    const proxy = compose.services.proxy!;
    const conf = proxy.volumes!.find((v) => v.includes('nginx'))!.split(':')[0]!;
    expect(read(conf)).toMatch(/proxy_pass \$maps;/);
    expect(read(conf)).toContain('http://maps:8080');
  });

  it('the proxy refuses the admin API, the broker hooks, metrics and readiness, and serves TLS from deploy/secrets', () => {
    const proxy = compose.services.proxy!;
    const conf = read(proxy.volumes!.find((v) => v.includes('nginx'))!.split(':')[0]!);
    for (const refused of ['location ^~ /v1/admin { return 404; }', 'location ^~ /v1/broker { return 404; }', 'location = /metrics { return 404; }', 'location = /readyz { return 404; }']) {
      expect(conf).toContain(refused);
    }
    expect(conf).toMatch(/^\s*listen 443 ssl;$/m);
    expect(proxy.ports).toContain('443:443');
    for (const [directive, secret] of [['ssl_certificate', 'https_cert'], ['ssl_certificate_key', 'https_key']] as const) {
      expect(conf).toMatch(new RegExp(`^\\s*${directive} /run/secrets/${secret};$`, 'm'));
      expect(proxy.secrets).toContain(secret);
      expect(compose.secrets![secret]!.file).toMatch(/^deploy\/secrets\//);
    }
  });
});

describe('EMQX and the ingest auth hooks (static)', () => {
  const emqx = compose.services.emqx!;
  const confMount = emqx.volumes!.find((v) => v.endsWith(':/opt/emqx/etc/emqx.conf:ro'))!;
  const emqxConf = read(confMount.split(':')[0]!);
  const entrypoint = read('deploy/emqx/entrypoint.sh');
  const ingestWorkers = ['ingest-1', 'ingest-2'].map((n) => compose.services[n]!);
  /** `url = "…"` of the block that follows `marker` (the authentication chain, the authorization sources). */
  const hookUrl = (marker: string) => {
    const m = new RegExp(`${marker}[\\s\\S]*?url = "([^"]+)"`).exec(emqxConf);
    expect(m, marker).not.toBeNull();
    return new URL(m![1]!);
  };

  it('runs an exact EMQX 5.8 tag with a data volume, a real health check, and the dashboard on loopback only', () => {
    expect(emqx.image).toMatch(/^emqx\/emqx:5\.8\.\d+$/);
    expect(emqx.volumes).toContain('emqx-data:/opt/emqx/data');
    expect(compose.volumes).toHaveProperty(['emqx-data']);
    expect(emqx.healthcheck!.test.join(' ')).toContain('emqx ctl status');
    expect(emqx.ports).toEqual(expect.arrayContaining(['1883:1883', '8883:8883']));
    for (const p of emqx.ports!) if (p.endsWith(':18083')) expect(p).toBe('127.0.0.1:18083:18083');
    expect(emqxConf).toMatch(/dashboard \{\s*listeners\.http\.bind = 18083/);
  });

  it('authenticates and authorizes through routes the ingest serves, on a name both workers answer to', () => {
    const authn = hookUrl('authentication = \\[');
    const authz = hookUrl('sources = \\[');
    expect(authn.pathname).toBe(HOOK_PATHS.authenticate);
    expect(authz.pathname).toBe(HOOK_PATHS.authorize);
    for (const url of [authn, authz]) {
      expect(url.protocol).toBe('http:');
      for (const w of ingestWorkers) {
        const networks = w.networks as Record<string, { aliases?: string[] }>;
        expect(networks.default?.aliases).toContain(url.hostname);
        expect(w.environment!.HTTP_PORT).toBe(url.port);
      }
    }
    // The alias is the workers' alone: no other service (or service name) answers to it.
    for (const [name, s] of services) {
      if (ingestWorkers.includes(s)) continue;
      expect(name).not.toBe(authn.hostname);
      const aliases = Array.isArray(s.networks) ? [] : Object.values(s.networks ?? {}).flatMap((n) => n?.aliases ?? []);
      expect(aliases, name).not.toContain(authn.hostname);
    }
    expect(emqxConf).toMatch(/mechanism = password_based\s+backend = http/);
    expect(emqxConf).toMatch(/no_match = deny/);
    expect(emqxConf).toMatch(/type = http/);
    // The request bodies are exactly what the hook's schemas accept.
    expect(emqxConf).toMatch(/body \{\s*clientid = "\$\{clientid\}"\s*username = "\$\{username\}"\s*password = "\$\{password\}"\s*peerhost = "\$\{peerhost\}"\s*\}/);
    expect(emqxConf).toMatch(/body \{\s*clientid = "\$\{clientid\}"\s*username = "\$\{username\}"\s*topic = "\$\{topic\}"\s*action = "\$\{action\}"\s*\}/);
  });

  it('keeps the hook token out of the compose file and the HOCON: a docker secret the entrypoint turns into the headers', () => {
    expect(emqxConf.toLowerCase()).not.toMatch(/authorization\s*=/);
    expect(emqxConf).not.toMatch(/Bearer/);
    for (const [k, v] of Object.entries(emqx.environment ?? {})) {
      expect(/TOKEN|PASSWORD|COOKIE|SECRET|AUTHORIZATION/.test(k), k).toBe(false);
      expect(String(v)).not.toMatch(/Bearer/);
    }
    expect(emqx.entrypoint).toEqual(['/bin/sh', '/opt/hexlight/entrypoint.sh']);
    expect(emqx.volumes).toContain('./deploy/emqx/entrypoint.sh:/opt/hexlight/entrypoint.sh:ro');
    expect(emqx.secrets).toContain('broker_hook_token');
    expect(compose.secrets!.broker_hook_token!.file).toBe('deploy/secrets/broker_hook_token');
    expect(entrypoint).toContain('token=$(cat /run/secrets/broker_hook_token)');
    expect(entrypoint).toContain('export EMQX_AUTHENTICATION__1__HEADERS__AUTHORIZATION="\\"Bearer ${token}\\""');
    expect(entrypoint).toContain('export EMQX_AUTHORIZATION__SOURCES__1__HEADERS__AUTHORIZATION="\\"Bearer ${token}\\""');
    // The ingest side reads the same secret file as INGEST_BROKER_HOOK_TOKEN_FILE, on both workers.
    for (const w of ['ingest-1', 'ingest-2']) {
      expect(compose.services[w]!.environment!.INGEST_BROKER_HOOK_TOKEN_FILE).toBe('/run/secrets/broker_hook_token');
      expect(compose.services[w]!.secrets).toContain('broker_hook_token');
    }
    expect(read('deploy/hexlight.env.example')).not.toMatch(/^INGEST_BROKER_HOOK_TOKEN=/m);
  });

  it('serves MQTT over TLS on 8883 with certificate files from deploy/secrets', () => {
    const ssl = /ssl\.default \{\s*bind = "0\.0\.0\.0:8883"[\s\S]*?certfile = "([^"]+)"\s*keyfile = "([^"]+)"/.exec(emqxConf);
    expect(ssl).not.toBeNull();
    for (const path of [ssl![1]!, ssl![2]!]) {
      const secret = /^\/run\/secrets\/(\w+)$/.exec(path)?.[1];
      expect(secret, path).toBeDefined();
      expect(emqx.secrets).toContain(secret);
      expect(compose.secrets![secret!]!.file).toMatch(/^deploy\/secrets\//);
    }
  });

  it('points every broker client at EMQX: workers and services on the internal listener, hotspots on the public one', () => {
    expect(emqxConf).toMatch(/tcp\.internal \{\s*bind = "0\.0\.0\.0:1884"\s*zone = internal/);
    expect(emqx.ports!.some((p) => p.endsWith(':1884'))).toBe(false);
    const example = read('deploy/hexlight.env.example');
    expect(example).toMatch(/^POC_BROKER_URL=mqtt:\/\/poc:[^@]+@emqx:1884$/m);
    expect(example).toMatch(/^MAPS_BROKER_URL=mqtt:\/\/maps:[^@]+@emqx:1884$/m);
    expect(compose.services.sim!.command).toEqual(expect.arrayContaining(['--mqtt', 'mqtt://emqx:1883']));
    expect(read('docker-compose.yml')).not.toMatch(/mosquitto/);
    for (const [name, s] of apps) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      if (s.restart !== 'no') expect(deps, name).toContain('emqx'); // one-shot jobs (migrate; sim waits for ingest-1)
    }
  });
});
