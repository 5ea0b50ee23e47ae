import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@hexlight/kit';

const run = promisify(execFile);

/**
 * A throwaway Mosquitto with TLS listeners, for testing the services as clients of an external
 * broker over mqtts://. Everything lives in a temp dir: a test CA, a server certificate for
 * 127.0.0.1/localhost signed by it, a client certificate (mutual TLS), and a second, unrelated CA
 * (the "wrong CA"). Listeners on free ports of 127.0.0.1 only; this machine's own Mosquitto on
 * 1883 is never touched.
 */
export interface TlsMaterial {
  readonly dir: string;
  /** The CA that signed the broker's and the client's certificates. */
  readonly caFile: string;
  /** A CA that signed nothing here: a client trusting only it must refuse the broker. */
  readonly otherCaFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly ca: Buffer;
}

export interface MosquittoTls {
  /** mqtts://127.0.0.1:<port>: TLS, any client (anonymous). */
  readonly url: string;
  /** mqtts://127.0.0.1:<port>: TLS, a client certificate signed by the test CA required. */
  readonly mtlsUrl: string;
  readonly material: TlsMaterial;
  /** Stops the broker and deletes the temp dir; never throws. */
  stop(): Promise<void>;
}

/** The mosquitto binary (MOSQUITTO_BIN, PATH, /usr/sbin), or null when this machine has none. */
export async function findMosquitto(): Promise<string | null> {
  const candidates = [process.env.MOSQUITTO_BIN, ...(process.env.PATH ?? '').split(':').map((d) => d && join(d, 'mosquitto')), '/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto']
    .filter((c): c is string => Boolean(c));
  for (const c of candidates) {
    try {
      await access(c);
      return c;
    } catch {
      // next
    }
  }
  return null;
}

const openssl = (args: string[], cwd: string) => run('openssl', args, { cwd });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function selfSignedCa(dir: string, name: string, cn: string): Promise<void> {
  await openssl(['req', '-x509', ...EC, '-days', '1', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', `${name}.key`, '-out', `${name}.pem`], dir);
}

async function signedBy(dir: string, ca: string, name: string, cn: string, ext: string): Promise<void> {
  await openssl(['req', ...EC, '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  await writeFile(join(dir, `${name}.ext`), `${ext}\nbasicConstraints=CA:FALSE\n`);
  await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '1',
    '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
}

/** CA, server certificate (subjectAltName IP:127.0.0.1, DNS:localhost — Node checks the SAN, not the CN), client certificate, other CA. */
export async function makeTlsMaterial(): Promise<TlsMaterial> {
  const dir = await mkdtemp(join(tmpdir(), 'hexlight-mosquitto-'));
  await selfSignedCa(dir, 'ca', 'Hexlight test broker CA');
  await selfSignedCa(dir, 'other-ca', 'Some other CA');
  await signedBy(dir, 'ca', 'server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth');
  await signedBy(dir, 'ca', 'client', 'hexlight-ingest', 'extendedKeyUsage=clientAuth');
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
    ca: await readFile(join(dir, 'ca.pem')),
  };
}

function waitForPort(port: number, child: ChildProcess, stderr: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`mosquitto exited (${code}) before listening: ${stderr()}`));
    child.once('exit', onExit);
    const attempt = () => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        child.off('exit', onExit);
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) {
          child.off('exit', onExit);
          reject(new Error(`mosquitto not listening on ${port} within ${timeoutMs} ms: ${stderr()}`));
        } else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Starts `mosquitto -c <conf>` with two TLS listeners (anonymous; client certificate required). */
export async function startMosquittoTls(bin: string): Promise<MosquittoTls> {
  const material = await makeTlsMaterial();
  const [port, mtlsPort] = [await freePort(), await freePort()];
  const tlsFiles = [`cafile ${material.caFile}`, `certfile ${material.serverCertFile}`, `keyfile ${material.serverKeyFile}`];
  const conf = [
    // As root, mosquitto would drop to the `mosquitto` user, which cannot read the temp dir.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    'persistence false',
    'allow_anonymous true',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    `listener ${port} 127.0.0.1`,
    ...tlsFiles,
    `listener ${mtlsPort} 127.0.0.1`,
    ...tlsFiles,
    'require_certificate true',
    '',
  ].join('\n');
  const confFile = join(material.dir, 'mosquitto.conf');
  await writeFile(confFile, conf);
  const child = spawn(bin, ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-4000); });
  try {
    await waitForPort(port, child, () => stderr);
    await waitForPort(mtlsPort, child, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(material.dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `mqtts://127.0.0.1:${port}`,
    mtlsUrl: `mqtts://127.0.0.1:${mtlsPort}`,
    material,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      await rm(material.dir, { recursive: true, force: true });
    },
  };
}
