import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@hexlight/kit';

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL cluster of this machine's binaries: `initdb` into a temp dir, a free
 * port on 127.0.0.1, its socket in the temp dir. The machine's shared server is never touched.
 * initdb and pg_ctl refuse to run as root: then they run as `postgres` (runuser), which owns
 * the temp dir.
 */
export interface PgCluster {
  readonly dir: string;
  readonly port: number;
  readonly version: string;
  /** postgres://postgres@127.0.0.1:<port>/<db> */
  url(db: string): string;
  createDb(name: string): Promise<void>;
  start(): Promise<void>;
  /** `pg_ctl stop -m immediate`: every backend killed at once, no checkpoint (a crash, as far as clients can tell). */
  stopImmediate(): Promise<void>;
  /** Stops (if running) and deletes the directory; never throws. */
  destroy(): Promise<void>;
}

/** The bin directory of the newest PostgreSQL under /usr/lib/postgresql (or PG_BINDIR), or null. */
export async function findPgBinDir(): Promise<string | null> {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  try {
    const versions = (await readdir('/usr/lib/postgresql')).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // no Debian layout
  }
  for (const dir of candidates) {
    try {
      await access(join(dir, 'initdb'));
      await access(join(dir, 'pg_ctl'));
      await access(join(dir, 'postgres'));
      return dir;
    } catch {
      // next
    }
  }
  return null;
}

export async function startPgCluster(binDir: string): Promise<PgCluster> {
  const isRoot = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | undefined;
  if (isRoot) {
    const { stdout: uid } = await run('id', ['-u', 'postgres']).catch(() => {
      throw new Error('running as root and there is no `postgres` user to run initdb/pg_ctl as (they refuse root)');
    });
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    owner = { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  }
  // As the cluster's owner: directly, or through runuser when we are root.
  const asOwner = (bin: string, args: string[]) =>
    isRoot ? run('runuser', ['-u', 'postgres', '--', join(binDir, bin), ...args]) : run(join(binDir, bin), args);

  const dir = await mkdtemp(join(tmpdir(), 'hexlight-pg-'));
  if (owner) await chown(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  let running = false;
  let port = 0;
  const { stdout: versionOut } = await run(join(binDir, 'postgres'), ['--version']);

  const cluster: PgCluster = {
    dir,
    get port() {
      return port;
    },
    version: versionOut.trim(),
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    async createDb(name) {
      await run(join(binDir, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name]);
    },
    async start() {
      // fsync stays on: "committed" has to mean what it means in production.
      await asOwner('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
      running = true;
    },
    async stopImmediate() {
      await asOwner('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      running = false;
    },
    async destroy() {
      if (running) await asOwner('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      running = false;
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };

  try {
    await asOwner('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    // A free port can be taken between the probe and the server's bind: try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await cluster.start();
        return cluster;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
}
