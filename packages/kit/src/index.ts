export * from './errors.ts';
export * from './clock.ts';
export * from './logger.ts';
export * from './config.ts';
export * from './lifecycle.ts';
export * from './http.ts';
export * from './net.ts';
export * from './worker.ts';
