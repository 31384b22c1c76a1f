#!/bin/bash
# Markdown tables of docs/results.md from results/<attr>-<variant>.json.
#   examples/results-table.sh [RESULTS_DIR]
set -euo pipefail
dir=${1:-results}
for attr in Smiling Eyeglasses; do
    ls "$dir"/$attr-*.json >/dev/null 2>&1 || continue
    echo "### $attr"
    echo
    echo "| variant | train s | rec MSE | PSNR | SSIM | ŷ acc | edit → 1 | edit → 0 | flip | preserved (vs orig / vs rec) | leakage probe (majority) | counterfactual MSE (ratio to rec) |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
    for v in fast fast32 gamma0 gamma10 auxmu beta0 gan paper astd5 astdmu10 mmd10 lin1 lin10 alpha01 alpha002; do
        f=$dir/$attr-$v.json
        [[ -f $f ]] || continue
        jq -r --arg attr "$attr" '
          def p: . * 1000 | round / 10 | tostring + "%";
          def r(n): . * pow(10; n) | round / pow(10; n) | tostring;
          .attributes[$attr] as $a
          | "| \(.variant) | \(.train_seconds) | \(.reconstruction.mse | r(4)) | \(.reconstruction.psnr | r(2)) | \(.reconstruction.ssim | r(3)) | \($a.accuracy | p) | \($a.edit.to_1 | p) | \($a.edit.to_0 | p) | \($a.edit.flip | p) | \($a.preservation.vs_original | p) / \($a.preservation.vs_reconstruction | p) | \($a.leakage.probe_accuracy | p) (\($a.leakage.majority | p)) | \($a.counterfactual.edit_mse | r(4)) (\($a.counterfactual.ratio | r(2))) |"' "$f"
    done
    echo
done
