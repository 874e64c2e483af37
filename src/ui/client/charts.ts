/**
 * Vega-Lite charts: the libraries (served by pipeline ui from node_modules) are loaded by the
 * pages that draw, not by the Experiments page. A chart keeps its view, so new points are
 * inserted into it (live curves) instead of redrawing the page.
 */
interface VegaView {
  change(name: string, changeset: unknown): VegaView;
  runAsync(): Promise<VegaView>;
  finalize(): void;
}
interface VegaGlobal {
  View: new (runtime: unknown, opts: { renderer: string; container: HTMLElement; hover: boolean }) => VegaView & { runAsync(): Promise<VegaView> };
  parse(spec: unknown): unknown;
  changeset(): { insert(v: unknown[]): unknown; remove(f: () => boolean): { insert(v: unknown[]): unknown } };
}
interface VegaLiteGlobal {
  compile(spec: unknown): { spec: unknown };
}

let loading: Promise<void> | undefined;

function script(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`${src} did not load`));
    document.head.append(s);
  });
}

export function loadVega(): Promise<void> {
  loading ??= script('/vendor/vega.min.js').then(() => script('/vendor/vega-lite.min.js'));
  return loading;
}

const g = globalThis as unknown as { vega: VegaGlobal; vegaLite: VegaLiteGlobal };

export const CONFIG = {
  font: 'system-ui, Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, labelLimit: 260 },
};

export class Chart {
  private constructor(private readonly view: VegaView) {}

  /** A Vega-Lite spec whose data is the named dataset "points". */
  static async draw(container: HTMLElement, spec: Record<string, unknown>, points: unknown[]): Promise<Chart> {
    await loadVega();
    container.replaceChildren();
    const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...spec, data: { name: 'points' }, datasets: { points } };
    const view = new g.vega.View(g.vega.parse(g.vegaLite.compile(full).spec), { renderer: 'svg', container, hover: true });
    await view.runAsync();
    return new Chart(view);
  }

  async insert(points: unknown[]): Promise<void> {
    this.view.change('points', g.vega.changeset().insert(points));
    await this.view.runAsync();
  }

  async replace(points: unknown[]): Promise<void> {
    this.view.change(
      'points',
      g.vega
        .changeset()
        .remove(() => true)
        .insert(points),
    );
    await this.view.runAsync();
  }

  finalize(): void {
    this.view.finalize();
  }
}
