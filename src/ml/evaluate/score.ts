/** One model's test predictions as its test score: accuracy, per-class accuracy, confusion and its largest pairs. */
import { TestScoreSchema, type TestScore } from '../metrics/schemas.ts';
import { accuracy, confusionMatrix, mostConfused, perClassAccuracy } from './metrics.ts';

export interface TestOutcome {
  labels: ArrayLike<number>;
  predicted: ArrayLike<number>;
  loss: number;
}

export function testScore(id: string, backend: string, test: TestOutcome, names: readonly string[], top: number): TestScore {
  const confusion = confusionMatrix(test.labels, test.predicted, names.length);
  return TestScoreSchema.parse({
    id,
    backend,
    test_images: test.labels.length,
    test_accuracy: accuracy(confusion),
    test_loss: test.loss,
    per_class: perClassAccuracy(confusion, names),
    confusion,
    most_confused: mostConfused(confusion, names, top),
  });
}
