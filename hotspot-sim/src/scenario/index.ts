// Scenario-driven runs: the scenario format, its validation and loading, the population a
// scenario describes, the run itself and its ground truth. README.md "Scenarios" is the reference.
export { SCENARIO_FORMAT, SCENARIO_VERSION, SCENARIO_DEFAULTS, type Scenario } from './format.ts';
export { validateScenario, MAX_AREA_RADIUS_KM, MAX_SCENARIO_SPEED } from './validate.ts';
export { loadScenario, builtinScenarios, ScenarioNotFound, BUILTIN_SCENARIO_DIR } from './load.ts';
export { ScenarioInvalid } from './check.ts';
export { drawDist, distBounds, type Dist } from './dist.ts';
export { createArea, placeInArea, offsetPoint, cellCentre, type Area, type AreaSpec } from './area.ts';
export { buildPopulation, behaviourCounts, type Population, type PopulationHotspot, type PopulationRadio } from './population.ts';
export { buildTruth, writeTruth, TruthWriteFailed } from './truth.ts';
export { runScenario, type ScenarioRun, type ScenarioRunOptions, type ScenarioStats, type BehaviourStats, type SimEvent } from './run.ts';
export { createAir, type Air, type AirRadio, type Transmitter, type Transmission } from './air.ts';
export { gpsUplink, readGpsUplink, dataUplink, UPLINK_DATARATE, type Uplink } from './actors.ts';
