"use strict";

// The scaffolding every relationship-based e2e file shares: accounts made
// once per label and closed after the file's tests, one exchange log, and
// `step`, which attaches the recent exchanges to a failing package call.

const { after } = require("node:test");

const { describeError } = require("./assertions");
const { closeDatabases, describeExchanges } = require("./sync");
const { createRelationshipAccount } = require("./relationships");

/**
 * @param {(created: object, label: string, exchanges: object[]) => void} [record]
 *   records further controllers' clients of a new account (they are private in TypeScript only)
 */
function newSession(record = () => {}) {
    const exchanges = [];
    const opened = [];
    const accountPromises = {};
    after(async () => {
        for (const account of opened) await account.close().catch(() => {});
        await closeDatabases();
    });

    function getAccount(label) {
        accountPromises[label] ??= (async () => {
            const created = await createRelationshipAccount(label, { exchanges });
            record(created, label, exchanges);
            opened.push(created.account);
            return created;
        })();
        return accountPromises[label];
    }

    /** Runs a package call; on failure, rethrows with the recent exchanges attached. */
    async function step(what, fn) {
        const start = exchanges.length;
        try {
            return await fn();
        } catch (e) {
            e.message = `${what}: ${describeError(e)}\nexchanges:\n${describeExchanges(exchanges.slice(start).slice(-15))}`;
            throw e;
        }
    }

    return { exchanges, getAccount, step };
}

/** The JSON form of a package object, for deep comparisons. */
function plain(serializable) {
    const json = typeof serializable?.toJSON === "function" ? serializable.toJSON() : serializable;
    return JSON.parse(JSON.stringify(json));
}

module.exports = { newSession, plain };
