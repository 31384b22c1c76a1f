// Uses ifgan-serve's page as a person does, in Debian's Chromium:
//   node edit.mjs URL PHOTO NO-FACE-PHOTO NOT-AN-IMAGE OUTDIR
// uploads PHOTO, moves the Smiling slider to 1 and writes the image the page
// shows (OUTDIR/edited.*), the face it drew (OUTDIR/photo.json) and a
// screenshot (OUTDIR/page.png); then a photo with no face and a file that is
// not an image, each of which must bring a clear message to the page.
// Exits non-zero, saying why, when the page does not behave.
import { writeFileSync } from "node:fs";
import puppeteer from "puppeteer-core";

const [url, photo, noFace, notImage, out] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"],
});
const fail = async (why) => {
  console.error("browser test: " + why);
  await browser.close();
  process.exit(1);
};
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const outside = [];
  page.on("request", (r) => { if (!r.url().startsWith(url) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) outside.push(r.url()); });
  page.on("pageerror", (e) => fail("page error: " + e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-state="ready"]');

  // Upload: the page draws the face and shows the edit at the photo's own values.
  const file = await page.$("#file");
  await file.uploadFile(photo);
  await page.waitForSelector('body[data-edits="1"]');
  if ((await page.$$(".box")).length !== 1) await fail("one face box expected");
  const before = await page.$eval('input[data-attr="Smiling"]', (s) => s.disabled);
  if (before) await fail("the Smiling slider is disabled after the upload");

  // Move the slider to 1, as a drag does: value, then the input event.
  await page.$eval('input[data-attr="Smiling"]', (s) => {
    s.value = "1";
    s.dispatchEvent(new Event("input", { bubbles: true }));
  });
  await page.waitForFunction(() => {
    const img = document.getElementById("edited");
    return img.dataset.y && JSON.parse(img.dataset.y).Smiling === 1 && document.body.dataset.state === "edited" && !busy;
  });
  const shown = await page.evaluate(async () => {
    const img = document.getElementById("edited");
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return { data: btoa(s), type: (await (await fetch(img.src)).blob()).type, natural: [img.naturalWidth, img.naturalHeight] };
  });
  writeFileSync(`${out}/edited.${shown.type === "image/png" ? "png" : "jpg"}`, Buffer.from(shown.data, "base64"));
  writeFileSync(`${out}/photo.json`, await page.evaluate(() => JSON.stringify(photo)));
  const judged = await page.$eval("#values tbody", (t) => t.rows[0].cells[3].textContent);
  if (!/^[01]\.\d{3}$/.test(judged)) await fail("the judge's probability is not shown: " + judged);
  const download = await page.$eval("#download", (a) => [a.getAttribute("href"), a.download, a.getAttribute("aria-disabled")]);
  if (!download[0].startsWith("blob:") || !/-edit\.(png|jpg)$/.test(download[1]) || download[2] !== "false")
    await fail("the download button: " + download.join(" "));
  await page.screenshot({ path: `${out}/page.png` });

  // A photo with no face, then a file that is not an image: a message each.
  for (const [path, want, shot] of [[noFace, /no face/, "noface.png"], [notImage, /not a PNG or JPEG/, "notimage.png"]]) {
    await file.uploadFile(path);
    await page.waitForSelector('body[data-state="error"]');
    const said = await page.$eval("#message", (m) => m.textContent);
    if (!want.test(said)) await fail(`${path}: the page says '${said}'`);
    await page.screenshot({ path: `${out}/${shot}` });
    await page.evaluate(() => { document.body.dataset.state = "ready"; });
  }
  if (outside.length) await fail("the page asked for something outside the server: " + outside.join(" "));
  console.log(`browser test: ok (edit ${shown.natural.join("x")}, judge ${judged})`);
  await browser.close();
} catch (e) {
  await fail(e.stack || String(e));
}
