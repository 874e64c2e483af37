/** pipeline.yaml texts that several engine suites run. */

/** One toy instance per file in configs/items/ (train@a for configs/items/a.yaml). */
export const TOY_MATRIX = `
stages:
  train:
    module: stages/toy-matrix.ts
    foreach: [items]
    outs:
      - out/\${id}.txt
`;
