import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cell, dropLeadingHeading, duration, hasTable, points, shiftHeadings, table } from '../../../src/ml/report/md-format.ts';

test('cells cannot break the table or inject HTML', () => {
  assert.equal(cell('a|b\nc <script>'), 'a\\|b c &lt;script&gt;');
});

test('tables carry their alignment', () => {
  assert.equal(table(['a', 'b'], [['1', '2']], ['left', 'right']), '| a | b |\n| --- | ---: |\n| 1 | 2 |');
});

test('fragment headings shift to the wanted level, code fences untouched', () => {
  const md = '# Top\n\ntext\n\n## Sub\n\n```\n# not a heading\n```\n';
  assert.equal(shiftHeadings(md, 3), '### Top\n\ntext\n\n#### Sub\n\n```\n# not a heading\n```\n');
  assert.equal(shiftHeadings('no headings', 3), 'no headings');
  assert.equal(shiftHeadings('##### deep\n###### deeper', 5), '##### deep\n###### deeper');
});

test('numbers print the way the report reads', () => {
  assert.equal(points(0.0123), '+1.23 pp');
  assert.equal(points(-0.5), '−50.00 pp');
  assert.equal(duration(12.34), '12.3 s');
  assert.equal(duration(272), '4 min 32 s');
  assert.equal(duration(7300), '2 h 1 min');
});

test('a fragment loses its own title and is searched for tables by header', () => {
  assert.equal(dropLeadingHeading('\n## Title\n\nbody\n## Later\n'), 'body\n## Later\n');
  assert.equal(dropLeadingHeading('body first\n## Later'), 'body first\n## Later');
  const md = 'text\n\n|Row| column |  Filter | Value |\n|---|---|---|---|\n| 1 | 1 | 1 | 9 |\n';
  assert.ok(hasTable(md, ['Row', 'Column', 'Filter']));
  assert.ok(!hasTable(md, ['Parameter', 'Shape']));
  assert.ok(!hasTable('Row | Column in prose', ['Row', 'Column']));
});
