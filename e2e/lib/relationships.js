"use strict";

// Relationship helpers on top of lib/sync.js: accounts whose relationship and
// relationship-template REST clients (the package's own, created by
// RelationshipsController / RelationshipTemplateController) are recorded, and
// a bounded syncUntil like upstream TestUtil.syncUntil.

const { setTimeout: sleep } = require("node:timers/promises");
const { CoreDate } = require("@nmshd/core-types");
const { ChangedItems, RelationshipStatus } = require("@nmshd/transport");

const { createTransport, createAccountController, recordExchanges, describeExchanges, loggerFactory } = require("./sync");

/** An initialised AccountController (datawallet disabled, like upstream TestUtil's default) with recorded sync, relationship and template clients. */
async function createRelationshipAccount(label, { exchanges = [], transportOverrides = {} } = {}) {
    const transport = await createTransport(transportOverrides);
    const created = await createAccountController(transport, { label, exchanges });
    // the controllers' clients are private in TypeScript only
    recordExchanges(created.account.relationships.client, label, exchanges);
    recordExchanges(created.account.relationshipTemplates.client, label, exchanges);
    return created;
}

/**
 * Like upstream TestUtil.syncUntil: syncEverything() until `until(accumulated
 * ChangedItems)` holds, with growing pauses, bounded by `timeoutMs`. Fails
 * with the recent exchanges and the package's logged errors otherwise.
 */
async function syncUntil({ account, label, exchanges }, until, { timeoutMs = 30_000, what = "syncUntil" } = {}) {
    const accumulated = new ChangedItems();
    const deadline = Date.now() + timeoutMs;
    const start = exchanges.length;
    const errorsBefore = loggerFactory.errors().length;
    let iteration = 0;
    for (;;) {
        const changed = await account.syncEverything();
        accumulated.relationships.push(...changed.relationships);
        accumulated.messages.push(...changed.messages);
        accumulated.identityDeletionProcesses.push(...changed.identityDeletionProcesses);
        accumulated.files.push(...changed.files);
        const newErrors = loggerFactory.errors().length - errorsBefore;
        if (newErrors > 0) {
            throw new Error(
                `${label}: ${what}: the package logged ${newErrors} error(s) while syncing:\n${loggerFactory.describeErrors()}\n` +
                    `exchanges:\n${describeExchanges(exchanges.slice(start).slice(-20))}`
            );
        }
        if (until(accumulated)) return accumulated;
        iteration++;
        if (Date.now() + 150 * iteration > deadline) break;
        await sleep(Math.min(150 * iteration, 2000));
    }
    throw new Error(
        `${label}: ${what}: condition not met within ${timeoutMs} ms; relationships seen: ` +
            `${JSON.stringify(accumulated.relationships.map((r) => ({ id: r.id.toString(), status: r.status })))}\n` +
            `exchanges:\n${describeExchanges(exchanges.slice(start).slice(-20))}\nlogged errors:\n${loggerFactory.describeErrors()}`
    );
}

/** syncUntil a relationship with the id (and optionally the status) appears among the changed items; returns the last such item. */
async function syncUntilRelationship(created, id, status, options = {}) {
    const match = (r) => r.id.toString() === id.toString() && (status === undefined || r.status === status);
    const result = await syncUntil(created, (items) => items.relationships.some(match), { what: `relationship ${id} ${status ?? ""}`, ...options });
    return result.relationships.filter(match).pop();
}

/**
 * Like upstream TestUtil.addRelationship: `templator` sends a template (1 allocation, 5 min), `requestor` loads it by
 * its truncated reference and sends the relationship, the templator syncs until Pending and accepts, the requestor
 * syncs until Active (unless `syncRequestor: false`). `beforeAccept({ pendingRequestor, pendingTemplator })` runs between the templator seeing Pending
 * and accepting; `afterRequest({ pendingRequestor })` right after the requestor created it. Returns both Active views.
 */
async function addRelationship(templator, requestor, { templateContent = { mycontent: "template" }, creationContent = { mycontent: "request" }, afterRequest, beforeAccept, syncRequestor = true } = {}) {
    const { RelationshipTemplateReference } = require("@nmshd/transport");
    const template = await templator.account.relationshipTemplates.sendRelationshipTemplate({
        content: templateContent,
        expiresAt: CoreDate.utc().add({ minutes: 5 }),
        maxNumberOfAllocations: 1
    });
    const reference = RelationshipTemplateReference.from(template.toRelationshipTemplateReference(templator.account.config.baseUrl).truncate());
    const loaded = await requestor.account.relationshipTemplates.loadPeerRelationshipTemplateByReference(reference);
    const pendingRequestor = await requestor.account.relationships.sendRelationship({ template: loaded, creationContent });
    const afterRequestResult = afterRequest ? await afterRequest({ pendingRequestor }) : undefined;
    const pendingTemplator = await syncUntilRelationship(templator, pendingRequestor.id, RelationshipStatus.Pending);
    const beforeAcceptResult = beforeAccept ? await beforeAccept({ pendingRequestor, pendingTemplator, afterRequestResult }) : undefined;
    const activeTemplator = await templator.account.relationships.accept(pendingTemplator.id);
    const activeRequestor = syncRequestor ? await syncUntilRelationship(requestor, pendingRequestor.id, RelationshipStatus.Active) : undefined;
    return { id: pendingRequestor.id, template, activeTemplator, activeRequestor, afterRequestResult, beforeAcceptResult };
}

module.exports = { createRelationshipAccount, syncUntil, syncUntilRelationship, addRelationship };
