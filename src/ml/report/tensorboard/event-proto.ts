/**
 * The few protobuf messages a scalar event file needs, encoded by hand (tensorflow/core/util/event.proto,
 * tensorflow/core/framework/summary.proto):
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; float simple_value = 2; }
 * A protobuf library would be more code than this. The decoder exists so tests can read files back.
 */

export interface ScalarValue {
  tag: string;
  simpleValue: number;
}

export interface TfEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values?: ScalarValue[];
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

class ProtoWriter {
  private parts: Buffer[] = [];
  key(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  varint(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`varint out of range: ${n}`);
    const bytes: number[] = [];
    let v = BigInt(n);
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      bytes.push(v > 0n ? low | 0x80 : low);
    } while (v > 0n);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  double(field: number, x: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(x);
    this.key(field, WIRE_FIXED64).parts.push(b);
    return this;
  }
  float(field: number, x: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(x);
    this.key(field, WIRE_FIXED32).parts.push(b);
    return this;
  }
  bytes(field: number, data: Uint8Array): this {
    this.key(field, WIRE_LEN).varint(data.length).parts.push(Buffer.from(data));
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function encodeEvent(e: TfEvent): Buffer {
  const w = new ProtoWriter().double(1, e.wallTime);
  // proto3 omits a zero step; TensorFlow's own writer does the same.
  if (e.step !== 0) w.key(2, WIRE_VARINT).varint(e.step);
  if (e.fileVersion !== undefined) w.string(3, e.fileVersion);
  if (e.values && e.values.length > 0) {
    const summary = new ProtoWriter();
    for (const v of e.values) summary.bytes(1, new ProtoWriter().string(1, v.tag).float(2, v.simpleValue).done());
    w.bytes(5, summary.done());
  }
  return w.done();
}

interface Field {
  field: number;
  wire: number;
  /** varint value, or the raw bytes of fixed32/fixed64/length-delimited fields. */
  value: bigint | Buffer;
}

/** Parses one message into its fields; rejects wire types this format never uses. */
export function parseFields(msg: Buffer): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= msg.length) throw new Error('truncated varint');
      const b = msg[at++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  const take = (n: number): Buffer => {
    if (at + n > msg.length) throw new Error('truncated field');
    const b = msg.subarray(at, at + n);
    at += n;
    return b;
  };
  while (at < msg.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === WIRE_VARINT) fields.push({ field, wire, value: varint() });
    else if (wire === WIRE_FIXED64) fields.push({ field, wire, value: take(8) });
    else if (wire === WIRE_LEN) fields.push({ field, wire, value: take(Number(varint())) });
    else if (wire === WIRE_FIXED32) fields.push({ field, wire, value: take(4) });
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return fields;
}

const asBytes = (f: Field): Buffer => {
  if (typeof f.value === 'bigint') throw new Error(`field ${f.field}: expected bytes, got a varint`);
  return f.value;
};

export function decodeEvent(msg: Buffer): TfEvent {
  const e: TfEvent = { wallTime: 0, step: 0 };
  for (const f of parseFields(msg)) {
    if (f.field === 1 && f.wire === WIRE_FIXED64) e.wallTime = asBytes(f).readDoubleLE(0);
    else if (f.field === 2 && f.wire === WIRE_VARINT) e.step = Number(f.value);
    else if (f.field === 3 && f.wire === WIRE_LEN) e.fileVersion = asBytes(f).toString('utf8');
    else if (f.field === 5 && f.wire === WIRE_LEN) e.values = decodeSummary(asBytes(f));
    else throw new Error(`unexpected Event field ${f.field} (wire ${f.wire})`);
  }
  return e;
}

function decodeSummary(msg: Buffer): ScalarValue[] {
  return parseFields(msg).map((f) => {
    if (f.field !== 1 || f.wire !== WIRE_LEN) throw new Error(`unexpected Summary field ${f.field}`);
    const v: ScalarValue = { tag: '', simpleValue: Number.NaN };
    for (const g of parseFields(asBytes(f))) {
      if (g.field === 1 && g.wire === WIRE_LEN) v.tag = asBytes(g).toString('utf8');
      else if (g.field === 2 && g.wire === WIRE_FIXED32) v.simpleValue = asBytes(g).readFloatLE(0);
      else throw new Error(`unexpected Summary.Value field ${g.field}`);
    }
    return v;
  });
}
