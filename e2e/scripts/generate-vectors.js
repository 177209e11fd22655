"use strict";

// Writes e2e/vectors.json (deterministic; see lib/vectors.js).
const fs = require("node:fs");
const path = require("node:path");
const { generateVectors } = require("../lib/vectors");

generateVectors()
    .then((vectors) => {
        const file = path.join(__dirname, "..", "vectors.json");
        fs.writeFileSync(file, `${JSON.stringify(vectors, null, 2)}\n`);
        console.log(`wrote ${file}`);
    })
    .catch((e) => {
        console.error(e);
        process.exitCode = 1;
    });
