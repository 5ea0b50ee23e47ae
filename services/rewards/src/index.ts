export * from './epoch/index.ts';
export * from './ledger/index.ts';
