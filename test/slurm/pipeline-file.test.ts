/**
 * The slurm settings in pipeline.yaml: a top-level `slurm:` and a stage's `resources:`, read
 * through the one pipeline.yaml reader. Adding them changes no instance's fingerprint (where an
 * instance runs is not what it computes): a finished toy run stays fresh. A misspelt key is one
 * located line, exit 2, on any command. The two files and the stage level merge as documented in
 * docs/clusters.md: the more specific entry wins, .pipeline/config.yaml over pipeline.yaml at a level.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { formatProblem } from '../../src/pipeline/errors.ts';
import { readExecutorSections } from '../../src/pipeline/executors/project-sections.ts';
import {
  resourceArgs,
  resourcesFor,
  SlurmSectionSchema,
  slurmSettings,
  type Resources,
  type SlurmSection,
} from '../../src/pipeline/executors/slurm/settings.ts';
import { ProjectFile } from '../../src/pipeline/spec/project-file.ts';
import { Project } from '../helpers/project.ts';
import { TOY_FILES, REMOTE_PIPELINE } from '../helpers/remote.ts';

const SLURM_BLOCK = `slurm:
  resources: { time: "1:00:00", partition: short }
  stages:
    train@a: { mem: 2G }
`;
const WITH_RESOURCES = REMOTE_PIPELINE.replace('    foreach: [items]\n', '    foreach: [items]\n    resources: { time: "4:00:00", cpus: 2 }\n');

describe('slurm: and resources: in pipeline.yaml', () => {
  const projects: Project[] = [];
  after(async () => {
    for (const p of projects) await p.dispose();
  });

  it('changes no fingerprint: a finished run stays fresh after both are added', async () => {
    const p = await Project.create(TOY_FILES);
    projects.push(p);
    const first = await p.run();
    assert.equal(first.code, 0, first.stderr);
    assert.ok(WITH_RESOURCES !== REMOTE_PIPELINE, 'the stage got its resources:');
    await p.write('pipeline.yaml', `${WITH_RESOURCES}${SLURM_BLOCK}`);
    const status = await p.cli('status', '--exit-code');
    assert.equal(status.code, 0, `${status.stdout}${status.stderr}`);
    const again = await p.run();
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(new Set(Object.values(again.outcomes)), new Set(['fresh']));
  });

  it('names a misspelt key at its file, line and field, once, exit 2', async () => {
    const p = await Project.create(TOY_FILES);
    projects.push(p);
    await p.write('pipeline.yaml', `${REMOTE_PIPELINE}slurm:\n  resources: { tme: "1:00:00" }\n`);
    const top = await p.cli('status');
    assert.equal(top.code, 2);
    assert.equal(top.stderr.trim().split('\n').length, 1, top.stderr);
    assert.match(top.stderr, /pipeline\.yaml:\d+:\d+: slurm\.resources\.tme: unknown key "tme" \(did you mean time\?\)/);
    await p.write('pipeline.yaml', REMOTE_PIPELINE.replace('    foreach: [items]\n', '    foreach: [items]\n    resources: { memory: 4G }\n'));
    const stage = await p.cli('dag');
    assert.equal(stage.code, 2);
    assert.equal(stage.stderr.trim().split('\n').length, 1, stage.stderr);
    assert.match(stage.stderr, /pipeline\.yaml:\d+:\d+: stages\.train\.resources\.memory: unknown key "memory"/);
  });

  it('merges the more specific entry over the general one, this machine’s file over pipeline.yaml at a level', async () => {
    const file = await ProjectFile.parse(`${WITH_RESOURCES}${SLURM_BLOCK}`);
    assert.ok(file.ok);
    const read = await readExecutorSections(file.value);
    assert.ok(read.ok, read.ok ? '' : read.problems.map(formatProblem).join('\n'));
    const local = SlurmSectionSchema.parse({ resources: { partition: 'long', qos: 'high' }, stages: { train: { cpus: 8 } }, attempts: 5 });
    const settings = slurmSettings({
      project: read.value.sections.slurm as SlurmSection,
      stageResources: read.value.stageResources as Record<string, Resources>,
      local,
    });
    assert.equal(settings.attempts, 5);
    assert.equal(settings.poll_min_seconds, 2, 'the default where neither file sets it');
    // train@a: its own mem (pipeline.yaml), the stage's time (its resources:) and cpus (this machine's), the general partition of this machine.
    assert.deepEqual(resourcesFor(settings, { id: 'train@a', stage: 'train' }, 1), { time: '4:00:00', partition: 'long', qos: 'high', cpus: 8, mem: '2G' });
    assert.deepEqual(resourcesFor(settings, { id: 'prepare', stage: 'prepare' }, 1), { time: '1:00:00', partition: 'long', qos: 'high', cpus: 1 });
  });

  it('run --nice: for the slurm executor only, an integer from 0 to 10000, over every file', async () => {
    const p = await Project.create(TOY_FILES);
    projects.push(p);
    const local = await p.cli('run', '--nice', '3');
    assert.equal(local.code, 2);
    assert.equal(local.stderr.trim(), '--nice: is for the slurm executor: add --executor slurm');
    const bad = await p.cli('run', '--executor', 'slurm', '--nice', '20000');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr.trim(), /^--nice: must be an integer from 0 to 10000, got "20000"$/);
    const settings = { ...slurmSettings({ local: SlurmSectionSchema.parse({ stages: { train: { nice: 1 } } }) }), nice: 50 };
    assert.deepEqual(resourceArgs(resourcesFor(settings, { id: 'train@a', stage: 'train' }, 1)), ['--cpus-per-task=1', '--nice=50']);
  });
});
