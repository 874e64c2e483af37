/**
 * Output shapes and parameter counts of conv, pool and dense layers, with PyTorch's rules:
 *   out = floor((in + 2*padding - dilation*(kernel-1) - 1) / stride) + 1
 * The model builder validates architectures with these functions, and the theory stage answers
 * homework 2.1 with them, so an invalid layer must fail loudly (UserError) instead of producing a
 * zero or negative size that would only blow up later inside a backend.
 */
import { UserError } from '../../stage-api.ts';

/** A feature map, channels last (NHWC without N), as tfjs stores it. */
export interface Volume {
  h: number;
  w: number;
  c: number;
}

/** A square or rectangular window size / step / padding; a number means the same on both axes. */
export type Pair = number | readonly [number, number];

export interface ConvSpec {
  kernel: Pair;
  /** Number of output channels. */
  filters: number;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  /** Whether each filter has a bias (default true, like PyTorch's Conv2d). */
  bias?: boolean;
}

export interface PoolSpec {
  kernel: Pair;
  /** Defaults to the kernel size, like PyTorch's MaxPool2d. */
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  /** PyTorch's ceil_mode; default false (the floor rule). */
  ceilMode?: boolean;
}

export interface DenseSpec {
  inputs: number;
  units: number;
  bias?: boolean;
}

/** `layer` names the layer in error messages ("conv1", "Maxpool 2"). */
export interface ShapeOptions {
  layer?: string;
}

function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

function fail(opts: ShapeOptions | undefined, message: string): never {
  throw new UserError(opts?.layer ? [{ field: opts.layer, message }] : message);
}

function requireInt(opts: ShapeOptions | undefined, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) fail(opts, `${name} must be an integer >= ${min}, got ${v}`);
}

function requireVolume(opts: ShapeOptions | undefined, v: Volume): void {
  requireInt(opts, 'input height', v.h, 1);
  requireInt(opts, 'input width', v.w, 1);
  requireInt(opts, 'input channels', v.c, 1);
}

/**
 * One spatial axis. Exported for the working lines of the theory answers.
 * ceil mode follows PyTorch: the last window must start inside the input or left padding.
 */
export function axisOutput(input: number, kernel: number, stride: number, padding: number, dilation: number, ceilMode = false): number {
  const span = dilation * (kernel - 1) + 1;
  const room = input + 2 * padding - span;
  if (room < 0) return 0;
  let out = (ceilMode ? Math.ceil(room / stride) : Math.floor(room / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= input + padding) out -= 1;
  return out;
}

interface Window {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

function windowOf(opts: ShapeOptions | undefined, spec: { kernel: Pair; stride?: Pair; padding?: Pair; dilation?: Pair }, defaultStride: Pair): Window {
  const w: Window = {
    kernel: pair(spec.kernel),
    stride: pair(spec.stride ?? defaultStride),
    padding: pair(spec.padding ?? 0),
    dilation: pair(spec.dilation ?? 1),
  };
  for (const axis of [0, 1] as const) {
    const name = axis === 0 ? 'height' : 'width';
    requireInt(opts, `kernel ${name}`, w.kernel[axis], 1);
    requireInt(opts, `stride ${name}`, w.stride[axis], 1);
    requireInt(opts, `padding ${name}`, w.padding[axis], 0);
    requireInt(opts, `dilation ${name}`, w.dilation[axis], 1);
  }
  return w;
}

function spatial(opts: ShapeOptions | undefined, kind: string, input: Volume, w: Window, ceilMode: boolean): { h: number; w: number } {
  const sizes = [input.h, input.w] as const;
  const out: number[] = [];
  for (const axis of [0, 1] as const) {
    const name = axis === 0 ? 'height' : 'width';
    const span = w.dilation[axis] * (w.kernel[axis] - 1) + 1;
    const padded = sizes[axis] + 2 * w.padding[axis];
    if (span > padded) {
      fail(
        opts,
        `${kind} window (${span}, kernel ${w.kernel[axis]} dilation ${w.dilation[axis]}) is larger than ` +
          `the padded input ${name} ${padded} (${sizes[axis]} + 2*${w.padding[axis]})`,
      );
    }
    out.push(axisOutput(sizes[axis], w.kernel[axis], w.stride[axis], w.padding[axis], w.dilation[axis], ceilMode));
  }
  return { h: out[0]!, w: out[1]! };
}

/** Output volume of a 2-D convolution (PyTorch Conv2d / tfjs conv2d with explicit padding). */
export function convOutput(input: Volume, spec: ConvSpec, opts?: ShapeOptions): Volume {
  requireVolume(opts, input);
  requireInt(opts, 'filters', spec.filters, 1);
  const w = windowOf(opts, spec, 1);
  return { ...spatial(opts, 'convolution', input, w, false), c: spec.filters };
}

/**
 * Output volume of a max/avg pool. PyTorch refuses padding above half the kernel ("pad should be
 * at most half of effective kernel size"), so a grid value like (kernel 2, padding 2) is an error here
 * too, instead of a shape the reference implementation would never produce.
 */
export function poolOutput(input: Volume, spec: PoolSpec, opts?: ShapeOptions): Volume {
  requireVolume(opts, input);
  const w = windowOf(opts, spec, spec.kernel);
  for (const axis of [0, 1] as const) {
    if (2 * w.padding[axis] > w.kernel[axis]) {
      fail(opts, `pool padding ${w.padding[axis]} must be at most half the kernel size ${w.kernel[axis]} (PyTorch's rule)`);
    }
  }
  return { ...spatial(opts, 'pool', input, w, spec.ceilMode ?? false), c: input.c };
}

/** Weights (kernel_h * kernel_w * in_channels * filters) plus one bias per filter. */
export function convParams(inputChannels: number, spec: ConvSpec, opts?: ShapeOptions): number {
  requireInt(opts, 'input channels', inputChannels, 1);
  requireInt(opts, 'filters', spec.filters, 1);
  const [kh, kw] = pair(spec.kernel);
  requireInt(opts, 'kernel height', kh, 1);
  requireInt(opts, 'kernel width', kw, 1);
  return kh * kw * inputChannels * spec.filters + (spec.bias === false ? 0 : spec.filters);
}

/** inputs * units weights plus one bias per unit. */
export function denseParams(spec: DenseSpec, opts?: ShapeOptions): number {
  requireInt(opts, 'dense inputs', spec.inputs, 1);
  requireInt(opts, 'dense units', spec.units, 1);
  return spec.inputs * spec.units + (spec.bias === false ? 0 : spec.units);
}

/** Number of values in a volume (the input size of a dense layer after flatten). */
export function volumeSize(v: Volume): number {
  return v.h * v.w * v.c;
}

/** "25 x 25 x 64", the way the homework writes volumes. */
export function formatVolume(v: Volume): string {
  return `${v.h} x ${v.w} x ${v.c}`;
}
