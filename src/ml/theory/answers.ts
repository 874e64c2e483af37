/**
 * Homework 2.1, answered with the shape calculator and the toy convolution. Each answer carries the
 * working a grader wants to see; the numbers come from configs/theory.yaml.
 */
import { UserError } from '../../stage-api.ts';
import { TheoryReportSchema, type TheoryReport } from '../metrics/schemas.ts';
import { cellWorking, conv2d } from './conv2d.ts';
import type { TheoryConfig } from './config.ts';
import { convOutput, convParams, denseParams, formatVolume, volumeSize, type Volume } from './shapes.ts';

type Question = TheoryReport['questions'][number];
const n = (x: number): string => x.toLocaleString('en-US');
const sameVolume = (a: Volume, b: Volume): boolean => a.h === b.h && a.w === b.w && a.c === b.c;

function outputVolume(q: TheoryConfig['output_volume']): Question {
  const out = convOutput(q.input, q, { layer: 'theory.output_volume' });
  const size = `(${q.input.h} + 2*${q.padding} - ${q.kernel}) / ${q.stride}`;
  return {
    id: '2.1.1',
    question: `Input ${formatVolume(q.input)}, ${q.filters} filters of ${q.kernel} x ${q.kernel}, stride ${q.stride}, padding ${q.padding}: what is the output volume?`,
    answer: formatVolume(out),
    working: [
      `Each filter spans the whole input depth: ${q.kernel} x ${q.kernel} x ${q.input.c}.`,
      `Height = floor(${size}) + 1 = ${out.h}; width likewise ${out.w}.`,
      `Depth = number of filters = ${q.filters}.`,
    ],
  };
}

function denseCount(q: TheoryConfig['dense_params']): Question {
  const inputs = volumeSize(q.input);
  const units = volumeSize(q.hidden);
  const total = denseParams({ inputs, units });
  return {
    id: '2.1.2',
    question: `A fully connected hidden layer of ${formatVolume(q.hidden)} neurons on a ${q.input.h} x ${q.input.w} RGB image: how many parameters, with biases?`,
    answer: n(total),
    working: [
      `Inputs: ${q.input.h} * ${q.input.w} * ${q.input.c} = ${n(inputs)}; neurons: ${q.hidden.h} * ${q.hidden.w} * ${q.hidden.c} = ${n(units)}.`,
      `Weights: ${n(inputs)} * ${n(units)} = ${n(inputs * units)}; biases: one per neuron = ${n(units)}.`,
      `Total: ${n(inputs * units)} + ${n(units)} = ${n(total)}.`,
    ],
  };
}

function convCount(q: TheoryConfig['conv_params']): Question {
  const spec = { kernel: q.kernel, filters: q.hidden.c, stride: q.stride, padding: q.padding };
  const out = convOutput(q.input, spec, { layer: 'theory.conv_params' });
  if (!sameVolume(out, q.hidden)) {
    throw new UserError([
      { field: 'theory.conv_params', message: `the conv layer gives ${formatVolume(out)}, not the stated hidden volume ${formatVolume(q.hidden)}` },
    ]);
  }
  const total = convParams(q.input.c, spec);
  const perFilter = q.kernel * q.kernel * q.input.c;
  return {
    id: '2.1.3',
    question: `The same ${formatVolume(q.hidden)} hidden layer as a convolution (${q.kernel} x ${q.kernel} kernels, stride ${q.stride}, padding ${q.padding}): how many parameters, with biases?`,
    answer: n(total),
    working: [
      `Check the shape: floor((${q.input.h} + 2*${q.padding} - ${q.kernel}) / ${q.stride}) + 1 = ${out.h}, so ${q.hidden.c} filters give ${formatVolume(out)}.`,
      `Weights per filter: ${q.kernel} * ${q.kernel} * ${q.input.c} = ${perFilter}, shared by all ${n(out.h * out.w)} positions.`,
      `Total: ${q.hidden.c} * ${perFilter} + ${q.hidden.c} biases = ${n(total)}.`,
    ],
  };
}

function toyConvolution(t: TheoryConfig['toy']): { question: Question; output: number[][][]; table1: TheoryReport['toy_convolution']['table1'] } {
  const output = conv2d(t.image, t.filters, t.stride, t.padding);
  const [h, w] = [output[0]!.length, output[0]![0]!.length];
  const table1 = t.table1.map(({ row, column, filter }) => {
    const value = output[filter - 1]?.[row - 1]?.[column - 1];
    if (value === undefined) {
      throw new UserError([
        { field: 'theory.toy.table1', message: `cell (row ${row}, column ${column}, filter ${filter}) is outside the ${h} x ${w} x ${output.length} output` },
      ]);
    }
    return { row, column, filter, value };
  });
  const working = [
    `Output size: (${t.image.length} + 2*${t.padding} - ${t.filters[0]!.length}) / ${t.stride} + 1 = ${h}, so the output is ${h} x ${w} x ${output.length}.`,
    'As in PyTorch and the deep-learning convention, the filter is not flipped (cross-correlation).',
    ...table1.map(
      (c) => `(${c.row}, ${c.column}, filter ${c.filter}): ${cellWorking(t.image, t.filters[c.filter - 1]!, c.row - 1, c.column - 1, t.stride, t.padding)}`,
    ),
  ];
  return {
    output,
    table1,
    question: {
      id: '2.1.4',
      question: `Convolve the ${t.image.length} x ${t.image[0]!.length} toy image with ${t.filters.length} filters (stride ${t.stride}, padding ${t.padding}) and complete Table 1.`,
      answer: table1.map((c) => `(${c.row}, ${c.column}, ${c.filter}) = ${c.value}`).join('; '),
      working,
    },
  };
}

function advantages(dense: Question, conv: Question): Question {
  return {
    id: '2.1.5',
    question: 'State two advantages of convolutional neural networks over fully connected networks.',
    answer:
      'Far fewer parameters through local connectivity and weight sharing, so less overfitting, memory and compute; ' +
      'and translation equivariance: the same filter detects a pattern anywhere in the image, building in a prior that suits images.',
    working: [
      `Parameter sharing, measured on 2.1.2 and 2.1.3: the same hidden volume costs ${dense.answer} parameters fully connected and ${conv.answer} as a convolution.`,
      'Local connectivity: each output sees only a small neighbourhood, which matches the local structure of images (edges, textures).',
      'Translation equivariance: shifting the input shifts the feature map, and with pooling gives some translation invariance.',
    ],
  };
}

export function buildTheoryReport(cfg: TheoryConfig): TheoryReport {
  const q1 = outputVolume(cfg.output_volume);
  const q2 = denseCount(cfg.dense_params);
  const q3 = convCount(cfg.conv_params);
  const toy = toyConvolution(cfg.toy);
  return TheoryReportSchema.parse({
    questions: [q1, q2, q3, toy.question, advantages(q2, q3)],
    toy_convolution: {
      output: toy.output,
      table1: toy.table1,
      image: cfg.toy.image,
      filters: cfg.toy.filters,
      stride: cfg.toy.stride,
      padding: cfg.toy.padding,
    },
  });
}
