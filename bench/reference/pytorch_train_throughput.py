"""PyTorch's training throughput on the network `npm run bench:train` measures, for its ratio line.

The Table 2 baseline with BatchNorm, pool (2,2,0), dropout 0.3, or with --net vgg-gap the custom
network (both built by pytorch_grid.py, the reference of the accuracy comparison), Adam 1e-3, batch 64, random images and labels, one thread
unless --threads. Warm-up steps first (the allocator and oneDNN's primitive cache settle), then
timed steps; prints one JSON line with images per second (wall) and per CPU-second (this process).

    /usr/bin/python3 bench/reference/pytorch_train_throughput.py [--steps 60] [--warmup 30] [--batch 64]

The benchmark runs it twice, with glibc's allocator as is and tuned (MALLOC_MMAP_THRESHOLD_ and
friends: stock PyTorch returns large activations to the kernel every step and then page-faults
them back), and compares against the faster: PyTorch at its best on this machine.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_grid import build  # noqa: E402  (the same network as the accuracy reference)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--net", default="table2", help="table2 (the baseline) or vgg-gap (the custom network)")
    args = ap.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = build("pool2-2-0_drop0.3_bn" if args.net == "table2" else args.net).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(args.batch, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch,))

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(args.warmup):
        step()
    cpu0, t0 = time.process_time(), time.perf_counter()
    for _ in range(args.steps):
        step()
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    images = args.steps * args.batch
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "steps": args.steps, "warmup": args.warmup,
        "batch": args.batch, "ms_per_step": 1000 * wall / args.steps,
        "images_per_second": images / wall, "images_per_cpu_second": images / cpu,
    }))


if __name__ == "__main__":
    main()
