/**
 * KaTeX writes \mathbb{R}, \mathcal{L}, \mathbf{1} as <mi mathvariant="double-struck">R</mi>, but
 * browsers implementing MathML Core (Chromium) ignore mathvariant other than "normal", so ℝ would
 * show as a plain R. Rewriting such tokens to Unicode's Mathematical Alphanumeric Symbols renders
 * them everywhere, with no math font or CSS needed.
 */

interface Variant {
  upper: number;
  lower?: number;
  digit?: number;
  /** Letters that Unicode encoded earlier, in the Letterlike Symbols block (holes in the range). */
  holes?: Record<string, number>;
}

const VARIANTS: Record<string, Variant> = {
  bold: { upper: 0x1d400, lower: 0x1d41a, digit: 0x1d7ce },
  italic: { upper: 0x1d434, lower: 0x1d44e, holes: { h: 0x210e } },
  'bold-italic': { upper: 0x1d468, lower: 0x1d482 },
  script: {
    upper: 0x1d49c,
    lower: 0x1d4b6,
    holes: { B: 0x212c, E: 0x2130, F: 0x2131, H: 0x210b, I: 0x2110, L: 0x2112, M: 0x2133, R: 0x211b, e: 0x212f, g: 0x210a, o: 0x2134 },
  },
  fraktur: { upper: 0x1d504, lower: 0x1d51e, holes: { C: 0x212d, H: 0x210c, I: 0x2111, R: 0x211c, Z: 0x2128 } },
  'double-struck': {
    upper: 0x1d538,
    lower: 0x1d552,
    digit: 0x1d7d8,
    holes: { C: 0x2102, H: 0x210d, N: 0x2115, P: 0x2119, Q: 0x211a, R: 0x211d, Z: 0x2124 },
  },
  'sans-serif': { upper: 0x1d5a0, lower: 0x1d5ba, digit: 0x1d7e2 },
  monospace: { upper: 0x1d670, lower: 0x1d68a, digit: 0x1d7f6 },
};

function mapChar(ch: string, v: Variant): string {
  const hole = v.holes?.[ch];
  if (hole !== undefined) return String.fromCodePoint(hole);
  const c = ch.charCodeAt(0);
  if (c >= 65 && c <= 90) return String.fromCodePoint(v.upper + c - 65);
  if (c >= 97 && c <= 122 && v.lower !== undefined) return String.fromCodePoint(v.lower + c - 97);
  if (c >= 48 && c <= 57 && v.digit !== undefined) return String.fromCodePoint(v.digit + c - 48);
  return ch;
}

/** Rewrites <mi|mn|mtext mathvariant="..."> tokens of plain ASCII letters and digits. */
export function unicodeMathVariants(html: string): string {
  return html.replace(/<(mi|mn|mtext) mathvariant="([a-z-]+)">([A-Za-z0-9]+)<\/\1>/g, (whole, tag: string, variant: string, text: string) => {
    const v = VARIANTS[variant];
    if (!v) return whole;
    // A single-letter <mi> is italic by default; mathvariant="normal" keeps the mapped glyph upright.
    return `<${tag}${tag === 'mi' ? ' mathvariant="normal"' : ''}>${[...text].map((ch) => mapChar(ch, v)).join('')}</${tag}>`;
  });
}
