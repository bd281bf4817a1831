// Copy the front-end files the templates use from node_modules into atelier/static/vendor/.
// Runs as npm's postinstall, so `npm ci` alone produces the vendor folder (git-ignored output).
// Only what is used is copied; nothing is fetched from the network at run time (no CDN).
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const vendor = join(root, "atelier", "static", "vendor");
const require = createRequire(join(root, "package.json"));

// [package, file inside the package, destination inside vendor/]
const FILES = [
  ["bootstrap", "dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"],
  ["bootstrap", "dist/css/bootstrap.min.css.map", "bootstrap/bootstrap.min.css.map"],
  ["bootstrap", "dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"],
  ["bootstrap", "dist/js/bootstrap.bundle.min.js.map", "bootstrap/bootstrap.bundle.min.js.map"],
  ["bootstrap-icons", "font/bootstrap-icons.min.css", "bootstrap-icons/bootstrap-icons.min.css"],
  ["bootstrap-icons", "font/fonts", "bootstrap-icons/fonts"],
  ["htmx.org", "dist/htmx.min.js", "htmx/htmx.min.js"],
  ["echarts", "dist/echarts.min.js", "echarts/echarts.min.js"],
];

rmSync(vendor, { recursive: true, force: true });
const versions = {};
for (const [pkg, file, dest] of FILES) {
  const src = join(modules, pkg, file);
  if (!existsSync(src)) {
    console.error(`build-assets: missing ${pkg}/${file}; run "npm ci" first.`);
    process.exit(1);
  }
  const target = join(vendor, dest);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(src, target, { recursive: true });
  versions[pkg] = require(`${pkg}/package.json`).version;
}
writeFileSync(join(vendor, "VERSIONS.json"), JSON.stringify(versions, null, 2) + "\n");
console.log(
  `build-assets: copied ${FILES.length} entries to atelier/static/vendor/ ` +
    Object.entries(versions).map(([p, v]) => `${p}@${v}`).join(" "),
);
