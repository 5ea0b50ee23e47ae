export { createEntropyPublisher, deriveEntropy, randomEntropySource, type EntropySource, type EntropyRecord } from './entropy.ts';
