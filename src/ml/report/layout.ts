/** File names inside artifacts/report/: one place, so the writers and both documents agree. */
export const FILES = {
  html: 'index.html',
  markdown: 'report.md',
  curves: 'curves.svg',
  leaderboardPlot: 'leaderboard.svg',
  perClassPlot: 'per-class.svg',
  confusionPlot: 'confusion.svg',
  leaderboardCsv: 'leaderboard.csv',
  perClassCsv: 'per-class-accuracy.csv',
  confusionCsv: 'confusion-matrix.csv',
} as const;

export type FigureFile = (typeof FILES)['curves' | 'leaderboardPlot' | 'perClassPlot' | 'confusionPlot'];
