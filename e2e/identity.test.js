"use strict";

// End-to-end: identities, devices and login against a running OpenBackbone,
// driven by the published @nmshd/transport 7.0.0 client classes.
// Needs BACKBONE_BASE_URL (fails, never skips, without it).

const assert = require("node:assert/strict");
const { describe, it } = require("node:test");
const { CoreDate } = require("@nmshd/core-types");
const { CoreCrypto, IdentityUtil, PasswordGenerator, TransportCoreErrors } = require("@nmshd/transport");

const { getTransportConfig, addressHostname, readEnv } = require("./lib/config");
const { anonymousClients, recordTokenRequests, DeviceCredentialsAuthenticator, IdentitySelfClient } = require("./lib/clients");
const { createAccount, createDevice, createIdentity, deviceSession, signChallenge, buildCreateIdentityRequest } = require("./lib/accounts");
const { expectSuccess, expectError, expectRejectsWithCode, expectId, expectIsoDate } = require("./lib/assertions");

const TEST = { timeout: 60_000 };

// Lazily created, shared state. A failing step makes every test that needs it
// fail with the same root cause.
let accountPromise;
function getAccount() {
    accountPromise ??= getTransportConfig().then(createAccount);
    return accountPromise;
}

let secondDevicePromise;
function getSecondDevice() {
    secondDevicePromise ??= (async () => {
        const account = await getAccount();
        const created = await createDevice(account);
        const response = expectSuccess(created.createResult, "POST /api/v2/Devices");
        const credentials = { username: response.username, password: created.devicePassword };
        return { created, response, credentials, session: deviceSession(account.config, credentials) };
    })();
    return secondDevicePromise;
}

describe("configuration", () => {
    it("BACKBONE_BASE_URL is set", TEST, () => {
        const env = readEnv();
        assert.ok(env.baseUrl);
    });
});

describe("Backbone version (GET /api/v2/Version)", () => {
    it("VersionClient reads majorVersion 7 anonymously", TEST, async () => {
        const config = await getTransportConfig();
        const result = await anonymousClients(config).version.getBackboneVersion();
        const value = expectSuccess(result, "GET /api/v2/Version");
        assert.equal(Number(value.majorVersion), 7, `majorVersion is ${JSON.stringify(value.majorVersion)}`);
    });

    it("BackboneCompatibilityController reports the Backbone as compatible", TEST, async () => {
        const config = await getTransportConfig();
        const result = await anonymousClients(config).compatibility.checkBackboneCompatibility();
        const value = expectSuccess(result, "checkBackboneCompatibility");
        assert.equal(value.isCompatible, true, `not compatible: ${JSON.stringify(value)}`);
        assert.equal(Number(value.backboneVersion), 7);
        assert.equal(value.supportedMinBackboneVersion, 6);
        assert.equal(value.supportedMaxBackboneVersion, 7);
    });
});

describe("identity creation (POST /api/v2/Challenges, POST /api/v2/Identities)", () => {
    it("ChallengeClient gets an anonymous challenge", TEST, async () => {
        const config = await getTransportConfig();
        const result = await anonymousClients(config).challenge.createChallenge();
        const challenge = expectSuccess(result, "POST /api/v2/Challenges");
        expectId(challenge.id, "CHL", "challenge.id");
        expectIsoDate(challenge.expiresAt, "challenge.expiresAt");
        assert.ok(CoreDate.from(challenge.expiresAt).isAfter(CoreDate.utc()), "challenge.expiresAt must be in the future");
        assert.equal(challenge.createdBy, null, "anonymous challenge: createdBy must be null");
        assert.equal(challenge.createdByDevice, null, "anonymous challenge: createdByDevice must be null");
        assert.equal(result.responseStatus, 201);
    });

    it("IdentityClient creates an identity whose address equals IdentityUtil's local address", TEST, async () => {
        const account = await getAccount();
        const { createResult, localAddress, identityKeypair } = account.creation;
        const response = createResult.value;

        assert.equal(createResult.responseStatus, 201);
        assert.equal(response.address, localAddress.toString());
        assert.match(response.address, /^did:e:((?:[a-z0-9-]+\.)*[a-z]{2,}):dids:[0-9a-f]{20}[0-9a-f]{2}$/);
        assert.ok(response.address.startsWith(`did:e:${addressHostname(account.config)}:dids:`));
        assert.equal(await IdentityUtil.checkAddress(localAddress, addressHostname(account.config), identityKeypair.publicKey), true);
        expectId(response.device.id, "DVC", "device.id");
        expectId(response.device.username, "USR", "device.username");
        expectIsoDate(response.createdAt, "createdAt");
    });

    it("a challenge signed with a different key is rejected with invalidSignature", TEST, async () => {
        const config = await getTransportConfig();
        const anon = anonymousClients(config);
        const [identityKeypair, otherKeypair] = await Promise.all([CoreCrypto.generateSignatureKeypair(), CoreCrypto.generateSignatureKeypair()]);
        const backboneChallenge = expectSuccess(await anon.challenge.createChallenge(), "POST /api/v2/Challenges");
        const signedChallenge = await signChallenge(backboneChallenge, otherKeypair.privateKey);
        const request = buildCreateIdentityRequest(config, { identityKeypair, devicePassword: "Passw0rd!-e2e-invalid-signature", signedChallenge });
        const result = await anon.identity.createIdentity(request);
        expectError(result, "error.platform.validation.device.invalidSignature", "POST /api/v2/Identities with a foreign signature", { status: 400 });
    });

    it("a wrong client secret yields error.platform.unauthorized (the client's platformClientInvalid)", TEST, async () => {
        const config = await getTransportConfig();
        const { createResult } = await createIdentity(config, { clientSecret: `${config.platformClientSecret}-wrong` });
        expectError(createResult, "error.platform.unauthorized", "POST /api/v2/Identities with a wrong client secret", { status: 400 });
        // AccountController.createIdentityAndDevice turns exactly this code into:
        assert.equal(TransportCoreErrors.general.platformClientInvalid().code, "error.transport.general.platformClientInvalid");
    });

    it("IdentityClient.checkIfIdentityIsDeleted reports isDeleted false", TEST, async () => {
        const account = await getAccount();
        const result = await anonymousClients(account.config).identity.checkIfIdentityIsDeleted(account.device.username);
        const value = expectSuccess(result, "GET /api/v2/Identities/IsDeleted");
        assert.deepEqual(value, { isDeleted: false, deletionDate: null });
    });
});

describe("login (POST /connect/token) and GET /api/v2/Identities/Self", () => {
    it("the package's authenticator logs in once for concurrent calls and GET /Identities/Self returns the identity", TEST, async () => {
        const account = await getAccount();
        const authenticator = new DeviceCredentialsAuthenticator(account.config, account.device);
        const tokenRequests = recordTokenRequests(authenticator);
        const client = new IdentitySelfClient(account.config, authenticator);

        const results = await Promise.all([client.getIdentity(), client.getIdentity(), client.getIdentity()]);
        const identities = results.map((r) => expectSuccess(r, "GET /api/v2/Identities/Self"));
        assert.equal(tokenRequests.length, 1, "the token must be requested exactly once and then reused");

        const form = new URLSearchParams(tokenRequests[0].data);
        assert.equal(form.get("grant_type"), "password");
        assert.equal(form.get("client_id"), account.config.platformClientId);
        assert.equal(form.get("username"), account.device.username);

        const identity = identities[0];
        assert.equal(identity.address, account.address);
        assert.equal(identity.identityVersion, account.config.supportedIdentityVersion);
        assert.equal(identity.status, "Active");
        assert.equal(identity.deletionGracePeriodEndsAt, null);
        expectId(identity.tierId, "TIR", "tierId");
        expectIsoDate(identity.createdAt, "createdAt");
    });

    it("AuthClient returns a token and its expiry", TEST, async () => {
        const account = await getAccount();
        const result = await anonymousClients(account.config).auth.authenticate({
            grantType: "password",
            clientId: account.config.platformClientId,
            clientSecret: account.config.platformClientSecret,
            username: account.device.username,
            password: account.device.password
        });
        const value = expectSuccess(result, "POST /connect/token");
        assert.equal(typeof value.token, "string");
        assert.ok(value.token.length > 0);
        assert.ok(value.expiry.isAfter(CoreDate.utc().add({ seconds: 30 })), `token expiry too short: ${value.expiry.toISOString()}`);
    });

    it("a request without a token is answered 401 (error.platform.unauthorized)", TEST, async () => {
        const config = await getTransportConfig();
        const result = await anonymousClients(config).raw.get("/api/v2/Identities/Self");
        expectError(result, "error.platform.unauthorized", "GET /api/v2/Identities/Self without token", { status: 401 });
    });

    it("an invalid token gets 401 and the package re-authenticates and retries once", TEST, async () => {
        const account = await getAccount();
        const { authenticator, clients } = deviceSession(account.config, account.device);
        const tokenRequests = recordTokenRequests(authenticator);
        // plant a bogus, unexpired token in the package's authenticator cache
        authenticator.token = "this-is-not-a-valid-token";
        authenticator.expiry = CoreDate.utc().add({ minutes: 5 });

        const identity = expectSuccess(await clients.identitySelf.getIdentity(), "GET /api/v2/Identities/Self after re-authentication");
        assert.equal(identity.address, account.address);
        assert.equal(tokenRequests.length, 1, "expected exactly one re-authentication after the 401");
    });

    it("a wrong password yields error.transport.request.noAuthGrant (HTTP 400)", TEST, async () => {
        // a dedicated identity, so failed logins cannot lock out the shared one
        const config = await getTransportConfig();
        const account = await createAccount(config);
        const wrong = { username: account.device.username, password: `${account.device.password}x` };

        const result = await anonymousClients(config).auth.authenticate({
            grantType: "password",
            clientId: config.platformClientId,
            clientSecret: config.platformClientSecret,
            ...wrong
        });
        expectError(result, "error.transport.request.noAuthGrant", "POST /connect/token with a wrong password", { status: 400 });

        const authenticator = new DeviceCredentialsAuthenticator(config, wrong);
        await expectRejectsWithCode(authenticator.getToken(), "error.transport.request.noAuthGrant", "Authenticator.getToken with a wrong password", {
            status: 400
        });

        // two failures do not lock the account (lockout starts at 3)
        const ok = new DeviceCredentialsAuthenticator(config, account.device);
        assert.ok(await ok.getToken());
    });

    it("an unknown username yields error.transport.request.noAuthGrant (HTTP 400)", TEST, async () => {
        const config = await getTransportConfig();
        const result = await anonymousClients(config).auth.authenticate({
            grantType: "password",
            clientId: config.platformClientId,
            clientSecret: config.platformClientSecret,
            username: "USRdoesNotExist00000",
            password: "whatever"
        });
        expectError(result, "error.transport.request.noAuthGrant", "POST /connect/token with an unknown username", { status: 400 });
    });
});

describe("devices (POST /api/v2/Devices, /api/v2/Devices/Self)", () => {
    it("ChallengeAuthClient creates an authenticated challenge bound to the caller and reads it back", TEST, async () => {
        const account = await getAccount();
        const result = await account.clients.challengeAuth.createChallenge();
        const challenge = expectSuccess(result, "POST /api/v2/Challenges (authenticated)");
        assert.equal(result.responseStatus, 201);
        expectId(challenge.id, "CHL", "challenge.id");
        expectIsoDate(challenge.expiresAt, "challenge.expiresAt");
        assert.equal(challenge.createdBy, account.address);
        assert.equal(challenge.createdByDevice, account.device.id);

        const read = expectSuccess(await account.clients.challengeAuth.getChallenge(challenge.id), "GET /api/v2/Challenges/{id}");
        assert.equal(read.id, challenge.id);
        assert.equal(read.createdBy, account.address);
        assert.equal(read.createdByDevice, account.device.id);
    });

    it("DeviceAuthClient registers a second device with a challenge signed by the identity key", TEST, async () => {
        const account = await getAccount();
        const { created, response } = await getSecondDevice();
        assert.equal(created.createResult.responseStatus, 201);
        expectId(response.id, "DVC", "device.id");
        expectId(response.username, "USR", "device.username");
        assert.notEqual(response.id, account.device.id);
        assert.notEqual(response.username, account.device.username);
        assert.equal(response.createdByDevice, account.device.id);
        assert.equal(response.isBackupDevice, false);
        expectIsoDate(response.createdAt, "device.createdAt");
        // the signed challenge is the authenticated one
        const challenge = JSON.parse(created.signedChallenge.challenge);
        assert.equal(challenge.createdBy, account.address);
        assert.equal(challenge.createdByDevice, account.device.id);
    });

    it("the second device logs in and GET /Devices/Self and /Identities/Self describe it", TEST, async () => {
        const account = await getAccount();
        const { response, session } = await getSecondDevice();
        assert.ok(await session.authenticator.getToken());

        const device = expectSuccess(await session.clients.deviceAuth.getCurrentDevice(), "GET /api/v2/Devices/Self");
        assert.equal(device.id, response.id);
        assert.equal(device.username, response.username);
        assert.equal(device.createdByDevice, account.device.id);
        assert.equal(device.isBackupDevice, false);
        assert.equal(device.communicationLanguage, "en");
        assert.ok(device.lastLogin, "lastLogin must be set after the first login");
        expectIsoDate(device.lastLogin.time, "lastLogin.time");

        const identity = expectSuccess(await session.clients.identitySelf.getIdentity(), "GET /api/v2/Identities/Self (second device)");
        assert.equal(identity.address, account.address);
    });

    it("the second device changes its password (PUT /Devices/Self/Password)", TEST, async () => {
        const account = await getAccount();
        const { session, credentials } = await getSecondDevice();
        const newPassword = await PasswordGenerator.createStrongPassword(45, 50);

        const result = await session.clients.deviceAuth.changeDevicePassword({ oldPassword: credentials.password, newPassword });
        expectSuccess(result, "PUT /api/v2/Devices/Self/Password");

        const login = (password) =>
            anonymousClients(account.config).auth.authenticate({
                grantType: "password",
                clientId: account.config.platformClientId,
                clientSecret: account.config.platformClientSecret,
                username: credentials.username,
                password
            });
        expectError(await login(credentials.password), "error.transport.request.noAuthGrant", "login with the old password", { status: 400 });
        expectSuccess(await login(newPassword), "login with the new password");

        // what DeviceController.changePassword does: store the new password, then keep working
        credentials.password = newPassword;
        session.authenticator.setPassword(newPassword);
        expectSuccess(await session.clients.deviceAuth.getCurrentDevice(), "GET /api/v2/Devices/Self with the new password");
    });

    it("the second device updates its communication language (PUT /Devices/Self)", TEST, async () => {
        const { session } = await getSecondDevice();
        const result = await session.clients.deviceAuth.updateCurrentDevice({ communicationLanguage: "de" });
        expectSuccess(result, "PUT /api/v2/Devices/Self");
        const device = expectSuccess(await session.clients.deviceAuth.getCurrentDevice(), "GET /api/v2/Devices/Self");
        assert.equal(device.communicationLanguage, "de");
    });

    it("an invalid communication language ('fra') is rejected", TEST, async () => {
        const { session } = await getSecondDevice();
        const result = await session.clients.deviceAuth.updateCurrentDevice({ communicationLanguage: "fra" });
        expectError(result, "error.platform.validation.invalidDeviceCommunicationLanguage", "PUT /api/v2/Devices/Self with 'fra'", { status: 400 });
    });
});
