// Docker has no engine on these machines: docker-compose.yml and the Dockerfile are checked
// statically here, against the repository itself (README's configuration table, the CLI's commands).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

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
    expect(names).toEqual(expect.arrayContaining(['timescaledb', 'mosquitto', 'ingest-1', 'ingest-2', 'poc', 'rewards', 'maps', 'proxy', 'sim']));
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
    expect(a.INGEST_BROKER_URL).toMatch(/^mqtt:\/\/mosquitto:1883$/);
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
});
