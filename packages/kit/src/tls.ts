import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import { ConfigInvalid } from './config.ts';

type Env = Record<string, string | undefined>;

/**
 * How every service verifies (and, with a client certificate, authenticates to) an external MQTT
 * broker reached over `mqtts://`. PEM text, not Buffers, so a frozen config can hold it.
 * Verification is always on: there is deliberately no way to turn it off.
 */
export interface BrokerTls {
  /** BROKER_TLS_CA: the CA that signed the broker's certificate; unset = Node's system CAs. */
  ca?: string | undefined;
  /** BROKER_TLS_CERT + BROKER_TLS_KEY: a client certificate (mutual TLS). */
  cert?: string | undefined;
  key?: string | undefined;
  /** BROKER_TLS_SERVERNAME: the name to send (SNI) and check the certificate against, when it is not the URL's host. */
  servername?: string | undefined;
}

const readPem = (env: Env, name: string, what: string): string | undefined => {
  const file = env[name];
  if (file === undefined || file === '') return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw ConfigInvalid(`${name}=${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ${what}`, { setting: name }, err);
  }
  if (!text.includes('-----BEGIN ')) throw ConfigInvalid(`${name}=${file} is not a PEM file: ${what}`, { setting: name });
  return text;
};

/** Reads BROKER_TLS_* once at start-up; a missing, unreadable or unusable file is CONFIG_INVALID naming the variable. */
export function loadBrokerTls(env: Env = process.env): BrokerTls {
  const ca = readPem(env, 'BROKER_TLS_CA', 'the broker certificate could not be verified');
  const cert = readPem(env, 'BROKER_TLS_CERT', 'no client certificate to present to the broker');
  const key = readPem(env, 'BROKER_TLS_KEY', 'no client key to present to the broker');
  if (Boolean(cert) !== Boolean(key)) throw ConfigInvalid('BROKER_TLS_CERT and BROKER_TLS_KEY must be set together (a client certificate needs its key)', { setting: cert ? 'BROKER_TLS_KEY' : 'BROKER_TLS_CERT' });
  // Parse now, so a bad PEM stops start-up instead of failing every connection attempt.
  if (ca) {
    try {
      createSecureContext({ ca });
    } catch (err) {
      throw ConfigInvalid(`BROKER_TLS_CA=${env.BROKER_TLS_CA} holds no usable CA certificate (${(err as Error).message})`, { setting: 'BROKER_TLS_CA' }, err);
    }
  }
  if (cert && key) {
    try {
      createSecureContext({ cert, key });
    } catch (err) {
      throw ConfigInvalid(`BROKER_TLS_CERT/BROKER_TLS_KEY are not a usable certificate and key pair (${(err as Error).message})`, { setting: 'BROKER_TLS_CERT' }, err);
    }
  }
  const servername = env.BROKER_TLS_SERVERNAME || undefined;
  return { ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}), ...(servername ? { servername } : {}) };
}

/** What `tls.connect` and mqtt.js take (both accept PEM strings); `rejectUnauthorized` is never false. */
export interface BrokerTlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: true;
}

/** True for the URL schemes that mean TLS to the broker (mqtt.js: mqtts, ssl, tls, wss). */
export function isTlsBrokerUrl(url: string): boolean {
  return /^(mqtts|ssl|tls|wss):/i.test(url);
}

/**
 * The options for `tls.connect` (and mqtt.js, which passes them on) to reach `url`, or undefined
 * when the URL is plain `mqtt://`. The URL's host name is sent as SNI (brokers behind a TLS
 * router need it); an IP address is checked against the certificate's IP entries.
 */
export function brokerTlsOptions(url: string, settings: BrokerTls): BrokerTlsOptions | undefined {
  if (!isTlsBrokerUrl(url)) return undefined;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const servername = settings.servername ?? (isIP(host) === 0 ? host : undefined);
  return {
    ...(settings.ca ? { ca: settings.ca } : {}),
    ...(settings.cert && settings.key ? { cert: settings.cert, key: settings.key } : {}),
    ...(servername ? { servername } : {}),
    rejectUnauthorized: true,
  };
}
