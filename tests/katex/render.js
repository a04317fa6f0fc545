// Reads [{"where": ..., "tex": ..., "display": true|false}, ...] on stdin and renders each with
// KaTeX, throwing on any parse error; prints one line per failure and exits 1 if there was one.
"use strict";
const katex = require("katex");

const items = JSON.parse(require("fs").readFileSync(0, "utf8"));
let failed = 0;
for (const item of items) {
  try {
    katex.renderToString(item.tex, { displayMode: item.display, throwOnError: true, strict: "ignore" });
  } catch (err) {
    failed += 1;
    console.log(`${item.where}: ${String(err.message).split("\n")[0]}`);
  }
}
console.log(`${items.length} rendered, ${failed} failed`);
process.exit(failed ? 1 : 0);
