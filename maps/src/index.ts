export { createMaps, type Maps, type MapsDeps } from './service.ts';
export { loadMapsConfig, type MapsConfig } from './config.ts';
export { recomputeAggregates, recordMeasurements, foldReceptions, type AcceptedMeasurement } from './aggregate.ts';
export { refreshEstimates } from './estimate.ts';
export { filterMeasurement, type Measurement } from './filter.ts';
export { readLppGps, readDataUplink } from './lpp.ts';
export { queryHexes, type HexRecord } from './query.ts';
export * from './errors.ts';
export * from './model.ts';
