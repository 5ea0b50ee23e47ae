// Shared by the poc integration tests.
export { bytesToHex } from '@hexlight/protocol';
export { keyOf } from '../src/testkit.ts';
