"""PyTorch reference for the pipeline's training: the same experiments, trained the same way.

Trains the 12 Table 2 grid experiments (pool (2,2,0) or (4,3,1), dropout 0.1/0.3/0.5, BatchNorm
on/off) and the custom `vgg-bn` with the hyperparameters of configs/train.yaml (10 epochs, batch
64, Adam 1e-3 with the per-epoch cosine schedule, 10,000 training images held out for validation,
pixels / 255, left-right flips for vgg-bn), and `vgg-gap` with its own recipe (configs/experiments/
vgg-gap.yaml: 30 epochs, AdamW 2e-3 with weight decay 0.05 on the kernels, a one-epoch linear
warm-up then a per-step cosine, label smoothing 0.1, flips and 8-pixel Cutout, and each image's
prediction averaged with its mirror's at validation and test), then measures validation and test
accuracy. It is not
part of the pipeline: it is the reference the tfjs/wasm results are checked against (a different
framework, its own random split and initialisation; only the recipe is shared).

    python bench/reference/pytorch_grid.py --data /usr/share/datasets/fashion-mnist --out results.json
        [--only pool2-2-0_drop0.1_bn,vgg-bn] [--device cuda|cpu] [--parallel 13]

Each experiment runs in its own process (--parallel at once); results are printed as one JSON
object per line and gathered into --out. With --only, the other experiments already in --out are
kept, so one experiment can be re-run alone.
"""
import argparse
import gzip
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
POOLS = {"pool2-2-0": (2, 2, 0), "pool4-3-1": (4, 3, 1)}
EPOCHS, BATCH, LR, SEED, VALIDATION = 10, 64, 1e-3, 520, 10_000


# The custom networks' recipes (configs/experiments/*.yaml train: keys); the grid and vgg-bn use
# configs/train.yaml's (hflip for vgg-bn only).
RECIPES = {
    "vgg-bn": {"epochs": EPOCHS, "hflip": True},
    "vgg-gap": {"epochs": 30, "lr": 2e-3, "warmup_epochs": 1, "weight_decay": 0.05, "label_smoothing": 0.1,
                "hflip": True, "shift": 0, "cutout": 8, "tta_hflip": True},
}


def experiment_ids():
    ids = [f"{p}_drop{d}_{'bn' if bn else 'nobn'}" for p in POOLS for d in ("0.1", "0.3", "0.5") for bn in (True, False)]
    return ids + ["vgg-bn", "vgg-gap"]


def read_idx(path):
    with (gzip.open(path) if path.endswith(".gz") else open(path, "rb")) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir):
    def pick(stem):
        for name in (f"{stem}.gz", stem):
            if os.path.exists(os.path.join(data_dir, name)):
                return os.path.join(data_dir, name)
        raise FileNotFoundError(f"{stem}(.gz) not in {data_dir}")
    return (read_idx(pick("train-images-idx3-ubyte")), read_idx(pick("train-labels-idx1-ubyte")),
            read_idx(pick("t10k-images-idx3-ubyte")), read_idx(pick("t10k-labels-idx1-ubyte")))


def build(exp_id):
    import torch.nn as nn
    if exp_id == "vgg-bn":
        def conv(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]
        return nn.Sequential(*conv(1, 32), *conv(32, 32), nn.MaxPool2d(2, 2), *conv(32, 64), *conv(64, 64),
                             nn.MaxPool2d(2, 2), nn.Dropout(0.25), nn.Flatten(), nn.Linear(7 * 7 * 64, 256),
                             nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.4), nn.Linear(256, 10))
    if exp_id == "vgg-gap":
        def conv(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]
        return nn.Sequential(*conv(1, 32), *conv(32, 32), nn.MaxPool2d(2, 2), *conv(32, 64), *conv(64, 64),
                             nn.MaxPool2d(2, 2), *conv(64, 128), *conv(128, 128), nn.AdaptiveAvgPool2d(1),
                             nn.Flatten(), nn.Dropout(0.2), nn.Linear(128, 10))
    pool_name, rest = exp_id.split("_drop")
    dropout, bn = rest.split("_")
    k, s, p = POOLS[pool_name]
    bn = bn == "bn"
    layers, cin, size = [], 1, 28
    for cout in (32, 32, 64):  # Table 2: three blocks of conv 5x5 (padding 2), [BN], ReLU, max-pool
        layers += [nn.Conv2d(cin, cout, 5, padding=2)] + ([nn.BatchNorm2d(cout)] if bn else []) + [nn.ReLU(), nn.MaxPool2d(k, s, p)]
        cin, size = cout, (size + 2 * p - k) // s + 1
    layers += [nn.Dropout(float(dropout)), nn.Flatten(), nn.Linear(cin * size * size, 64)]
    layers += ([nn.BatchNorm1d(64)] if bn else []) + [nn.ReLU(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


def augment(xb, recipe, device):
    """Flip, shift (zero-filled, up to `shift` pixels per axis) and Cutout, as src/ml/train/batch.ts."""
    import torch
    n = len(xb)
    if recipe.get("hflip"):
        flip = torch.rand(n, device=device) < 0.5
        xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
    s = recipe.get("shift", 0)
    if s:
        padded = torch.nn.functional.pad(xb, (s, s, s, s))
        dy = torch.randint(0, 2 * s + 1, (n,), device=device)
        dx = torch.randint(0, 2 * s + 1, (n,), device=device)
        rows = (torch.arange(28, device=device)[None, :] + dy[:, None])  # n x 28
        cols = (torch.arange(28, device=device)[None, :] + dx[:, None])
        # Output pixel (r, c) reads padded (r + dy, c + dx): a shift by (s - dy, s - dx), zero-filled.
        xb = padded[torch.arange(n, device=device)[:, None, None], 0, rows[:, :, None], cols[:, None, :]].unsqueeze(1)
    c = recipe.get("cutout", 0)
    if c:
        cy = torch.randint(0, 28, (n,), device=device)
        cx = torch.randint(0, 28, (n,), device=device)
        r = torch.arange(28, device=device)
        top, left = cy - c // 2, cx - c // 2
        inside_r = (r[None, :] >= top[:, None]) & (r[None, :] < top[:, None] + c)
        inside_c = (r[None, :] >= left[:, None]) & (r[None, :] < left[:, None] + c)
        mask = inside_r[:, :, None] & inside_c[:, None, :]
        xb = xb.masked_fill(mask[:, None], 0.0)
    return xb


def learning_rate(recipe, epochs, epoch, step, steps):
    """configs/train.yaml's schedules: per-epoch cosine, or warmup_cosine per step (src/ml/train/schedule.ts)."""
    lr = recipe.get("lr", LR)
    warm_epochs = recipe.get("warmup_epochs")
    if warm_epochs is None:
        return lr * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
    total = epochs * steps
    warm = min(total - 1, round(warm_epochs * steps))
    t = epoch * steps + step
    if t < warm:
        return lr * (t + 1) / warm
    return max(lr * 0.5 * (1 + math.cos(math.pi * (t - warm) / max(1, total - warm))), lr * 1e-4)


def train_one(exp_id, data_dir, device, epochs=None):
    import torch
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    xtr, ytr, xte, yte = load(data_dir)
    perm = rng.permutation(len(xtr))
    val_idx, train_idx = perm[:VALIDATION], perm[VALIDATION:]
    to = lambda a: torch.tensor(a, device=device)
    x_train, y_train = to(xtr[train_idx]).float().div(255).unsqueeze(1), to(ytr[train_idx]).long()
    x_val, y_val = to(xtr[val_idx]).float().div(255).unsqueeze(1), to(ytr[val_idx]).long()
    x_test, y_test = to(xte).float().div(255).unsqueeze(1), to(yte).long()
    model = build(exp_id).to(device)
    params = sum(p.numel() for p in model.parameters())
    recipe = RECIPES.get(exp_id, {"epochs": EPOCHS})
    epochs = epochs or recipe["epochs"]
    decay = recipe.get("weight_decay", 0.0)
    if decay:
        # Decoupled decay on the conv and dense kernels only, as src/ml/model/optimizer.ts.
        kernels = [p for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)) for p in [m.weight]]
        ids = {id(p) for p in kernels}
        others = [p for p in model.parameters() if id(p) not in ids]
        opt = torch.optim.AdamW([{"params": kernels, "weight_decay": decay}, {"params": others, "weight_decay": 0.0}],
                                lr=recipe.get("lr", LR))
    else:
        opt = torch.optim.Adam(model.parameters(), lr=recipe.get("lr", LR))
    train_loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=recipe.get("label_smoothing", 0.0))
    history = []
    t0 = time.time()
    steps = math.ceil(len(x_train) / BATCH)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x_train), device=device)
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, len(order), BATCH):
            for g in opt.param_groups:
                g["lr"] = learning_rate(recipe, epochs, epoch, i // BATCH, steps)
            idx = order[i:i + BATCH]
            xb, yb = augment(x_train[idx], recipe, device), y_train[idx]
            out = model(xb)
            loss = train_loss_fn(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
            total += len(idx)
        val_loss, val_acc, _ = evaluate(model, x_val, y_val, recipe.get("tta_hflip", False))
        history.append({"epoch": epoch + 1, "train_loss": loss_sum / total, "train_accuracy": correct / total,
                        "val_loss": val_loss, "val_accuracy": val_acc})
    seconds = time.time() - t0
    _, test_acc, preds = evaluate(model, x_test, y_test, recipe.get("tta_hflip", False))
    per_class = {c: float(((preds == k) & (y_test == k)).sum().item() / (y_test == k).sum().item()) for k, c in enumerate(CLASSES)}
    return {"id": exp_id, "param_count": params, "val_accuracy": history[-1]["val_accuracy"], "test_accuracy": test_acc,
            "per_class": per_class, "history": history, "train_seconds": seconds, "device": str(device),
            "torch": torch.__version__}


def evaluate(model, x, y, tta_hflip=False):
    """Loss, accuracy and predictions; with tta_hflip each image's softmax is averaged with its
    mirror's, as src/ml/train/validate.ts (the loss is then of the averaged probabilities)."""
    import torch
    model.eval()
    with torch.no_grad():
        probs = torch.cat([torch.softmax(model(x[i:i + 1000]), 1) for i in range(0, len(x), 1000)])
        if tta_hflip:
            mirrored = torch.cat([torch.softmax(model(x[i:i + 1000].flip(3)), 1) for i in range(0, len(x), 1000)])
            probs = (probs + mirrored) / 2
    preds = probs.argmax(1)
    loss = torch.nn.functional.nll_loss(probs.clamp(1e-7, 1 - 1e-7).log(), y).item()
    return loss, (preds == y).float().mean().item(), preds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out")
    ap.add_argument("--only")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--parallel", type=int, default=13)
    ap.add_argument("--epochs", type=int, default=0, help="fewer for a smoke test only (default: each recipe's)")
    ap.add_argument("--child")
    a = ap.parse_args()
    if a.child:
        print("RESULT " + json.dumps(train_one(a.child, a.data, a.device, a.epochs)), flush=True)
        return
    ids = a.only.split(",") if a.only else experiment_ids()
    results, running = [], []
    pending = list(ids)
    t0 = time.time()
    while pending or running:
        while pending and len(running) < a.parallel:
            exp = pending.pop(0)
            cmd = [sys.executable, __file__, "--data", a.data, "--device", a.device, "--epochs", str(a.epochs), "--child", exp]
            running.append((exp, subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)))
        exp, proc = running.pop(0)
        out, _ = proc.communicate()
        line = next((l for l in out.splitlines() if l.startswith("RESULT ")), None)
        if proc.returncode != 0 or line is None:
            print(f"{exp}: failed with exit code {proc.returncode}", file=sys.stderr)
            sys.exit(1)
        r = json.loads(line[7:])
        results.append(r)
        print(f"{exp}: val {r['val_accuracy']:.4f} test {r['test_accuracy']:.4f} ({r['param_count']} params, {r['train_seconds']:.0f}s)", flush=True)
    print(f"all {len(results)} experiments in {time.time() - t0:.0f}s", flush=True)
    if a.out:
        kept = []
        if a.only and os.path.exists(a.out):
            with open(a.out) as f:
                kept = [r for r in json.load(f)["experiments"] if r["id"] not in ids]
        with open(a.out, "w") as f:
            json.dump({"experiments": sorted(kept + results, key=lambda r: r["id"])}, f, indent=1)


if __name__ == "__main__":
    main()
