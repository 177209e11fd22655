"use strict";

// Identity and device creation done step by step with the package's classes,
// mirroring what @nmshd/transport 7.0.0 does internally in
//   AccountController.createIdentityAndDevice   (identity + first device)
//   ChallengeController.createAccountCreationChallenge / createChallenge
//   DevicesController.createDevice              (additional device)
// but without an AccountController (its init() starts sync runs).

const assert = require("node:assert/strict");
const { CoreAddress, CoreDate, CoreId } = require("@nmshd/core-types");
const { CoreBuffer } = require("@nmshd/crypto");
const { Challenge, ChallengeSigned, ChallengeType, CoreCrypto, IdentityUtil, PasswordGenerator } = require("@nmshd/transport");

const { addressHostname } = require("./config");
const { anonymousClients, authenticatedClients, DeviceCredentialsAuthenticator } = require("./clients");
const { expectSuccess } = require("./assertions");

/**
 * Builds the Challenge object from a Backbone challenge response and signs
 * its serialisation with the given private key, exactly like
 * ChallengeController (type Identity; createdBy/createdByDevice only for
 * authenticated challenges).
 */
async function signChallenge(backboneChallenge, privateKey) {
    const challenge = Challenge.from({
        id: CoreId.from(backboneChallenge.id),
        expiresAt: CoreDate.from(backboneChallenge.expiresAt),
        createdBy: backboneChallenge.createdBy ? CoreAddress.from(backboneChallenge.createdBy) : undefined,
        createdByDevice: backboneChallenge.createdByDevice ? CoreId.from(backboneChallenge.createdByDevice) : undefined,
        type: ChallengeType.Identity
    });
    const serializedChallenge = challenge.serialize(false);
    const signature = await CoreCrypto.sign(CoreBuffer.fromUtf8(serializedChallenge), privateKey);
    return ChallengeSigned.from({ challenge: serializedChallenge, signature });
}

/** The POST /api/v2/Identities body, built like AccountController.createIdentityAndDevice. */
function buildCreateIdentityRequest(config, { identityKeypair, devicePassword, signedChallenge, clientId, clientSecret }) {
    return {
        devicePassword,
        identityPublicKey: identityKeypair.publicKey.toBase64(),
        signedChallenge: signedChallenge.toJSON(false),
        clientId: clientId ?? config.platformClientId,
        clientSecret: clientSecret ?? config.platformClientSecret,
        identityVersion: config.supportedIdentityVersion
    };
}

/** The POST /api/v2/Devices body, built like DevicesController.createDevice. */
function buildCreateDeviceRequest({ signedChallenge, devicePassword, isBackupDevice }) {
    return {
        signedChallenge: signedChallenge.toJSON(),
        devicePassword,
        isBackupDevice
    };
}

/**
 * Runs the identity creation flow and returns every intermediate value plus
 * the raw ClientResult of IdentityClient.createIdentity (not asserted).
 */
async function createIdentity(config, { clientId, clientSecret } = {}) {
    const anon = anonymousClients(config);
    const [identityKeypair, devicePassword] = await Promise.all([
        CoreCrypto.generateSignatureKeypair(),
        PasswordGenerator.createStrongPassword(45, 50)
    ]);

    const challengeResult = await anon.challenge.createChallenge();
    const backboneChallenge = expectSuccess(challengeResult, "POST /api/v2/Challenges (anonymous)");
    const signedChallenge = await signChallenge(backboneChallenge, identityKeypair.privateKey);

    const request = buildCreateIdentityRequest(config, { identityKeypair, devicePassword, signedChallenge, clientId, clientSecret });
    const [createResult, localAddress] = await Promise.all([
        anon.identity.createIdentity(request),
        IdentityUtil.createAddress(identityKeypair.publicKey, addressHostname(config))
    ]);

    return { identityKeypair, devicePassword, challengeResult, backboneChallenge, signedChallenge, request, createResult, localAddress };
}

/**
 * Creates an identity and asserts what AccountController asserts (success,
 * Backbone address == locally computed address). Returns an "account": the
 * identity key pair, the first device's credentials, an authenticator and the
 * authenticated clients of that device.
 */
async function createAccount(config) {
    const created = await createIdentity(config);
    const response = expectSuccess(created.createResult, "POST /api/v2/Identities");
    assert.ok(
        created.localAddress.equals(response.address),
        `The Backbone address '${response.address}' does not match the local address '${created.localAddress.toString()}'.`
    );
    const device = { id: response.device.id, username: response.device.username, password: created.devicePassword };
    const authenticator = new DeviceCredentialsAuthenticator(config, device);
    return {
        config,
        address: response.address,
        createdAt: response.createdAt,
        identityKeypair: created.identityKeypair,
        device,
        authenticator,
        clients: authenticatedClients(config, authenticator),
        creation: created
    };
}

/**
 * Registers an additional device for `account` (authenticated challenge
 * signed with the identity key, then POST /api/v2/Devices), like
 * DevicesController.createDevice. Returns the intermediate values and the
 * raw ClientResult (not asserted).
 */
async function createDevice(account, { isBackupDevice } = {}) {
    const challengeResult = await account.clients.challengeAuth.createChallenge();
    const backboneChallenge = expectSuccess(challengeResult, "POST /api/v2/Challenges (authenticated)");
    const [signedChallenge, devicePassword] = await Promise.all([
        signChallenge(backboneChallenge, account.identityKeypair.privateKey),
        PasswordGenerator.createStrongPassword(45, 50)
    ]);
    const request = buildCreateDeviceRequest({ signedChallenge, devicePassword, isBackupDevice });
    const createResult = await account.clients.deviceAuth.createDevice(request);
    return { challengeResult, backboneChallenge, signedChallenge, devicePassword, request, createResult };
}

/** Logs in as a device (new authenticator + its authenticated clients). */
function deviceSession(config, credentials) {
    const authenticator = new DeviceCredentialsAuthenticator(config, credentials);
    return { authenticator, clients: authenticatedClients(config, authenticator) };
}

module.exports = {
    signChallenge,
    buildCreateIdentityRequest,
    buildCreateDeviceRequest,
    createIdentity,
    createAccount,
    createDevice,
    deviceSession
};
