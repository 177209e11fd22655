"use strict";

// End-to-end: synchronization (sync runs) and the datawallet against a running
// OpenBackbone, driven by the published @nmshd/transport 7.0.0 high-level
// AccountController (identity creation, device onboarding, syncEverything,
// syncDatawallet), as upstream's TestUtil and SyncController/DeviceOnboarding
// tests do it. Needs BACKBONE_BASE_URL (fails, never skips, without it).

const assert = require("node:assert/strict");
const { after, describe, it } = require("node:test");
const { CoreDate, CoreIdHelper } = require("@nmshd/core-types");
const { RESTClientAuthenticate, SyncClient } = require("@nmshd/transport");

const { anonymousClients } = require("./lib/clients");
const { expectSuccess, expectError, expectRejectsWithCode, expectId, expectIsoDate } = require("./lib/assertions");
const {
    loggerFactory,
    createTransport,
    describeExchanges,
    closeDatabases,
    createAccountController,
    createIdentityWithTwoDevices,
    unpushedModificationCount,
    localDatawalletIndex,
    E2ESyncedNote,
    NOTES_COLLECTION
} = require("./lib/sync");

const TEST = { timeout: 120_000 };

const SYNC_RUNS = "/api/v2/SyncRuns";
const DATAWALLET = "/api/v2/Datawallet";
const MODIFICATIONS = "/api/v2/Datawallet/Modifications";

/** GET /SyncRuns/{id} and PUT …/RefreshExpirationTime: not in the 7.0.0 SyncClient; the package's RESTClientAuthenticate does the HTTP. */
class SyncRunClient extends RESTClientAuthenticate {
    async getSyncRun(id) {
        return await this.get(`${SYNC_RUNS}/${id}`);
    }

    async refreshExpirationTime(id) {
        return await this.put(`${SYNC_RUNS}/${id}/RefreshExpirationTime`, {});
    }
}

// ---------------------------------------------------------------- helpers

const opened = [];
after(async () => {
    for (const account of opened) await account.close().catch(() => {});
    await closeDatabases();
});

function track(created) {
    opened.push(created.account);
    return created;
}

/** Runs fn and asserts that the package logged no error meanwhile (SyncController swallows some datawallet errors). */
async function withoutLoggedErrors(what, exchanges, fn) {
    const before = loggerFactory.errors().length;
    const result = await fn();
    const errors = loggerFactory.errors().slice(before);
    if (errors.length > 0) {
        assert.fail(`${what}: the package logged ${errors.length} error(s):\n${loggerFactory.describeErrors()}\nexchanges:\n${describeExchanges(exchanges)}`);
    }
    return result;
}

/** Runs fn and returns the SyncClient exchanges it caused. */
async function exchangesOf(exchanges, fn) {
    const start = exchanges.length;
    await fn();
    return exchanges.slice(start);
}

function find(exchanges, method, urlPredicate, what) {
    const found = exchanges.filter((e) => e.method === method && urlPredicate(e.url));
    assert.ok(found.length > 0, `${what}: no ${method} request found in:\n${describeExchanges(exchanges)}`);
    return found;
}

function expectStatus(exchange, status, what) {
    assert.equal(exchange.status, status, `${what}: unexpected status:\n${describeExchanges([exchange])}`);
}

const isSyncRunStart = (url) => url === SYNC_RUNS;
const isFinalizeUpgrade = (url) => /^\/api\/v2\/SyncRuns\/SYR[A-Za-z0-9]{17}\/FinalizeDatawalletVersionUpgrade$/.test(url);
const isModifications = (url) => url === MODIFICATIONS;

/** Indexes the server assigned in one exchange (finalize or push), or []. */
function assignedIndexes(exchange) {
    const result = exchange.responseBody?.result;
    if (!result || exchange.status >= 300) return [];
    const items = result.datawalletModifications ?? result.modifications;
    if (!Array.isArray(items) || exchange.method === "GET") return [];
    return items.map((m) => m.index);
}

function assertConsecutive(indexes, first, what) {
    assert.deepEqual(
        indexes,
        indexes.map((_, i) => first + i),
        `${what}: indexes ${JSON.stringify(indexes)} are not consecutive from ${first}`
    );
}

async function newNote(values) {
    return E2ESyncedNote.from({ id: await CoreIdHelper.notPrefixed.generate(), ...values });
}

// text with multi-byte UTF-8, JSON escapes and enough length that the base64(url) ciphertext contains '+'/'/' resp. '-'/'_'
const LONG_TEXT = `Grüße aus Köln – "quotes", \\backslash\\, emoji 😀, CJK 漢字, newline\n. `.repeat(40);

// ---------------------------------------------------------------- single device, datawallet disabled (package default)

let plainPromise;
function getPlainAccount() {
    plainPromise ??= (async () => {
        const transport = await createTransport();
        return track(await createAccountController(transport, { label: "plain" }));
    })();
    return plainPromise;
}

describe("AccountController with the datawallet disabled (package default)", () => {
    it("init() creates the identity and runs the DatawalletVersionUpgrade sync run (POST /SyncRuns, PUT …/FinalizeDatawalletVersionUpgrade)", TEST, async () => {
        const { account, exchanges } = await getPlainAccount();
        assert.equal(account.config.datawalletEnabled, false);

        const [start] = find(exchanges, "POST", isSyncRunStart, "init");
        expectStatus(start, 201, "POST /api/v2/SyncRuns (DatawalletVersionUpgrade)");
        assert.deepEqual(start.requestBody, { type: "DatawalletVersionUpgrade" });
        const { status, syncRun } = start.responseBody.result;
        assert.equal(status, "Created");
        assert.ok(syncRun, "a DatawalletVersionUpgrade run must be returned");
        expectId(syncRun.id, "SYR", "syncRun.id");
        assert.equal(syncRun.index, 0, "first sync run of the identity");
        assert.equal(syncRun.createdBy, account.identity.address.toString());
        assert.equal(syncRun.createdByDevice, account.activeDevice.id.toString());
        assert.equal(syncRun.eventCount, 0);
        expectIsoDate(syncRun.createdAt, "syncRun.createdAt");
        expectIsoDate(syncRun.expiresAt, "syncRun.expiresAt");

        const [finalize] = find(exchanges, "PUT", isFinalizeUpgrade, "init");
        expectStatus(finalize, 200, "PUT FinalizeDatawalletVersionUpgrade");
        assert.equal(finalize.url, `${SYNC_RUNS}/${syncRun.id}/FinalizeDatawalletVersionUpgrade`);
        assert.equal(finalize.requestBody.newDatawalletVersion, 1);
        assert.deepEqual(finalize.requestBody.datawalletModifications, [], "datawallet disabled: nothing to push");
        assert.deepEqual(finalize.responseBody.result.datawalletModifications, []);
        assert.equal(finalize.responseBody.result.newDatawalletModificationIndex, null);
    });

    it("syncEverything() takes the NoNewEvents path and returns no changed items", TEST, async () => {
        const { account, exchanges } = await getPlainAccount();
        let changed;
        const calls = await exchangesOf(exchanges, () =>
            withoutLoggedErrors("syncEverything", exchanges, async () => {
                changed = await account.syncEverything();
            })
        );
        const [start] = find(calls, "POST", isSyncRunStart, "syncEverything");
        expectStatus(start, 200, "POST /api/v2/SyncRuns (ExternalEventSync, no events)");
        assert.deepEqual(start.requestBody, { type: "ExternalEventSync" });
        assert.deepEqual(start.responseBody.result, { status: "NoNewEvents", syncRun: null });
        assert.deepEqual([changed.relationships, changed.messages, changed.identityDeletionProcesses, changed.files], [[], [], [], []]);
        assert.ok(await account.getLastCompletedSyncTime(), "the last completed sync time must be set");

        // twice in a row (no run stays open)
        await account.syncEverything();
    });

    it("syncDatawallet() succeeds", TEST, async () => {
        const { account, exchanges } = await getPlainAccount();
        await withoutLoggedErrors("syncDatawallet", exchanges, () => account.syncDatawallet());
    });

    it("SyncClient.getDatawallet reports datawallet version 1 (GET /api/v2/Datawallet)", TEST, async () => {
        const { account, syncClient } = await getPlainAccount();
        const value = expectSuccess(await syncClient.getDatawallet(), "GET /api/v2/Datawallet");
        assert.deepEqual(value, { version: 1 });
        assert.equal(account.config.supportedDatawalletVersion, 1);
    });
});

// ---------------------------------------------------------------- single device, datawallet enabled

let walletPromise;
function getWalletAccount() {
    walletPromise ??= (async () => {
        const transport = await createTransport({ datawalletEnabled: true });
        return track(await createAccountController(transport, { label: "wallet" }));
    })();
    return walletPromise;
}

describe("AccountController with the datawallet enabled (one device)", () => {
    it("init() pushes the device record with FinalizeDatawalletVersionUpgrade (indexes from 0) and reads the datawallet", TEST, async () => {
        const { account, exchanges } = await getWalletAccount();
        assert.equal(account.config.datawalletEnabled, true);

        const [finalize] = find(exchanges, "PUT", isFinalizeUpgrade, "init");
        expectStatus(finalize, 200, "PUT FinalizeDatawalletVersionUpgrade");
        const pushed = finalize.requestBody.datawalletModifications;
        assert.ok(pushed.length > 0, "the first device's record must be pushed with the finalize request");
        for (const m of pushed) {
            assert.equal(m.collection, "Devices");
            assert.equal(m.objectIdentifier, account.activeDevice.id.toString());
            assert.equal(m.datawalletVersion, 1);
            assert.equal(typeof m.encryptedPayload, "string");
        }
        const result = finalize.responseBody.result;
        assert.equal(result.datawalletModifications.length, pushed.length);
        assertConsecutive(assignedIndexes(finalize), 0, "FinalizeDatawalletVersionUpgrade");
        assert.equal(result.newDatawalletModificationIndex, pushed.length - 1);
        for (const m of result.datawalletModifications) {
            expectId(m.id, "DWM", "datawalletModifications[].id");
            expectIsoDate(m.createdAt, "datawalletModifications[].createdAt");
        }

        // the initial syncDatawallet after the upgrade
        const [getDatawallet] = find(exchanges, "GET", (u) => u === DATAWALLET, "init");
        expectStatus(getDatawallet, 200, "GET /api/v2/Datawallet");
        assert.deepEqual(getDatawallet.responseBody.result, { version: 1 });
        const [getModifications] = find(exchanges, "GET", isModifications, "init");
        expectStatus(getModifications, 200, "GET /api/v2/Datawallet/Modifications");

        assert.equal(await unpushedModificationCount(account), 0, "all local modifications must have been pushed");
        assert.equal(await localDatawalletIndex(account), pushed.length - 1);
    });

    it("syncEverything() and syncDatawallet() succeed with nothing new (NoNewEvents, no push)", TEST, async () => {
        const { account, exchanges } = await getWalletAccount();
        const indexBefore = await localDatawalletIndex(account);
        const calls = await exchangesOf(exchanges, () =>
            withoutLoggedErrors("syncEverything + syncDatawallet", exchanges, async () => {
                await account.syncEverything();
                await account.syncDatawallet();
            })
        );
        const starts = find(calls, "POST", isSyncRunStart, "syncEverything");
        assert.deepEqual(starts[0].responseBody.result, { status: "NoNewEvents", syncRun: null });
        const gets = find(calls, "GET", isModifications, "syncEverything + syncDatawallet");
        for (const get of gets) {
            expectStatus(get, 200, "GET /api/v2/Datawallet/Modifications");
            assert.deepEqual(get.params, { localIndex: indexBefore });
            assert.deepEqual(get.responseBody.result, [], "nothing new after the own push");
        }
        assert.equal(calls.filter((e) => e.method === "POST" && isModifications(e.url)).length, 0, "nothing to push");
        assert.equal(await localDatawalletIndex(account), indexBefore);
    });

    it("a new synchronized item is pushed with POST /Datawallet/Modifications (localIndex, consecutive indexes) and its payloads decrypt again", TEST, async () => {
        const { account, syncClient, exchanges } = await getWalletAccount();
        const indexBefore = await localDatawalletIndex(account);
        const note = await newNote({ kind: "single", text: LONG_TEXT, pinned: false, title: "one device" });
        const collection = await account.getSynchronizedCollection(NOTES_COLLECTION);
        await collection.create(note);
        assert.equal(await unpushedModificationCount(account), 4, "one modification per payload category");

        const calls = await exchangesOf(exchanges, () => withoutLoggedErrors("syncDatawallet", exchanges, () => account.syncDatawallet()));
        const [push] = find(calls, "POST", isModifications, "syncDatawallet");
        expectStatus(push, 201, "POST /api/v2/Datawallet/Modifications");
        assert.equal(push.requestBody.localIndex, indexBefore);
        assert.equal(push.requestBody.modifications.length, 4);
        assertConsecutive(assignedIndexes(push), indexBefore + 1, "POST /Datawallet/Modifications");
        assert.equal(push.responseBody.result.newIndex, indexBefore + 4);
        assert.equal(await localDatawalletIndex(account), indexBefore + 4);
        assert.equal(await unpushedModificationCount(account), 0);

        // read them back with the package's SyncClient and decrypt with the device's keys
        const page = expectSuccess(await syncClient.getDatawalletModifications({ localIndex: indexBefore }), "GET /api/v2/Datawallet/Modifications");
        const items = await page.collect();
        assert.deepEqual(
            items.map((m) => m.index),
            [1, 2, 3, 4].map((i) => indexBefore + i)
        );
        const payloads = {};
        for (const item of items) {
            expectId(item.id, "DWM", "modification.id");
            assert.equal(item.objectIdentifier, note.id.toString());
            assert.equal(item.collection, NOTES_COLLECTION);
            assert.equal(item.type, "Create");
            assert.equal(item.datawalletVersion, 1);
            assert.equal(item.createdByDevice, account.activeDevice.id.toString());
            expectIsoDate(item.createdAt, "modification.createdAt");
            assert.match(item.encryptedPayload, /^[A-Za-z0-9_-]+={0,2}$/, "encryptedPayload must be base64url");
            payloads[item.payloadCategory] = await account.activeDevice.secrets.decryptDatawalletModificationPayload(item.encryptedPayload, item.index);
        }
        assert.deepEqual(payloads, {
            TechnicalData: { kind: "single" },
            Content: { text: LONG_TEXT },
            Metadata: { pinned: false },
            Userdata: { title: "one device" }
        });
    });

    it("sync run lifecycle: GET /SyncRuns/{id}, RefreshExpirationTime, concurrency errors while a run is open, finalize", TEST, async () => {
        const { account, syncClient, exchanges } = await getWalletAccount();
        const runs = new SyncRunClient(account.config, account.authenticator);

        const started = expectSuccess(await syncClient.startSyncRun({ type: "DatawalletVersionUpgrade" }), "POST /api/v2/SyncRuns");
        assert.equal(started.status, "Created");
        const run = started.syncRun;
        expectId(run.id, "SYR", "syncRun.id");

        const read = expectSuccess(await runs.getSyncRun(run.id), "GET /api/v2/SyncRuns/{id}");
        assert.equal(read.id, run.id);
        assert.equal(read.index, run.index);
        assert.equal(read.createdByDevice, account.activeDevice.id.toString());

        const refreshed = expectSuccess(await runs.refreshExpirationTime(run.id), "PUT /api/v2/SyncRuns/{id}/RefreshExpirationTime");
        expectIsoDate(refreshed.expiresAt, "expiresAt");
        assert.ok(CoreDate.from(refreshed.expiresAt).isAfter(CoreDate.utc()), "the refreshed expiry must be in the future");

        expectError(
            await syncClient.startSyncRun({ type: "ExternalEventSync" }),
            "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning",
            "POST /api/v2/SyncRuns while a run is open",
            { status: 400 }
        );
        expectError(
            await syncClient.createDatawalletModifications({
                localIndex: await localDatawalletIndex(account),
                modifications: [{ objectIdentifier: "x", collection: NOTES_COLLECTION, type: "Create", datawalletVersion: 1 }]
            }),
            "error.platform.validation.datawallet.cannotPushDatawalletModificationsDuringActiveSyncRun",
            "POST /api/v2/Datawallet/Modifications while a run is open",
            { status: 400 }
        );
        await expectRejectsWithCode(
            account.syncEverything(),
            "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning",
            "AccountController.syncEverything while a run is open",
            { status: 400 }
        );

        const finalized = expectSuccess(
            await syncClient.finalizeDatawalletVersionUpgrade(run.id, { newDatawalletVersion: 1, datawalletModifications: [] }),
            "PUT FinalizeDatawalletVersionUpgrade (same version)"
        );
        assert.deepEqual(finalized.datawalletModifications, []);
        assert.equal(finalized.newDatawalletModificationIndex, await localDatawalletIndex(account));

        // and the account syncs normally again
        await withoutLoggedErrors("syncEverything after the run", exchanges, () => account.syncEverything());
        assert.deepEqual(expectSuccess(await syncClient.getDatawallet(), "GET /api/v2/Datawallet"), { version: 1 });
    });
});

// ---------------------------------------------------------------- two devices, datawallet enabled

let twoDevicesPromise;
function getTwoDevices() {
    twoDevicesPromise ??= (async () => {
        const transport = await createTransport({ datawalletEnabled: true });
        const created = await createIdentityWithTwoDevices(transport);
        track(created.device1);
        track(created.device2);
        return { ...created, transport };
    })();
    return twoDevicesPromise;
}

async function readNote(account, id) {
    const collection = await account.getSynchronizedCollection(NOTES_COLLECTION);
    return await collection.read(id.toString());
}

describe("datawallet with two devices of one identity (createIdentityWithTwoDevices)", () => {
    it("device 2 onboards with the shared secret: same identity, own password, sees both device records", TEST, async () => {
        const { device1, device2, device2Record, sharedSecret, transport } = await getTwoDevices();
        const d1 = device1.account;
        const d2 = device2.account;
        assert.equal(d2.identity.address.toString(), d1.identity.address.toString());
        assert.equal(d2.activeDevice.id.toString(), device2Record.id.toString());
        assert.notEqual(d2.activeDevice.id.toString(), d1.activeDevice.id.toString());

        // onboarding changed device 2's password (PUT /Devices/Self/Password): the shared initial one no longer works
        const login = (password) =>
            anonymousClients(transport.config).auth.authenticate({
                grantType: "password",
                clientId: transport.config.platformClientId,
                clientSecret: transport.config.platformClientSecret,
                username: sharedSecret.username,
                password
            });
        expectError(await login(sharedSecret.password), "error.transport.request.noAuthGrant", "login with the shared initial password", { status: 400 });

        // the device records came through the datawallet
        const ids = async (account) => (await account.devices.list()).map((d) => d.id.toString()).sort();
        assert.deepEqual(await ids(d2), await ids(d1));
        assert.equal((await ids(d2)).length, 2);
        const d2SeenByD1 = await d1.devices.get(d2.activeDevice.id);
        assert.ok(d2SeenByD1.publicKey, "device 1 must see device 2's public key, pushed by device 2 during onboarding");

        for (const { account } of [device1, device2]) {
            assert.equal(await unpushedModificationCount(account), 0);
        }
    });

    it("an item written by device 1 (Create ×4 categories, Update, Delete) arrives decrypted on device 2", TEST, async () => {
        const { device1, device2, exchanges } = await getTwoDevices();
        const d1 = device1.account;
        const d2 = device2.account;

        const notes = await d1.getSynchronizedCollection(NOTES_COLLECTION);
        const kept = await newNote({ kind: "from-device-1", text: LONG_TEXT, pinned: false, title: "first title" });
        const removed = await newNote({ kind: "temporary", text: "to be deleted", pinned: true, title: "gone" });
        await notes.create(kept);
        await notes.create(removed);
        await withoutLoggedErrors("device 1 syncDatawallet", exchanges, () => d1.syncDatawallet());

        const updated = E2ESyncedNote.from({ ...kept.toJSON(), title: "second title ✓", pinned: true });
        await notes.update(await notes.read(kept.id.toString()), updated);
        await notes.delete(removed);
        await withoutLoggedErrors("device 1 syncEverything", exchanges, () => d1.syncEverything());
        assert.equal(await unpushedModificationCount(d1), 0, "device 1 must have pushed everything");

        assert.equal(await readNote(d2, kept.id), undefined, "not yet synced to device 2");
        const calls = await exchangesOf(exchanges, () => withoutLoggedErrors("device 2 syncEverything", exchanges, () => d2.syncEverything()));

        // the processor merges an object's modifications in response order: the server must return them by index ascending
        const [pulled] = find(calls, "GET", isModifications, "device 2 syncEverything").filter((e) => e.responseBody?.result?.length > 0);
        assert.ok(pulled, `device 2 pulled nothing:\n${describeExchanges(calls)}`);
        const pulledIndexes = pulled.responseBody.result.map((m) => m.index);
        assert.deepEqual(pulledIndexes, [...pulledIndexes].sort((a, b) => a - b), "GET /Datawallet/Modifications must be ordered by index ascending");
        assert.ok(pulled.responseBody.result.every((m) => m.createdByDevice === d1.activeDevice.id.toString()));

        const onD2 = await readNote(d2, kept.id);
        assert.ok(onD2, `device 2 does not have the note after syncing:\n${describeExchanges(exchanges.filter((e) => e.label === "device2").slice(-4))}`);
        assert.equal(onD2.kind, "from-device-1");
        assert.equal(onD2.text, LONG_TEXT);
        assert.equal(onD2.title, "second title ✓");
        assert.equal(onD2.pinned, true);
        assert.equal(await readNote(d2, removed.id), undefined, "the deleted note must not exist on device 2");
        assert.equal(await localDatawalletIndex(d2), await localDatawalletIndex(d1));
    });

    it("an item written by device 2 arrives on device 1", TEST, async () => {
        const { device1, device2, exchanges } = await getTwoDevices();
        const d1 = device1.account;
        const d2 = device2.account;
        const note = await newNote({ kind: "from-device-2", text: "ÄÖÜ äöü ß 🙂", pinned: false, title: "reply" });
        await (await d2.getSynchronizedCollection(NOTES_COLLECTION)).create(note);
        await withoutLoggedErrors("device 2 syncDatawallet", exchanges, () => d2.syncDatawallet());
        await withoutLoggedErrors("device 1 syncEverything", exchanges, () => d1.syncEverything());

        const onD1 = await readNote(d1, note.id);
        assert.ok(onD1, "device 1 does not have device 2's note");
        assert.deepEqual([onD1.kind, onD1.text, onD1.pinned, onD1.title], ["from-device-2", "ÄÖÜ äöü ß 🙂", false, "reply"]);
        assert.equal(await localDatawalletIndex(d1), await localDatawalletIndex(d2));
    });

    it("the server numbered all modifications of the identity 0,1,2,… without gaps, in push order", TEST, async () => {
        const { device1, device2, exchanges } = await getTwoDevices();
        const writes = exchanges.filter((e) => e.method !== "GET" && assignedIndexes(e).length > 0);
        assert.ok(writes.length >= 4, `expected several pushes:\n${describeExchanges(exchanges)}`);
        let next = 0;
        for (const write of writes) {
            const indexes = assignedIndexes(write);
            if (isModifications(write.url)) {
                assert.equal(write.requestBody.localIndex ?? -1, next - 1, `${write.label}: pushed with a stale localIndex`);
                assert.equal(write.responseBody.result.newIndex, next + indexes.length - 1);
            } else {
                assert.equal(write.responseBody.result.newDatawalletModificationIndex, next + indexes.length - 1);
            }
            assertConsecutive(indexes, next, `${write.label}: ${write.method} ${write.url}`);
            next += indexes.length;
        }
        assert.equal(await localDatawalletIndex(device1.account), next - 1);
        assert.equal(await localDatawalletIndex(device2.account), next - 1);
    });

    it("both devices read datawallet version 1 with the package's SyncClient", TEST, async () => {
        const { device1, device2 } = await getTwoDevices();
        for (const { account, label } of [device1, device2]) {
            const client = new SyncClient(account.config, account.authenticator);
            assert.deepEqual(expectSuccess(await client.getDatawallet(), `GET /api/v2/Datawallet (${label})`), { version: 1 });
        }
    });
});
