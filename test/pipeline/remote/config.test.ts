/**
 * Remote configuration: `remote add/list/remove` in the local config or pipeline.yaml, the
 * local default winning over the project's, $PIPELINE_REMOTE over both, and every mistake one
 * located line with exit 2.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Project } from '../../helpers/project.ts';
import { assertOneLine, cli, TOY_FILES } from '../../helpers/remote.ts';

describe('remote configuration', { concurrency: false }, () => {
  let p: Project;
  // Directory remotes must exist when added: real temp directories, removed at the end.
  let dirs: string;
  let nas: string;
  let mine: string;
  let yours: string;
  before(async () => {
    p = await Project.create({ ...TOY_FILES, 'pipeline.yaml': `# the team's pipeline\n${TOY_FILES['pipeline.yaml']}` });
    dirs = await mkdtemp(path.join(tmpdir(), 'remote-config-'));
    nas = await mkdtemp(path.join(dirs, 'nas-'));
    mine = await mkdtemp(path.join(dirs, 'mine-'));
    yours = await mkdtemp(path.join(dirs, 'yours-'));
  });
  after(async () => {
    await p.dispose();
    await rm(dirs, { recursive: true, force: true });
  });

  it('adds to the untracked local config by default and to pipeline.yaml with --project, keeping its comments', async () => {
    assert.equal(
      (await p.cli('remote', 'add', '--project', '-d', 'team', 's3://team-bucket/fashion', '--endpoint', 'http://127.0.0.1:9000', '--region', 'eu-west-1'))
        .code,
      0,
    );
    assert.equal((await p.cli('remote', 'add', 'nas', nas)).code, 0);
    const yaml = await p.read('pipeline.yaml');
    assert.match(yaml, /^# the team's pipeline\n/);
    assert.match(
      yaml,
      /remotes:\n {2}team:\n {4}url: s3:\/\/team-bucket\/fashion\n {4}default: true\n {4}endpoint: http:\/\/127\.0\.0\.1:9000\n {4}region: eu-west-1\n/,
    );
    assert.equal(await p.read('.pipeline/config.yaml'), `remotes:\n  nas:\n    url: ${nas}\n`);
    const list = await p.cli('remote', 'list');
    assert.equal(
      list.stdout,
      `team\ts3://team-bucket/fashion\tendpoint http://127.0.0.1:9000, region eu-west-1\t(default, pipeline.yaml)\nnas\t${nas}\t(.pipeline/config.yaml)`,
    );
    // The plan still loads with a remotes: section.
    assert.equal((await p.cli('status')).code, 0);
  });

  it('a local -d overrides the project default; remove takes it away again', async () => {
    assert.equal((await p.cli('remote', 'add', '-d', 'mine', mine)).code, 0);
    assert.ok((await p.cli('remote', 'list')).stdout.split('\n').includes(`mine\t${mine}\t(default, .pipeline/config.yaml)`));
    assert.equal((await p.cli('remote', 'add', '-d', 'yours', yours)).code, 0, 'a second -d in one file moves the default');
    assert.ok((await p.cli('remote', 'list')).stdout.includes(`mine\t${mine}\t(.pipeline/config.yaml)\nyours\t${yours}\t(default, .pipeline/config.yaml)`));
    assert.equal((await p.cli('remote', 'remove', 'yours')).code, 0);
    assert.equal((await p.cli('remote', 'remove', 'mine')).code, 0);
    assert.match((await p.cli('remote', 'list')).stdout, /^team\t.*\(default, pipeline\.yaml\)$/m);
  });

  it('$PIPELINE_REMOTE picks a remote by name or takes a URL', async () => {
    await rm(nas, { recursive: true }); // the drive was unmounted after the remote was added
    const byName = await cli(p, ['status', '--remote'], { PIPELINE_REMOTE: 'nas' });
    assert.equal(assertOneLine(byName), `remote nas (${nas}): ${nas} is not a directory (create it, or mount the drive, first)`);
    const byUrl = await cli(p, ['status', '--remote'], { PIPELINE_REMOTE: '/nonexistent/elsewhere' });
    assert.match(assertOneLine(byUrl), /^remote env \(\/nonexistent\/elsewhere\): /);
    assert.equal(assertOneLine(await cli(p, ['push'], { PIPELINE_REMOTE: 'nope' })), 'PIPELINE_REMOTE: no remote named "nope" (configured: team, nas)');
    assert.equal(assertOneLine(await p.cli('push', '-r', 'other')), '--remote-name: no remote named "other" (configured: team, nas)');
  });

  it('mistakes are one located line with exit 2', async () => {
    assert.equal(
      assertOneLine(await p.cli('remote', 'add', 'x', 'gs://bucket/p')),
      'URL: must be s3://bucket[/prefix] (an S3-compatible store), http(s)://host/path (read-only, no credentials) or a directory path',
    );
    assert.equal(assertOneLine(await p.cli('remote', 'add', 'x', '/d', '--region', 'r')), '--region: applies only to an s3:// remote');
    assert.equal(assertOneLine(await p.cli('remote', 'add', '9x', '/d')), 'NAME: "9x": remote names start with a letter and hold letters, digits, "-" and "_"');
    assert.equal(
      assertOneLine(await p.cli('remote', 'remove', 'team')),
      'NAME: no remote "team" in .pipeline/config.yaml (it is in pipeline.yaml: add --project)',
    );
    await p.write('.pipeline/config.yaml', 'remotes:\n  a:\n    url: /x\n    default: true\n  b:\n    url: s3://bucket-b\n    path_style: yes\n');
    assert.equal(assertOneLine(await p.cli('push')), '.pipeline/config.yaml:7:17: remotes.b.path_style: Invalid input: expected boolean, received string');
    await p.write('.pipeline/config.yaml', 'remotes:\n  a:\n    url: /x\n    default: true\n  b:\n    url: s3://bucket-b\n    default: true\n');
    assert.equal(assertOneLine(await p.cli('push')), '.pipeline/config.yaml:7:14: remotes.b.default: only one remote can be the default ("a" already is)');
    await p.remove('.pipeline/config.yaml');
    const yaml = await p.read('pipeline.yaml');
    await p.write('pipeline.yaml', yaml.replace('url: s3://team-bucket/fashion', 'url: ftp://team/fashion'));
    assert.equal(
      assertOneLine(await p.cli('remote', 'list')),
      'pipeline.yaml:21:10: remotes.team.url: must be s3://bucket[/prefix] (an S3-compatible store), http(s)://host/path (read-only, no credentials) or a directory path',
    );
    assert.equal((await p.cli('status')).code, 2, 'the plan rejects it too');
  });

  it('a directory remote that does not exist is refused, or made with --create; a push then fills it', async () => {
    const q = await Project.create(TOY_FILES);
    try {
      const absent = path.join(dirs, 'not-mounted', 'fashion');
      assert.equal(
        assertOneLine(await q.cli('remote', 'add', '-d', 'nas', absent)),
        `URL: ${absent} does not exist (mount the drive, or add --create to make it)`,
      );
      assert.equal(
        assertOneLine(await q.cli('remote', 'add', '--project', 'nas', 'shared/remote')),
        `URL: shared/remote (${path.join(q.root, 'shared/remote')}) does not exist (mount the drive, or add --create to make it)`,
      );
      assert.equal(
        assertOneLine(await q.cli('remote', 'add', 'nas', 'data/raw.txt')),
        `URL: data/raw.txt (${path.join(q.root, 'data/raw.txt')}) is not a directory`,
      );
      assert.equal(assertOneLine(await q.cli('remote', 'add', 's3', 's3://bucket/p', '--create')), '--create: applies only to a directory remote');
      await assert.rejects(stat(path.join(q.root, '.pipeline/config.yaml')), { code: 'ENOENT' }, 'nothing refused was written');
      assert.doesNotMatch(await q.read('pipeline.yaml'), /remotes:/);

      const added = await q.cli('remote', 'add', '-d', 'nas', absent, '--create');
      assert.equal(added.code, 0, added.stderr);
      assert.equal(added.stdout, `remote nas added to .pipeline/config.yaml as the default (${absent} created)`);
      assert.ok((await stat(absent)).isDirectory());
      assert.equal((await q.run()).code, 0);
      const push = await q.cli('push');
      assert.equal(push.code, 0, push.stderr);
      assert.match(push.stdout, /push to remote nas .*: [1-9]\d* objects sent/);
      assert.equal((await readdir(path.join(absent, 'runs'))).length, 4, 'a run record per instance');
      // An existing directory needs no --create, and --create leaves it as it is.
      assert.equal((await q.cli('remote', 'add', 'again', absent, '--create')).stdout, 'remote again added to .pipeline/config.yaml');
    } finally {
      await q.dispose();
    }
  });

  it('push without any remote says how to add one', async () => {
    const q = await Project.create(TOY_FILES);
    try {
      assert.equal(assertOneLine(await q.cli('push')), 'no remote configured: run `pipeline remote add -d NAME URL` (an s3:// URL or a directory)');
      assert.equal((await q.run()).code, 0, 'run needs no remote');
    } finally {
      await q.dispose();
    }
  });
});
