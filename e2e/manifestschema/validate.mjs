#!/usr/bin/env node
// Validate a Microsoft Teams app manifest against the official JSON schema
// shipped in the pinned npm package @microsoft/app-manifest. Offline only.
//
// Usage: node validate.mjs <manifest.json> [--schema-version 1.22]
// Exit:  0 valid, 1 invalid (one error per line: <instancePath> <message> <params JSON>),
//        2 bad usage / unreadable file / schema problem.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const DEFAULT_VERSION = "1.22";
const PKG = "@microsoft/app-manifest";
const USAGE = `usage: node validate.mjs <manifest.json> [--schema-version ${DEFAULT_VERSION}]`;

function fail(msg) {
  process.stderr.write(`error: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  let file;
  let version = DEFAULT_VERSION;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h" || a === "--help") {
      process.stdout.write(USAGE + "\n");
      process.exit(0);
    } else if (a === "--schema-version") {
      if (i + 1 >= argv.length) fail(`--schema-version needs a value\n${USAGE}`);
      version = argv[++i];
    } else if (a.startsWith("--schema-version=")) {
      version = a.slice("--schema-version=".length);
    } else if (a.startsWith("-")) {
      fail(`unknown option ${a}\n${USAGE}`);
    } else if (file === undefined) {
      file = a;
    } else {
      fail(`unexpected argument ${a}\n${USAGE}`);
    }
  }
  if (file === undefined) fail(`missing manifest path\n${USAGE}`);
  version = version.replace(/^v/i, "");
  if (!/^(\d+\.\d+|DevPreview)$/i.test(version)) fail(`bad --schema-version ${JSON.stringify(version)}`);
  if (/^devpreview$/i.test(version)) version = "DevPreview";
  return { file, version };
}

function readJSON(file, what) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    fail(`cannot read ${what} ${file}: ${e.message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(`${what} ${file} is not valid JSON: ${e.message}`);
  }
}

function packageSchemaRoot() {
  let pkgJson;
  try {
    pkgJson = require.resolve(`${PKG}/package.json`);
  } catch {
    fail(`${PKG} is not installed; run "npm ci" in ${path.dirname(new URL(import.meta.url).pathname)}`);
  }
  return path.join(path.dirname(pkgJson), "build", "json-schemas");
}

// Pick the Ajv class matching the schema's declared draft.
function makeAjv(schema) {
  const opts = { allErrors: true, strict: false };
  const decl = String(schema.$schema || "http://json-schema.org/draft-07/schema#").replace(/#$/, "");
  const m = decl.match(/json-schema\.org\/(?:(draft-0[467])|draft\/(2019-09|2020-12))\/schema$/);
  if (!m) fail(`schema declares unsupported $schema ${JSON.stringify(schema.$schema)}`);
  const draft = m[1] || m[2];
  let ajv;
  if (draft === "draft-04") {
    const Ajv04 = require("ajv-draft-04");
    ajv = new Ajv04(opts);
  } else if (draft === "draft-06" || draft === "draft-07") {
    const Ajv = require("ajv");
    ajv = new Ajv(opts);
    if (draft === "draft-06") ajv.addMetaSchema(require("ajv/dist/refs/json-schema-draft-06.json"));
  } else if (draft === "2019-09") {
    const Ajv2019 = require("ajv/dist/2019");
    ajv = new Ajv2019(opts);
  } else {
    const Ajv2020 = require("ajv/dist/2020");
    ajv = new Ajv2020(opts);
  }
  require("ajv-formats")(ajv);
  return { ajv, idKey: draft === "draft-04" ? "id" : "$id" };
}

// Collect every non-local $ref (anything not starting with "#").
function externalRefs(node, out = new Set()) {
  if (Array.isArray(node)) node.forEach((n) => externalRefs(n, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string" && !v.startsWith("#")) out.add(v);
      else externalRefs(v, out);
    }
  }
  return out;
}

// Map a referenced URI to a file inside the package, or fail. Relative refs are
// resolved against the referencing schema's URI; absolute URLs are accepted only
// when their path contains /json-schemas/ (the layout the package mirrors).
function refToFile(ref, baseUri, root) {
  const noFrag = ref.split("#")[0];
  if (noFrag === "") return null;
  let url;
  try {
    url = new URL(noFrag, baseUri);
  } catch {
    fail(`cannot resolve $ref ${ref} against ${baseUri}`);
  }
  if (url.protocol === "file:") {
    const p = url.pathname;
    if (p.startsWith(root + path.sep)) return { uri: url.href, file: p };
  } else {
    const idx = url.pathname.indexOf("/json-schemas/");
    if (idx >= 0) {
      const rel = url.pathname.slice(idx + "/json-schemas/".length);
      const file = path.join(root, ...rel.split("/"));
      if (fs.existsSync(file)) return { uri: url.href, file };
    }
  }
  fail(`schema $ref ${ref} points outside the installed package (no network fetches are done); cannot resolve it offline`);
}

function addReferencedSchemas(ajv, idKey, schema, baseUri, root, seen) {
  for (const ref of externalRefs(schema)) {
    const hit = refToFile(ref, baseUri, root);
    if (!hit || seen.has(hit.uri)) continue;
    seen.add(hit.uri);
    const sub = readJSON(hit.file, "referenced schema");
    const subBase = typeof sub[idKey] === "string" ? sub[idKey] : hit.uri;
    if (!sub[idKey]) ajv.addSchema(sub, hit.uri);
    else ajv.addSchema(sub);
    addReferencedSchemas(ajv, idKey, sub, subBase, root, seen);
  }
}

function main() {
  const { file, version } = parseArgs(process.argv.slice(2));
  const root = packageSchemaRoot();
  const schemaFile = path.join(root, "teams", `v${version}`, "MicrosoftTeams.schema.json");
  if (!fs.existsSync(schemaFile)) {
    let avail = [];
    try {
      avail = fs
        .readdirSync(path.join(root, "teams"))
        .map((d) => d.replace(/^v/, ""))
        .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    } catch {}
    fail(`no Teams schema ${version} in ${PKG} (looked for ${schemaFile}); available: ${avail.join(", ")}`);
  }
  const schema = readJSON(schemaFile, "schema");
  const manifest = readJSON(file, "manifest");

  const { ajv, idKey } = makeAjv(schema);
  const baseUri = typeof schema[idKey] === "string" ? schema[idKey] : new URL(`file://${schemaFile}`).href;
  addReferencedSchemas(ajv, idKey, schema, baseUri, root, new Set([baseUri]));

  // Give the root schema a base URI so relative $refs resolve to package files.
  const rootSchema = typeof schema[idKey] === "string" ? schema : { ...schema, [idKey]: baseUri };
  let validate;
  try {
    validate = ajv.compile(rootSchema);
  } catch (e) {
    fail(`cannot compile schema ${schemaFile}: ${e.message}`);
  }

  const errors = [];
  if (!validate(manifest)) errors.push(...validate.errors);

  // The manifest must declare the same version we validate against.
  const expected = version === "DevPreview" ? "devPreview" : version;
  const actual = manifest && typeof manifest === "object" ? manifest.manifestVersion : undefined;
  if (actual !== expected) {
    errors.push({
      instancePath: "/manifestVersion",
      message: "must equal the requested schema version",
      params: { expected, actual: actual === undefined ? null : actual },
    });
  }

  if (errors.length === 0) {
    process.stdout.write(`manifest valid against Teams schema ${version}\n`);
    process.exit(0);
  }
  for (const e of errors) {
    process.stdout.write(`${e.instancePath || "(root)"} ${e.message} ${JSON.stringify(e.params)}\n`);
  }
  process.exit(1);
}

main();
