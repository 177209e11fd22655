"use strict";

// End-to-end: push notifications against a running OpenBackbone, driven by
// the published @nmshd/transport 7.0.0: device registration through
// DeviceAuthClient.registerPushNotificationToken / unregisterPushNotificationToken
// and AccountController.registerPushNotificationToken / unregisterPushNotificationToken,
// POST /Notifications through AccountController.backboneNotifications
// (BackboneNotificationsController.sendNotification and its
// BackboneNotificationsClient), and server-sent events (GET /api/v2/sse,
// authenticated with the package's authenticator) that carry the pushes the
// package's own calls cause (a relationship request → ExternalEventCreated,
// a datawallet push of another device → DatawalletModificationsCreated).
// The dev landscape enables the platforms dummy and sse and the code TestCode.
// Needs BACKBONE_BASE_URL (fails, never skips, without it).

const assert = require("node:assert/strict");
const { after, describe, it } = require("node:test");
const { CoreIdHelper } = require("@nmshd/core-types");
const { RelationshipStatus } = require("@nmshd/transport");

const { expectSuccess, expectError, expectRejectsWithCode, expectId } = require("./lib/assertions");
const { createAccount, createDevice, deviceSession } = require("./lib/accounts");
const { anonymousClients } = require("./lib/clients");
const { getTransportConfig } = require("./lib/config");
const { createTransport, createIdentityWithTwoDevices, describeExchanges, recordExchanges, E2ESyncedNote, NOTES_COLLECTION } = require("./lib/sync");
const { addRelationship } = require("./lib/relationships");
const { newSession } = require("./lib/session");
const { SSE_PATH, PushTestNotificationClient, EventStream, openEventStream, pushHandle, streamRegistry } = require("./lib/push");

const TEST = { timeout: 120_000 };

const APP_ID = "eu.enmeshed.e2e";
const NOTIFICATION_CODE = "TestCode";
const INVALID_PROPERTY = "error.platform.validation.invalidPropertyValue";
const UNSUPPORTED_APP_ID = "error.platform.unsupportedAppId";
const CODE_DOES_NOT_EXIST = "error.platform.validation.notification.codeDoesNotExist";
const NO_RELATIONSHIP = "error.platform.validation.notification.noRelationshipToOneOrMoreRecipientsExists";

// streams first: an open stream keeps node running
const streams = streamRegistry();
const twoDeviceAccounts = [];
after(async () => {
    await streams.closeAll();
    for (const account of twoDeviceAccounts) await account.close().catch(() => {});
});

const { exchanges, getAccount, step } = newSession((created, label, exchanges) => {
    // the controllers' clients are private in TypeScript only
    recordExchanges(created.account.deviceAuthClient, label, exchanges);
    recordExchanges(created.account.backboneNotifications.client, label, exchanges);
});

/** Opens the device's GET /api/v2/sse with a token from its (package) authenticator and asserts the stream opened. */
async function openStream(config, authenticator, label) {
    const stream = await streams.open(config, authenticator, label);
    assert.ok(stream instanceof EventStream, `${label}: GET /api/v2/sse was refused: ${JSON.stringify(stream)}`);
    assert.equal(stream.status, 200);
    assert.match(stream.contentType ?? "", /^text\/event-stream\b/, `${label}: content type of GET /api/v2/sse`);
    const opened = await stream.waitFor("ConnectionOpened", { what: "the opening event" });
    assert.equal(stream.events[0], opened, `${label}: ConnectionOpened must be the first event, got ${JSON.stringify(stream.names({ withKeepAlive: true }))}`);
    return stream;
}

/** Exchanges of `fn`'s package calls (label, method, path), to check statuses and that a call stayed local. */
async function exchangesOf(fn) {
    const start = exchanges.length;
    const value = await fn();
    return { value, calls: exchanges.slice(start) };
}

function callsTo(calls, method, path) {
    return calls.filter((e) => e.method === method && e.url === path);
}

const PUSH_PATH = "/api/v2/Devices/Self/PushNotifications";
const NOTIFICATIONS_PATH = "/api/v2/Notifications";

// ---------------------------------------------------------------- registration (low level: DeviceAuthClient)

let lowLevelPromise;
/** An identity made step by step (lib/accounts.js) with a second device; no AccountController. */
function getLowLevelIdentity() {
    lowLevelPromise ??= (async () => {
        const config = await getTransportConfig();
        const account = await createAccount(config);
        const created = await createDevice(account);
        const response = expectSuccess(created.createResult, "POST /api/v2/Devices");
        const second = deviceSession(config, { id: response.id, username: response.username, password: created.devicePassword });
        return { config, account, second };
    })();
    return lowLevelPromise;
}

describe("push registration through DeviceAuthClient (PUT/DELETE /api/v2/Devices/Self/PushNotifications)", () => {
    it("registering for dummy returns a DPI id that stays the same when the device registers again (also for sse, with another handle or environment)", TEST, async () => {
        const { account } = await getLowLevelIdentity();
        const client = account.clients.deviceAuth;

        const first = await client.registerPushNotificationToken({ platform: "dummy", handle: pushHandle("dummy"), appId: APP_ID });
        const dpi = expectSuccess(first, "PUT /Devices/Self/PushNotifications (dummy)").devicePushIdentifier;
        assert.equal(first.responseStatus, 200);
        expectId(dpi, "DPI", "devicePushIdentifier");
        assert.deepEqual(Object.keys(first.value), ["devicePushIdentifier"]);

        const requests = [
            { platform: "dummy", handle: pushHandle("dummy-again"), appId: APP_ID },
            { platform: "dummy", handle: pushHandle("dummy-dev", 10), appId: APP_ID, environment: "Development" },
            { platform: "dummy", handle: pushHandle("dummy-prod", 500), appId: APP_ID, environment: "Production" },
            { platform: "sse", handle: pushHandle("sse"), appId: APP_ID },
            { platform: "dummy", handle: pushHandle("dummy-back"), appId: "another.app.id" }
        ];
        for (const request of requests) {
            const again = await client.registerPushNotificationToken(request);
            const value = expectSuccess(again, `re-registration ${JSON.stringify({ ...request, handle: `${request.handle.length} chars` })}`);
            assert.equal(value.devicePushIdentifier, dpi, `the DPI must stay the same on re-registration (${request.platform}, ${request.environment ?? "no environment"})`);
        }
    });

    it("another device of the same identity gets its own DPI id", TEST, async () => {
        const { account, second } = await getLowLevelIdentity();
        const mine = expectSuccess(
            await account.clients.deviceAuth.registerPushNotificationToken({ platform: "dummy", handle: pushHandle("dummy"), appId: APP_ID }),
            "register device 1"
        ).devicePushIdentifier;
        const result = await second.clients.deviceAuth.registerPushNotificationToken({ platform: "sse", handle: pushHandle("sse"), appId: APP_ID });
        const theirs = expectSuccess(result, "register device 2").devicePushIdentifier;
        expectId(theirs, "DPI", "device 2 devicePushIdentifier");
        assert.notEqual(theirs, mine);
        const again = expectSuccess(
            await second.clients.deviceAuth.registerPushNotificationToken({ platform: "dummy", handle: pushHandle("dummy"), appId: APP_ID }),
            "re-register device 2"
        );
        assert.equal(again.devicePushIdentifier, theirs);
    });

    it("unregistering answers 204 and works twice (and on a device that never registered); registering afterwards works again", TEST, async () => {
        const { account } = await getLowLevelIdentity();
        const client = account.clients.deviceAuth;
        expectSuccess(await client.registerPushNotificationToken({ platform: "dummy", handle: pushHandle("dummy"), appId: APP_ID }), "register");

        for (const what of ["first unregister", "second unregister"]) {
            const result = await client.unregisterPushNotificationToken();
            expectSuccess(result, `DELETE /Devices/Self/PushNotifications (${what})`);
            assert.equal(result.responseStatus, 204, what);
        }

        const config = await getTransportConfig();
        const fresh = await createAccount(config);
        const never = await fresh.clients.deviceAuth.unregisterPushNotificationToken();
        expectSuccess(never, "DELETE /Devices/Self/PushNotifications without a registration");
        assert.equal(never.responseStatus, 204);

        const again = expectSuccess(await client.registerPushNotificationToken({ platform: "sse", handle: pushHandle("sse"), appId: APP_ID }), "register after unregistering");
        expectId(again.devicePushIdentifier, "DPI", "devicePushIdentifier after unregistering");
    });

    it("an unsupported platform or a handle outside 10–500 characters gives invalidPropertyValue; fcm/apns without a configured app give unsupportedAppId", TEST, async () => {
        const { account } = await getLowLevelIdentity();
        const client = account.clients.deviceAuth;
        const cases = [
            [{ platform: "carrier-pigeon", handle: pushHandle("pigeon"), appId: APP_ID }, INVALID_PROPERTY],
            [{ platform: "", handle: pushHandle("empty"), appId: APP_ID }, INVALID_PROPERTY],
            [{ platform: "dummy", handle: pushHandle("short", 9), appId: APP_ID }, INVALID_PROPERTY],
            [{ platform: "dummy", handle: pushHandle("long", 501), appId: APP_ID }, INVALID_PROPERTY],
            [{ platform: "fcm", handle: pushHandle("fcm", 152), appId: APP_ID }, UNSUPPORTED_APP_ID],
            [{ platform: "apns", handle: pushHandle("apns", 64), appId: APP_ID, environment: "Development" }, UNSUPPORTED_APP_ID]
        ];
        for (const [request, code] of cases) {
            const result = await client.registerPushNotificationToken(request);
            expectError(result, code, `PUT /Devices/Self/PushNotifications ${JSON.stringify({ ...request, handle: `${request.handle.length} chars` })}`, { status: 400 });
            assert.equal(result.error.constructor.name, "RequestError");
        }
    });
});

// ---------------------------------------------------------------- registration (AccountController)

describe("push registration through AccountController.registerPushNotificationToken / unregisterPushNotificationToken", () => {
    it("registers (dummy, then sse) with the same DPI id, unregisters twice (204 each), and rejects an unsupported platform with the RequestError code", TEST, async () => {
        const a = await getAccount("A");
        const account = a.account;

        const { value: registered, calls } = await exchangesOf(() =>
            step("A registerPushNotificationToken (dummy)", () => account.registerPushNotificationToken({ platform: "dummy", handle: pushHandle("dummy"), appId: APP_ID }))
        );
        expectId(registered.devicePushIdentifier, "DPI", "devicePushIdentifier");
        const [put] = callsTo(calls, "PUT", PUSH_PATH);
        assert.ok(put, `no PUT ${PUSH_PATH}:\n${describeExchanges(calls)}`);
        assert.equal(put.status, 200);
        assert.equal(put.requestBody.platform, "dummy");

        const again = await step("A registerPushNotificationToken (sse)", () =>
            account.registerPushNotificationToken({ platform: "sse", handle: pushHandle("sse"), appId: APP_ID, environment: "Development" })
        );
        assert.equal(again.devicePushIdentifier, registered.devicePushIdentifier, "the DPI must stay the same");

        const { calls: unregisterCalls } = await exchangesOf(async () => {
            await step("A unregisterPushNotificationToken (1)", () => account.unregisterPushNotificationToken());
            await step("A unregisterPushNotificationToken (2)", () => account.unregisterPushNotificationToken());
        });
        assert.deepEqual(
            callsTo(unregisterCalls, "DELETE", PUSH_PATH).map((e) => e.status),
            [204, 204],
            `unregistering twice:\n${describeExchanges(unregisterCalls)}`
        );

        const error = await expectRejectsWithCode(
            account.registerPushNotificationToken({ platform: "carrier-pigeon", handle: pushHandle("pigeon"), appId: APP_ID }),
            INVALID_PROPERTY,
            "AccountController.registerPushNotificationToken with platform carrier-pigeon",
            { status: 400 }
        );
        assert.equal(error.constructor.name, "RequestError");
        assert.equal(error.method, "PUT");
        assert.equal(error.path, PUSH_PATH);

        await expectRejectsWithCode(
            account.registerPushNotificationToken({ platform: "fcm", handle: pushHandle("fcm"), appId: APP_ID }),
            UNSUPPORTED_APP_ID,
            "AccountController.registerPushNotificationToken with fcm (no FCM app configured)",
            { status: 400 }
        );
    });
});

// ---------------------------------------------------------------- POST /api/v2/Notifications

let relatedPromise;
/** A and B with an Active relationship (A's template, B requests, A accepts), as upstream TestUtil.addRelationship. */
function getRelatedPair() {
    relatedPromise ??= (async () => {
        const a = await getAccount("A");
        const b = await getAccount("B");
        const relationship = await step("addRelationship A–B", () => addRelationship(a, b));
        return { a, b, relationship };
    })();
    return relatedPromise;
}

describe("notifications through AccountController.backboneNotifications (POST /api/v2/Notifications)", () => {
    it("B sends TestCode to its related peer A (204), and A to B", TEST, async () => {
        const { a, b, relationship } = await getRelatedPair();
        assert.equal(relationship.activeRequestor.status, RelationshipStatus.Active);
        const addressA = a.account.identity.address.toString();
        const addressB = b.account.identity.address.toString();

        const { calls } = await exchangesOf(() =>
            step("B sendNotification TestCode to A", () => b.account.backboneNotifications.sendNotification({ recipients: [addressA], code: NOTIFICATION_CODE }))
        );
        const [post] = callsTo(calls, "POST", NOTIFICATIONS_PATH);
        assert.ok(post, `no POST ${NOTIFICATIONS_PATH}:\n${describeExchanges(calls)}`);
        assert.equal(post.status, 204);
        assert.deepEqual(post.requestBody, { recipients: [addressA], code: NOTIFICATION_CODE });

        await step("A sendNotification TestCode to B", () => a.account.backboneNotifications.sendNotification({ recipients: [addressB], code: NOTIFICATION_CODE }));
    });

    it("an unknown code is refused with codeDoesNotExist (RequestError through the controller, error result through its client)", TEST, async () => {
        const { a, b } = await getRelatedPair();
        const addressA = a.account.identity.address.toString();
        const error = await expectRejectsWithCode(
            b.account.backboneNotifications.sendNotification({ recipients: [addressA], code: "NoSuchCode" }),
            CODE_DOES_NOT_EXIST,
            "BackboneNotificationsController.sendNotification with an unknown code",
            { status: 400 }
        );
        assert.equal(error.constructor.name, "RequestError");
        assert.equal(error.path, NOTIFICATIONS_PATH);

        const result = await b.account.backboneNotifications.client.sendNotification({ recipients: [addressA], code: "NoSuchCode" });
        expectError(result, CODE_DOES_NOT_EXIST, "BackboneNotificationsClient.sendNotification with an unknown code", { status: 400 });
    });

    it("a recipient without a relationship: the controller refuses locally, the server answers noRelationshipToOneOrMoreRecipientsExists", TEST, async () => {
        const { a, b } = await getRelatedPair();
        const c = await getAccount("C");
        const addressA = a.account.identity.address.toString();
        const addressC = c.account.identity.address.toString();

        // the package checks its local relationships first and sends nothing
        const { calls } = await exchangesOf(() =>
            expectRejectsWithCode(
                b.account.backboneNotifications.sendNotification({ recipients: [addressC], code: NOTIFICATION_CODE }),
                "error.transport.backboneNotifications.noActiveRelationshipFoundForRecipients",
                "BackboneNotificationsController.sendNotification to a stranger"
            )
        );
        assert.deepEqual(callsTo(calls, "POST", NOTIFICATIONS_PATH), [], "the controller must not have called the server");

        // the controller's BackboneNotificationsClient goes to the server
        const client = b.account.backboneNotifications.client;
        expectError(
            await client.sendNotification({ recipients: [addressC], code: NOTIFICATION_CODE }),
            NO_RELATIONSHIP,
            "BackboneNotificationsClient.sendNotification to a stranger",
            { status: 400 }
        );
        expectError(
            await client.sendNotification({ recipients: [addressA, addressC], code: NOTIFICATION_CODE }),
            NO_RELATIONSHIP,
            "BackboneNotificationsClient.sendNotification to a peer and a stranger",
            { status: 400 }
        );
        // and the stranger has no relationship to B either
        expectError(
            await c.account.backboneNotifications.client.sendNotification({ recipients: [b.account.identity.address.toString()], code: NOTIFICATION_CODE }),
            NO_RELATIONSHIP,
            "C → B",
            { status: 400 }
        );
        // the related peer is still fine through the client
        const ok = await client.sendNotification({ recipients: [addressA], code: NOTIFICATION_CODE });
        expectSuccess(ok, "BackboneNotificationsClient.sendNotification to A");
        assert.equal(ok.responseStatus, 204);
    });
});

// ---------------------------------------------------------------- server-sent events (GET /api/v2/sse)

describe("server-sent events (GET /api/v2/sse)", () => {
    it("without a token the stream is refused with 401 (the package's RESTClient: error.platform.unauthorized)", TEST, async () => {
        const config = await getTransportConfig();
        const result = await anonymousClients(config).raw.get(SSE_PATH);
        expectError(result, "error.platform.unauthorized", "GET /api/v2/sse without a token (package RESTClient)", { status: 401 });

        const refused = await openEventStream(config, { label: "anonymous" });
        assert.ok(!(refused instanceof EventStream), "an anonymous stream must not open");
        assert.equal(refused.status, 401, `anonymous GET /api/v2/sse: ${refused.body}`);
        assert.match(refused.wwwAuthenticate ?? "", /^Bearer\b/, "WWW-Authenticate of the refusal");
    });

    it("the stream opens with ConnectionOpened, keeps the device's DPI id, and SendTestNotification arrives as Test", TEST, async () => {
        const { config, account } = await getLowLevelIdentity();
        const client = account.clients.deviceAuth;
        const dpi = expectSuccess(
            await client.registerPushNotificationToken({ platform: "dummy", handle: pushHandle("dummy"), appId: APP_ID }),
            "register (dummy)"
        ).devicePushIdentifier;

        const stream = await openStream(config, account.authenticator, "low-level device 1");
        assert.equal(stream.events[0].data, "_");

        // the stream made the device's registration an sse one; re-registering keeps the DPI
        const again = expectSuccess(await client.registerPushNotificationToken({ platform: "sse", handle: pushHandle("sse"), appId: APP_ID }), "register (sse) while streaming");
        assert.equal(again.devicePushIdentifier, dpi);

        const mark = stream.mark();
        const testClient = new PushTestNotificationClient(config, account.authenticator);
        const sent = await testClient.sendTestNotification({ e2e: "push.test.js", text: "Grüße ✓" });
        expectSuccess(sent, "POST /Devices/Self/PushNotifications/SendTestNotification");
        assert.equal(sent.responseStatus, 204);
        const event = await stream.waitFor("Test", { after: mark });
        assert.equal(event.data, "_");
        await stream.close();
    });

    it("a relationship request through the package pushes ExternalEventCreated to the templator's stream before it syncs; the acceptance pushes it to the requestor's", TEST, async () => {
        const s = await getAccount("S");
        const t = await getAccount("T");
        const config = s.account.config;
        const streamS = await openStream(config, s.account.authenticator, "S (templator)");
        const streamT = await openStream(config, t.account.authenticator, "T (requestor)");

        let markT;
        const { activeTemplator, activeRequestor } = await step("addRelationship S–T", () =>
            addRelationship(s, t, {
                // T has just sent the relationship (POST /Relationships): S's external event is pushed
                afterRequest: async () => {
                    const event = await streamS.waitFor("ExternalEventCreated", { what: "ExternalEventCreated for T's relationship request" });
                    assert.equal(event.data, "_");
                },
                beforeAccept: () => {
                    markT = streamT.mark();
                }
            })
        );
        assert.equal(activeTemplator.status, RelationshipStatus.Active);
        assert.equal(activeRequestor.status, RelationshipStatus.Active);
        await streamT.waitFor("ExternalEventCreated", { after: markT, what: "ExternalEventCreated for S's acceptance" });
        const beforeAcceptance = streamT.events.slice(0, markT).map((e) => e.name);
        assert.ok(!beforeAcceptance.includes("ExternalEventCreated"), `T got an external event before S accepted: ${JSON.stringify(beforeAcceptance)}`);
        await Promise.all([streamS.close(), streamT.close()]);
    });

    it("a datawallet push (AccountController.syncDatawallet) sends DatawalletModificationsCreated to the identity's other device; Test reaches both", TEST, async () => {
        const transport = await createTransport({ datawalletEnabled: true });
        const { device1, device2, exchanges: deviceExchanges } = await createIdentityWithTwoDevices(transport);
        twoDeviceAccounts.push(device1.account, device2.account);
        const config = transport.config;

        const stream1 = await openStream(config, device1.account.authenticator, "device 1");
        const stream2 = await openStream(config, device2.account.authenticator, "device 2");
        const DWMC = "DatawalletModificationsCreated";

        async function writeNote(device, text) {
            const notes = await device.account.getSynchronizedCollection(NOTES_COLLECTION);
            await notes.create(E2ESyncedNote.from({ id: await CoreIdHelper.notPrefixed.generate(), kind: "push", text, pinned: false, title: device.label }));
            const start = deviceExchanges.length;
            try {
                await device.account.syncDatawallet();
            } catch (e) {
                e.message = `${device.label} syncDatawallet: ${e.message}\nexchanges:\n${describeExchanges(deviceExchanges.slice(start))}`;
                throw e;
            }
        }

        // Each device's write wakes the other device.
        await writeNote(device2, "device 2 wakes device 1");
        await stream1.waitFor(DWMC, { what: `${DWMC} for device 2's writes` });

        const mark2 = stream2.mark();
        await writeNote(device1, "device 1 wakes device 2");
        await stream2.waitFor(DWMC, { after: mark2, what: `${DWMC} for device 1's write` });

        // Test reaches every device of the identity.
        const marks = [stream1.mark(), stream2.mark()];
        const sent = await new PushTestNotificationClient(config, device2.account.authenticator).sendTestNotification({ from: "device 2" });
        expectSuccess(sent, "SendTestNotification (device 2)");
        assert.equal(sent.responseStatus, 204);
        await Promise.all([stream1.waitFor("Test", { after: marks[0] }), stream2.waitFor("Test", { after: marks[1] })]);
        // That the writing device itself is not told is checked deterministically by the Go tests
        // (backbone TestDatawalletChangeWakesTheOtherDevices): here pushes of the set-up's writes may still
        // arrive in any order, since the server sends in parallel.
        await Promise.all([stream1.close(), stream2.close()]);
    });
});
