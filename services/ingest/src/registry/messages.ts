/**
 * The exact strings hotspots and owners sign for the registry (README "Signed messages").
 * UTF-8 bytes of these strings are signed with ed25519; signatures travel as base64.
 */
export function onboardMessage(address: string, owner: string, unixSeconds: number): Uint8Array {
  return Buffer.from(`hexlight-onboard:v1:${address}:${owner}:${unixSeconds}`, 'utf8');
}

export interface AssertionFields {
  nonce: number;
  location: string; // H3 res-12 cell, lower-case hex
  region: string;
  gain: number; // dBi x 10
  elevation: number; // m
  capability: 'full' | 'data_only';
}

export function assertMessage(address: string, a: AssertionFields): Uint8Array {
  return Buffer.from(
    `hexlight-assert:v1:${address}:${a.nonce}:${a.location}:${a.region}:${a.gain}:${a.elevation}:${a.capability}`,
    'utf8',
  );
}
