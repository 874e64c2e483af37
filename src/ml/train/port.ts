/**
 * What the training loop needs from a model, and nothing more. The loop is written against this
 * port so it can be tested with a tiny pure-JS model; model-adapter.ts binds the real tfjs model.
 */
import type { SavedTensor } from './checkpoint.ts';

export interface StepResult {
  /** Mean loss over the batch. */
  loss: number;
  /** Correctly classified images in the batch (training-mode forward pass). */
  correct: number;
}

export interface TrainableModel {
  /** One optimizer step on a batch: x is [n, rows, cols, 1] in [0, 1]; step is the global 0-based step (seeds dropout). */
  trainStep(x: Float32Array, y: Int32Array, n: number, step: number): Promise<StepResult>;
  /** Class probabilities [n, classes], inference mode. */
  predict(x: Float32Array, n: number): Promise<Float32Array>;
  setLearningRate(lr: number): void;
  paramCount(): number;
  /** Weights and optimizer state, enough to continue training exactly where it stopped. */
  getState(): Promise<SavedTensor[]>;
  setState(tensors: SavedTensor[]): Promise<void>;
}
