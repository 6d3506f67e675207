// Bundles the third-party browser code into platform/campfire/static/vendor/ (committed) and
// writes LICENSES.txt naming every package that ended up in a bundle, with its licence text.
// Run with `npm ci && npm run build` (or `make vendor`).
import { build } from "esbuild";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(here, "../platform/campfire/static/vendor");
const entries = ["codemirror", "dompurify", "ansi_up"];

mkdirSync(outdir, { recursive: true });
const result = await build({
  entryPoints: Object.fromEntries(entries.map((name) => [name, join(here, "src", `${name}.js`)])),
  outdir,
  bundle: true,
  format: "esm",
  minify: true,
  target: ["es2020"],
  legalComments: "none", // licences are collected in LICENSES.txt instead
  metafile: true,
  logLevel: "info",
});

// Every bundled input under node_modules/<pkg>/ (or node_modules/@scope/<pkg>/) names a package.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) packages.add(match[1]);
}

function licenceText(dir) {
  const file = readdirSync(dir).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
  if (!file) throw new Error(`no licence file in ${dir}: check the package before vendoring it`);
  return readFileSync(join(dir, file), "utf8").trim();
}

const sections = [...packages].sort().map((name) => {
  const dir = join(here, "node_modules", name);
  if (!existsSync(dir)) throw new Error(`bundled package ${name} is not in node_modules`);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  return `${"=".repeat(72)}\n${name} ${meta.version} — ${meta.license}\n${"=".repeat(72)}\n\n${licenceText(dir)}\n`;
});
const header =
  "Third-party code bundled into this directory by frontend/build.mjs (esbuild).\n" +
  `Bundles: ${entries.map((e) => `${e}.js`).join(", ")}.\n` +
  `Packages (${packages.size}): ${[...packages].sort().join(", ")}.\n\n`;
writeFileSync(join(outdir, "LICENSES.txt"), header + sections.join("\n"));
console.log(`wrote ${join(outdir, "LICENSES.txt")} (${packages.size} packages)`);
