// Bundles every widget entry (js/src/<stem>/<stem>.js, with its <stem>.css) into
// vbn_widgets/static/<stem>.{js,css}. New widgets drop in: a folder under src/ holding a .js file of
// its own name is an entry; src/lib/ holds what several widgets share.
import { existsSync, readdirSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";

const SRC = new URL("./src/", import.meta.url).pathname;
const OUT = new URL("../vbn_widgets/static/", import.meta.url).pathname;
const watch = process.argv.includes("--watch");

const entries = readdirSync(SRC, { withFileTypes: true })
  .filter((dir) => dir.isDirectory() && existsSync(join(SRC, dir.name, `${dir.name}.js`)))
  .map((dir) => join(SRC, dir.name, `${dir.name}.js`));

mkdirSync(OUT, { recursive: true });
const options = {
  entryPoints: entries,
  bundle: true,
  format: /** @type {const} */ ("esm"),
  minify: !watch,
  sourcemap: watch ? /** @type {const} */ ("inline") : false,
  outdir: OUT,
  entryNames: "[name]",
  logLevel: /** @type {const} */ ("info"),
};
if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  if (entries.length > 0) await esbuild.build(options);
  // Marker checked by hatch-jupyter-builder's ensured-targets / skip-if-exists.
  writeFileSync(join(OUT, ".built"), `${entries.length} entries\n`);
}
