/**
 * The project's training BatchNorm kernels (FashionBatchNormTrain, FashionBatchNormTrainGrad; see
 * ../kernels/batchnorm.ts for their contract) through oneDNN (native/src/batchnorm.cc). A tensor of
 * any rank is [rows, C] to BatchNorm; rank 4 keeps its N, H, W so oneDNN sees the NHWC layout.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { NativeKernel } from './wrap.ts';
import { withOutputs } from './wrap.ts';

interface Attrs {
  epsilon: number;
  relu: boolean;
}

function bnDims(x: TensorInfo, relu: boolean): Int32Array {
  const c = x.shape[x.shape.length - 1]!;
  const [n, h, w] = x.shape.length === 4 ? x.shape : [x.shape.reduce((a, b) => a * b, 1) / c, 1, 1];
  return Int32Array.from([n!, h!, w!, c, relu ? 1 : 0]);
}

export const batchNormTrain: NativeKernel = ({ inputs, attrs, backend }, addon) => {
  const { epsilon, relu } = attrs as unknown as Attrs;
  const x = inputs['x'] as TensorInfo;
  const c = x.shape[x.shape.length - 1]!;
  const dims = bnDims(x, relu);
  return withOutputs(backend, [x, inputs['gamma'] as TensorInfo, inputs['beta'] as TensorInfo], [x.shape.slice(), [c], [c]], (v) =>
    addon.batchNormForward(v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, dims, epsilon),
  );
};

export const batchNormTrainGrad: NativeKernel = ({ inputs, attrs, backend }, addon) => {
  const { epsilon, relu } = attrs as unknown as Attrs;
  const x = inputs['x'] as TensorInfo;
  const c = x.shape[x.shape.length - 1]!;
  const dims = bnDims(x, relu);
  const ins = ['x', 'dy', 'y', 'gamma', 'mean', 'variance'].map((name) => inputs[name] as TensorInfo);
  return withOutputs(backend, ins, [x.shape.slice(), [c], [c]], (v) =>
    addon.batchNormBackward(v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, v[6]!, v[7]!, v[8]!, dims, epsilon),
  );
};
