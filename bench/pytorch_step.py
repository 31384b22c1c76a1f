"""The IFcVAE-GAN training step written the plain PyTorch way, for `make bench`
to put ifgan-train's step beside it in the same run on the same machine.

Same networks (docs/model.md), losses, optimisers, batch, image size and
precision as ifgan's paper configuration; idiomatic PyTorch otherwise
(nn.ConvTranspose2d, one autocast region, NCHW tensors, or channels-last
ones with --channels-last; --keep-freed-memory gives glibc's allocator the
settings ifgan-train uses). Two variants: the authors' (y-hat head on detached features, decoder fed
y-hat) and the attached head with the decoder fed the label.

    /usr/bin/python3 bench/pytorch_step.py [THREADS] [--channels-last] [--keep-freed-memory]
"""
import ctypes
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SIZE, NZ, FILTERS, BATCH, K = 64, 100, 64, 64, 1
STEPS, WARMUP = 6, 2
CHANNELS_LAST = "--channels-last" in sys.argv
KEEP_FREED_MEMORY = "--keep-freed-memory" in sys.argv


def keep_freed_memory():
    """mallopt as ifgan-train calls it: blocks up to 32 MiB from the heap, no trimming."""
    libc = ctypes.CDLL("libc.so.6")
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)
    libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1)


def conv_stack(f):
    layers, cin = [], 3
    for i in range(4):  # 64 -> 4
        layers += [nn.Conv2d(cin, f << i, 5, 2, 2), nn.ReLU()]
        cin = f << i
    return nn.Sequential(*layers, nn.Flatten()), cin * 16


class Encoder(nn.Module):
    def __init__(self, detached):
        super().__init__()
        self.convs, n = conv_stack(FILTERS)
        self.mu, self.logvar, self.y = nn.Linear(n, NZ), nn.Linear(n, NZ), nn.Linear(n, K)
        self.detached = detached

    def head(self, h):
        return self.y(h.detach() if self.detached else h)

    def forward(self, x):
        h = self.convs(x)
        return self.mu(h), self.logvar(h), self.head(h)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.c0 = FILTERS << 3
        self.fc = nn.Linear(NZ + K, self.c0 * 16)
        layers, c = [], self.c0
        for _ in range(3):
            layers += [nn.ConvTranspose2d(c, c // 2, 3, 2, 1, 1), nn.BatchNorm2d(c // 2), nn.ReLU()]
            c //= 2
        layers.append(nn.ConvTranspose2d(c, 3, 3, 2, 1, 1))
        self.deconvs = nn.Sequential(*layers)

    def forward(self, y, z):
        h = F.relu(self.fc(torch.cat([y, z], 1)))
        return self.deconvs(h.view(-1, self.c0, 4, 4))


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs, n = conv_stack(FILTERS)
        self.fc = nn.Linear(n, 1)

    def forward(self, x):
        return self.fc(self.convs(x))


def bce_sum(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target), reduction="sum")


def make_step(detached, label_fed):
    torch.manual_seed(1)
    E, G, D = Encoder(detached), Decoder(), Critic()
    A = nn.Sequential(nn.Linear(NZ, 1000), nn.ReLU(), nn.Linear(1000, 1000), nn.ReLU(), nn.Linear(1000, K))
    fmt = torch.channels_last if CHANNELS_LAST else torch.contiguous_format
    for m in (E, G, D, A):
        m.to(memory_format=fmt)
    eg_params = list(E.parameters()) + list(G.parameters())
    opt_eg = torch.optim.RMSprop(eg_params, lr=2e-4, alpha=0.99)
    opt_a = torch.optim.RMSprop(A.parameters(), lr=2e-4, alpha=0.99)
    opt_d = torch.optim.RMSprop(D.parameters(), lr=2e-4, alpha=0.9)
    x = torch.rand(BATCH, 3, SIZE, SIZE).contiguous(memory_format=fmt)
    y = torch.randint(0, 2, (BATCH, K)).float()

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16):
            mu, logvar, y_logits = E(x)
            mu, logvar, y_logits = mu.float(), logvar.float(), y_logits.float()
            z = mu + (0.5 * logvar).exp() * torch.randn_like(mu)
            xr_logits = G(y if label_fed else torch.sigmoid(y_logits), z).float()
            xr = torch.sigmoid(xr_logits)
            xs = torch.sigmoid(G(y, torch.randn_like(mu))).float()
            d = D(torch.cat([x, xr, xs])).float()
            d_real, d_rec, d_samp = d[:BATCH], d[BATCH:2 * BATCH], d[2 * BATCH:]
            if detached:
                with torch.no_grad():
                    feats = E.convs(xr.detach())
            else:
                feats = E.convs(xr)
            yrec_logits = E.y(feats).float()
            a_logits = A(z).float()
        rec = F.binary_cross_entropy_with_logits(xr_logits, x, reduction="sum") / (SIZE * SIZE)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum() / NZ
        cls = F.binary_cross_entropy_with_logits(y_logits, y)
        cls_rec = F.binary_cross_entropy_with_logits(yrec_logits, y)
        aux = F.binary_cross_entropy_with_logits(a_logits, y)
        gen = 0.5 * (bce_sum(d_rec, 1.0) + bce_sum(d_samp, 1.0))
        dis = 0.3 * (bce_sum(d_real, 1.0) + bce_sum(d_rec, 0.0) + bce_sum(d_samp, 0.0))
        eg = rec + kl + cls + cls_rec - aux + gen
        for o in (opt_eg, opt_a, opt_d):
            o.zero_grad()
        torch.autograd.backward(eg, inputs=eg_params, retain_graph=True)
        torch.autograd.backward(aux, inputs=list(A.parameters()), retain_graph=True)
        torch.autograd.backward(dis, inputs=list(D.parameters()))
        for o in (opt_eg, opt_a, opt_d):
            o.step()

    return step


def main():
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    threads = int(numbers[0]) if numbers else torch.get_num_threads()
    torch.set_num_threads(threads)
    if KEEP_FREED_MEMORY:
        keep_freed_memory()
    for variant, detached, label_fed in (("authors", True, False), ("attached-label", False, True)):
        step = make_step(detached, label_fed)
        for _ in range(WARMUP):
            step()
        times = []
        for _ in range(STEPS):
            t = time.perf_counter()
            step()
            times.append(time.perf_counter() - t)
        sec, best = sum(times) / STEPS, min(times)
        print(json.dumps({"measure": "pytorch_step", "variant": variant, "precision": "bf16",
                          "layout": ("channels_last" if CHANNELS_LAST else "nchw") + ("+kept_memory" if KEEP_FREED_MEMORY else ""), "batch": BATCH, "threads": threads,
                          "torch": torch.__version__, "ms_per_step": sec * 1000, "images_per_s": BATCH / sec,
                          "best_ms_per_step": best * 1000, "best_images_per_s": BATCH / best}),
              flush=True)


if __name__ == "__main__":
    main()
