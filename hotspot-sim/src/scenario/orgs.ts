import { createHash } from 'node:crypto';
import type { Logger } from '@hexlight/kit';
import { mapLimit } from '../concurrency.ts';

// The organisations a scenario's devices belong to (services/rewards accounts API), so the network
// routes their uplinks and buys them: one for the mappers (many copies per uplink: a mapper wants
// every hotspot that heard it), one for the sensors, one for the data-credit farmers' own devices.
// Each signs up, takes a DevAddr block from the network's pool, registers its devices and pays for
// Data Credits the way a customer does: a checkout, completed on the embedded test provider's page.
// When the network takes real card payments (Stripe) the simulator cannot pay; with an admin token
// it asks for an operator grant instead, else its packets are stored but not bought.

export interface OrgPlan {
  /** Shown in the API; also seeds the devices' DevEUIs. */
  name: string;
  multiBuy: number;
  devices: number;
  /** DC to buy (at least the provider's minimum purchase). */
  dc: number;
}

export interface ProvisionedOrg {
  id: string;
  apiKey: string;
  name: string;
  /** One DevAddr per device, in device order. */
  devAddrs: number[];
  /** How its DC arrived: a paid checkout, an operator grant, or not at all. */
  funded: 'purchase' | 'grant' | 'none';
  dc: number;
}

export interface ProvisionOptions {
  adminToken?: string;
  log?: Logger;
  fetch?: typeof fetch;
}

/** The network answered a provisioning call with an error (status 0: unreachable). */
export class OrgProvisionError extends Error {
  constructor(readonly call: string, readonly status: number, readonly body: string) {
    super(`${call}: ${status === 0 ? 'unreachable' : `HTTP ${status}`} ${body.slice(0, 300)}`);
  }
}

const TEST_CHECKOUT_PATH = '/v1/payments/test/checkout/';
/** DC a simulated organisation buys by default: $10. */
export const DEFAULT_ORG_DC = 1_000_000;

export async function provisionOrg(apiUrl: string, plan: OrgPlan, opts: ProvisionOptions = {}): Promise<ProvisionedOrg> {
  const base = apiUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const call = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const url = path.startsWith('http') ? path : `${base}${path}`;
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new OrgProvisionError(`${method} ${path}`, 0, (err as Error).message);
    }
    const text = await res.text();
    if (!res.ok) throw new OrgProvisionError(`${method} ${path}`, res.status, text);
    return (text ? JSON.parse(text) : null) as T;
  };

  const signup = await call<{ org: { id: string }; api_key: string }>('POST', '/v1/orgs', { name: plan.name, multi_buy: plan.multiBuy });
  const auth = { authorization: `Bearer ${signup.api_key}` };
  const devAddrs: number[] = [];
  if (plan.devices > 0) {
    const range = await call<{ start: string }>('POST', '/v1/orgs/me/ranges', { size: plan.devices }, auth);
    const start = Number.parseInt(range.start, 16);
    for (let i = 0; i < plan.devices; i++) devAddrs.push((start + i) >>> 0);
    await mapLimit(devAddrs, 8, (devAddr, i) => call('POST', '/v1/orgs/me/devices', {
      dev_eui: devEui(plan.name, i), dev_addr: devAddr.toString(16).padStart(8, '0'), name: `${plan.name} #${i + 1}`,
    }, auth));
  }

  let funded: ProvisionedOrg['funded'] = 'none';
  if (plan.dc > 0) {
    const checkout = await call<{ url: string }>('POST', '/v1/orgs/me/purchases', { dc: plan.dc }, auth);
    if (new URL(checkout.url).pathname.startsWith(TEST_CHECKOUT_PATH)) {
      await call('POST', checkout.url, { action: 'pay' });
      funded = 'purchase';
    } else if (opts.adminToken) {
      await call('POST', `/v1/admin/orgs/${signup.org.id}/grants`, { dc: plan.dc, ref: `sim:${plan.name}:${Date.now()}` }, { authorization: `Bearer ${opts.adminToken}` });
      funded = 'grant';
    } else {
      opts.log?.warn({ org: signup.org.id, checkout: checkout.url }, 'sim.org.unfunded: the network takes real payments; pass an admin token for a grant');
    }
  }
  opts.log?.info({ org: signup.org.id, name: plan.name, devices: plan.devices, funded, dc: plan.dc }, 'sim.org.provisioned');
  return { id: signup.org.id, apiKey: signup.api_key, name: plan.name, devAddrs, funded, dc: funded === 'none' ? 0 : plan.dc };
}

/** A device's DevEUI: 8 bytes of SHA-256 over the org name and index, locally administered. */
export function devEui(orgName: string, index: number): string {
  const h = createHash('sha256').update(`hexlight-sim:v1:device:${orgName}:${index}`).digest();
  h[0] = (h[0]! & 0xfe) | 0x02; // unicast, locally administered (no vendor OUI)
  return h.subarray(0, 8).toString('hex');
}
