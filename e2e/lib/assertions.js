"use strict";

const assert = require("node:assert/strict");

/** A one-line description of an error raised by the package (RequestError, CoreError, ...). */
function describeError(error) {
    if (!error) return String(error);
    const parts = [`code=${error.code}`];
    if (error.status !== undefined) parts.push(`status=${error.status}`);
    if (error.message) parts.push(`message=${JSON.stringify(error.message)}`);
    if (error.object !== undefined && error.object !== null) {
        let obj;
        try {
            // drop the noisy parts of cleaned axios errors
            const { stack, config, ...rest } = typeof error.object === "object" ? error.object : { value: error.object };
            obj = JSON.stringify(rest);
        } catch (_) {
            obj = String(error.object);
        }
        if (obj && obj.length > 400) obj = `${obj.slice(0, 400)}…`;
        parts.push(`details=${obj}`);
    }
    return parts.join(" ");
}

/** Asserts that a ClientResult (or ts-utils Result) succeeded and returns its value. */
function expectSuccess(result, what) {
    if (result.isError) {
        assert.fail(`${what} failed: ${describeError(result.error)}`);
    }
    return result.value;
}

/** Asserts that a ClientResult failed with the given error code (and optionally HTTP status). */
function expectError(result, code, what, { status } = {}) {
    if (result.isSuccess) {
        assert.fail(`${what}: expected error '${code}' but the call succeeded with ${JSON.stringify(result.value)}`);
    }
    assert.equal(result.error.code, code, `${what}: unexpected error: ${describeError(result.error)}`);
    if (status !== undefined) {
        assert.equal(result.error.status, status, `${what}: unexpected HTTP status: ${describeError(result.error)}`);
    }
    return result.error;
}

/** Asserts that a promise rejects with an error of the given code. */
async function expectRejectsWithCode(promise, code, what, { status } = {}) {
    let error;
    try {
        await promise;
    } catch (e) {
        error = e;
    }
    if (!error) assert.fail(`${what}: expected a rejection with '${code}' but it resolved`);
    assert.equal(error.code, code, `${what}: unexpected error: ${describeError(error)}`);
    if (status !== undefined) {
        assert.equal(error.status, status, `${what}: unexpected HTTP status: ${describeError(error)}`);
    }
    return error;
}

const ID_PATTERN = (prefix) => new RegExp(`^${prefix}[A-Za-z0-9]{17}$`);

// yyyy-MM-ddTHH:mm:ss[.fff...]Z or with offset; anything Date can parse and ISO shaped
const ISO_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function expectId(value, prefix, what) {
    assert.equal(typeof value, "string", `${what}: expected a string id, got ${JSON.stringify(value)}`);
    assert.match(value, ID_PATTERN(prefix), `${what}: '${value}' is not a ${prefix} id (3-char prefix + 17 alphanumerics)`);
}

function expectIsoDate(value, what) {
    assert.equal(typeof value, "string", `${what}: expected an ISO-8601 string, got ${JSON.stringify(value)}`);
    assert.match(value, ISO_DATE_PATTERN, `${what}: '${value}' is not ISO-8601`);
    assert.ok(!Number.isNaN(Date.parse(value)), `${what}: '${value}' cannot be parsed`);
}

module.exports = {
    describeError,
    expectSuccess,
    expectError,
    expectRejectsWithCode,
    expectId,
    expectIsoDate
};
