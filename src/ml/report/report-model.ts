/** What the Markdown sections are rendered from. */
import type { ReportInputs } from './inputs.ts';
import type { ReportConfig } from './config.ts';
import type { Provenance } from './provenance.ts';

export interface ReportModel {
  inputs: ReportInputs;
  config: ReportConfig;
  provenance: Provenance;
}
