/**
 * What a stage module and the ML code it calls may use of the engine: defining a stage, the
 * context it runs with, progress and measurements, and the error a user can fix. Stages import
 * this module, never the runner's own files, so the engine can change behind it; its types are
 * defined where the engine implements them and only re-exported here.
 */
export { defineStage } from './pipeline/stage.ts';
export type { Measurements, ProgressUpdate, StageContext, StageDefinition, StageRuntime, MatrixDefinition } from './pipeline/stage.ts';
export { UserError, isUserError } from './pipeline/errors.ts';
export type { Problem } from './pipeline/errors.ts';
