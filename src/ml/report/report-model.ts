/** What the Markdown sections are rendered from. */
import type { ReportInputs } from './inputs.ts';
import type { ReportParams } from './params.ts';
import type { Provenance } from './provenance.ts';

export interface ReportModel {
  inputs: ReportInputs;
  params: ReportParams;
  provenance: Provenance;
}
