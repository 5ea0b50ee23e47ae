export * from './epoch/index.ts';
