/**
 * From an architecture to a checked list of layers with their input and output shapes. Shapes use
 * the theory module's calculator (PyTorch's floor rule), so a layer that cannot work is a
 * UserError naming it ("layers[4] (maxpool): pool window ... is larger than ...") before any
 * tensor exists.
 */
import { UserError } from '../../stage-api.ts';
import { convOutput, convParams, denseParams, poolOutput, volumeSize } from '../theory/shapes.ts';
import type { Volume } from '../theory/shapes.ts';
import { ArchitectureSchema, INPUT_SHAPE, LayerSchema, NUM_CLASSES } from './schema.ts';
import type { Architecture, Layer, Table2Architecture } from './schema.ts';

export type Shape = ({ kind: 'volume' } & Volume) | { kind: 'vector'; size: number };

export interface PlannedLayer {
  index: number;
  /** "layers[3] (maxpool)": how errors and summaries name the layer. */
  name: string;
  layer: Layer;
  input: Shape;
  output: Shape;
  /** Trainable parameters (BatchNorm's running statistics are not parameters). */
  params: number;
}

/** The homework's Table 2 network with the grid's knobs filled in. */
export function table2Layers(arch: Table2Architecture): Layer[] {
  const { kernel, stride, padding } = arch.pool;
  const block = (filters: number): Layer[] => [
    LayerSchema.parse({ type: 'conv', filters, kernel: 5, stride: 1, padding: 2 }),
    ...(arch.batchnorm ? [LayerSchema.parse({ type: 'batchnorm' })] : []),
    { type: 'relu' },
    LayerSchema.parse({ type: 'maxpool', kernel, stride, padding }),
  ];
  return [
    ...block(32),
    ...block(32),
    ...block(64),
    { type: 'dropout', rate: arch.dropout },
    { type: 'flatten' },
    LayerSchema.parse({ type: 'dense', units: 64 }),
    ...(arch.batchnorm ? [LayerSchema.parse({ type: 'batchnorm' })] : []),
    { type: 'relu' },
    LayerSchema.parse({ type: 'dense', units: NUM_CLASSES }),
  ];
}

export function architectureLayers(arch: Architecture): Layer[] {
  return arch.kind === 'table2' ? table2Layers(arch) : arch.layers;
}

function fail(name: string, message: string): never {
  throw new UserError([{ field: `architecture.${name}`, message }]);
}

function volume(name: string, s: Shape, what: string): Volume {
  if (s.kind !== 'volume') fail(name, `${what} needs an image volume, but its input is a vector of ${s.size}`);
  return s;
}

function describe(s: Shape): string {
  return s.kind === 'volume' ? `${s.h} x ${s.w} x ${s.c}` : `${s.size}`;
}

function channels(s: Shape): number {
  return s.kind === 'volume' ? s.c : s.size;
}

function planOne(index: number, layer: Layer, input: Shape): PlannedLayer {
  const name = `layers[${index}] (${layer.type})`;
  const opts = { layer: `architecture.${name}` };
  const planned = (output: Shape, params = 0): PlannedLayer => ({ index, name, layer, input, output, params });
  switch (layer.type) {
    case 'conv': {
      const v = volume(name, input, 'conv');
      return planned({ kind: 'volume', ...convOutput(v, layer, opts) }, convParams(v.c, layer, opts));
    }
    case 'maxpool':
    case 'avgpool': {
      const v = volume(name, input, layer.type);
      return planned({ kind: 'volume', ...poolOutput(v, layer, opts) });
    }
    case 'globalavgpool':
      return planned({ kind: 'vector', size: volume(name, input, 'globalavgpool').c });
    case 'flatten':
      return planned(input.kind === 'volume' ? { kind: 'vector', size: volumeSize(input) } : input);
    case 'dense':
      if (input.kind !== 'vector') {
        fail(name, `dense needs a vector, but its input is a ${describe(input)} volume: add a flatten (or globalavgpool) layer before it`);
      }
      return planned({ kind: 'vector', size: layer.units }, denseParams({ inputs: input.size, units: layer.units, bias: layer.bias }, opts));
    case 'batchnorm':
      return planned(input, 2 * channels(input));
    case 'relu':
    case 'dropout':
      return planned(input);
  }
}

/** Checks every layer's shape; the network must end in `dense` with one unit per class. */
export function planLayers(layers: Layer[], input: Volume = INPUT_SHAPE): PlannedLayer[] {
  const plan: PlannedLayer[] = [];
  let shape: Shape = { kind: 'volume', ...input };
  for (const [index, layer] of layers.entries()) {
    const p = planOne(index, layer, shape);
    plan.push(p);
    shape = p.output;
  }
  const last = plan[plan.length - 1];
  if (!last || last.layer.type !== 'dense' || shape.kind !== 'vector' || shape.size !== NUM_CLASSES) {
    fail(
      last ? last.name : 'layers',
      `the network must end with a dense layer of ${NUM_CLASSES} units (the class logits; softmax is added), ` +
        `but it ends with ${last ? `${last.layer.type} giving ${describe(shape)}` : 'no layers'}`,
    );
  }
  return plan;
}

export function paramCount(plan: PlannedLayer[]): number {
  return plan.reduce((sum, p) => sum + p.params, 0);
}

/** Turns zod's complaint about an architecture into one line per problem, naming the field. */
export function parseArchitecture(value: unknown): Architecture {
  const r = ArchitectureSchema.safeParse(value);
  if (r.success) return r.data;
  throw new UserError(r.error.issues.map((i) => ({ field: ['architecture', ...i.path].join('.'), message: i.message })));
}
