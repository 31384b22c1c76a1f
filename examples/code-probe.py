#!/usr/bin/env python3
r"""What the identity code holds of a synthetic face's geometry.

    ifgan-encode -m MODEL $(awk '$2 == 2 {print "faces/img_align_celeba/" $1}' \
        faces/list_eval_partition.txt) > codes.jsonl
    python3 examples/code-probe.py codes.jsonl faces/identities.jsonl

For each parameter of ifgan-synth's faces (identities.jsonl), a ridge
regression from the code z is fitted on half of the encoded faces and its
R² read on the other half: 1 when the code holds the parameter linearly,
0 or below when it does not. Python's standard library only.
"""
import json
import random
import sys

RIDGE = 1e-3  # small: the codes are well conditioned; it only keeps the solve stable

PARAMETERS = {
    "shift_x": lambda p: p["shift"][0],
    "shift_y": lambda p: p["shift"][1],
    "scale": lambda p: p["scale"],
    "tilt": lambda p: p["tilt"],
    "face_rx": lambda p: p["face"][0],
    "eye_y": lambda p: p["eye_y"],
    "mouth_y": lambda p: p["mouth"][0],
    "mouth_w": lambda p: p["mouth"][1],
}


def read_codes(path):
    """File name -> z, from a latent stream."""
    codes = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                r = json.loads(line)
                codes[r["id"].rsplit("/", 1)[-1]] = [float(v) for v in r["z"]]
            except (ValueError, KeyError, TypeError) as e:
                sys.exit(f"{path}:{n}: not a latent record ({e})")
    return codes


def read_parameters(path, wanted):
    """File name -> the face's parameters, for the files in `wanted`."""
    params = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                r = json.loads(line)
                if r["file"] in wanted:
                    params[r["file"]] = r["params"]
            except (ValueError, KeyError, TypeError) as e:
                sys.exit(f"{path}:{n}: not an identities record ({e})")
    return params


def solve(a, bs):
    """a x = b for each column b of `bs` (rows), by Gauss-Jordan elimination with partial pivoting."""
    n, k = len(a), len(bs[0])
    m = [row[:] + bs[i][:] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[r][c] != 0:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [[m[i][n + j] / m[i][i] for i in range(n)] for j in range(k)]


def fit(xs, ts):
    """Ridge regression weights for each column of the targets `ts` (rows), the intercept last (not penalised).
    The codes' Gram matrix is the same for every target: built and eliminated once."""
    x1 = [x + [1.0] for x in xs]
    d = len(x1[0])
    a = [[sum(x[i] * x[j] for x in x1) + (RIDGE if i == j < d - 1 else 0.0) for j in range(d)] for i in range(d)]
    b = [[sum(x[i] * t[j] for x, t in zip(x1, ts)) for j in range(len(ts[0]))] for i in range(d)]
    return solve(a, b)


def r2(w, xs, ts):
    pred = [sum(a * b for a, b in zip(x + [1.0], w)) for x in xs]
    mean = sum(ts) / len(ts)
    total = sum((t - mean) ** 2 for t in ts)
    if total == 0:
        return None  # a parameter the same on every face: nothing to explain
    return 1 - sum((p - t) ** 2 for p, t in zip(pred, ts)) / total


def probe(codes, params, files):
    """R² per parameter of a fit on the first half of `files`, read on the second."""
    half = len(files) // 2
    fit_on, read_on = files[:half], files[half:]

    def targets(fs):
        return [[get(params[f]) for get in PARAMETERS.values()] for f in fs]

    weights = fit([codes[f] for f in fit_on], targets(fit_on))
    read = targets(read_on)
    return {name: r2(w, [codes[f] for f in read_on], [t[j] for t in read])
            for j, (name, w) in enumerate(zip(PARAMETERS, weights))}


def main():
    if len(sys.argv) != 3:
        print("usage:\n" + __doc__.strip().split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    codes = read_codes(sys.argv[1])
    params = read_parameters(sys.argv[2], set(codes))
    files = sorted(f for f in codes if f in params)
    nz = len(codes[files[0]]) if files else 0
    if not files or len(files) < 4 * nz:
        sys.exit(f"{sys.argv[1]}: {len(files)} faces with parameters; the probe needs four per code number")
    random.Random(1).shuffle(files)
    r2s = probe(codes, params, files)
    result = {"faces": len(files), "r2": {n: None if v is None else round(v, 3) for n, v in r2s.items()}}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
