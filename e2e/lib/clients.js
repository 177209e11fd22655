"use strict";

// Thin wrappers around the REST clients exported by @nmshd/transport 7.0.0.
// All HTTP is done by the package's own classes (RESTClient and subclasses,
// AuthClient, AbstractAuthenticator); nothing here builds requests itself.

const {
    AbstractAuthenticator,
    BackboneCompatibilityController,
    ChallengeAuthClient,
    ChallengeClient,
    DeviceAuthClient,
    IdentityClient,
    IdentityDeletionProcessClient,
    RESTClient,
    RESTClientAuthenticate,
    VersionClient
} = require("@nmshd/transport");
// AuthClient (POST /connect/token) is not re-exported from the package index
// in 7.0.0; the package has no "exports" map, so its module is required
// directly (the same module AbstractAuthenticator uses).
const { AuthClient } = require("@nmshd/transport/dist/core/backbone/AuthClient");

/**
 * The package's authenticator (token cache, renewal 10 s before expiry, one
 * shared in-flight request, POST /connect/token via its AuthClient) fed with
 * fixed device credentials instead of an AccountController's secret store.
 * (The package's own `Authenticator` subclass reads the credentials from an
 * initialised AccountController, whose init() starts sync runs.)
 */
class DeviceCredentialsAuthenticator extends AbstractAuthenticator {
    constructor(config, credentials, correlator) {
        super(config, correlator);
        this.deviceCredentials = { username: credentials.username, password: credentials.password };
    }

    getCredentials() {
        return Promise.resolve({ ...this.deviceCredentials });
    }

    /** What DeviceController.changePassword does to the stored credentials. */
    setPassword(password) {
        this.deviceCredentials.password = password;
        this.clear();
    }

    /** The package's AuthClient instance this authenticator posts /connect/token with. */
    get packageAuthClient() {
        return this.authClient;
    }
}

/**
 * GET /api/v2/Identities/Self: the package has no client method for it in
 * 7.0.0, so it goes through the package's authenticated RESTClient base
 * class (token handling, 401 re-auth and envelope parsing are the package's).
 */
class IdentitySelfClient extends RESTClientAuthenticate {
    async getIdentity() {
        return await this.get("/api/v2/Identities/Self");
    }
}

/** Anonymous clients, as the package instantiates them. */
function anonymousClients(config) {
    return {
        auth: new AuthClient(config),
        challenge: new ChallengeClient(config),
        identity: new IdentityClient(config),
        version: new VersionClient(config),
        compatibility: new BackboneCompatibilityController(config),
        // a plain (unauthenticated) RESTClient, for "no token" checks
        raw: new RESTClient(config)
    };
}

/** Authenticated clients of one device. */
function authenticatedClients(config, authenticator) {
    return {
        challengeAuth: new ChallengeAuthClient(config, authenticator),
        deviceAuth: new DeviceAuthClient(config, authenticator),
        identitySelf: new IdentitySelfClient(config, authenticator),
        identityDeletionProcess: new IdentityDeletionProcessClient(config, authenticator)
    };
}

/**
 * Records the requests a package client sends (via an axios request
 * interceptor on its axios instance). Returns the live array.
 */
function recordRequests(client) {
    const requests = [];
    client.axiosInstance.interceptors.request.use((request) => {
        requests.push({
            method: (request.method ?? "").toUpperCase(),
            url: request.url,
            params: request.params,
            data: request.data,
            headers: typeof request.headers?.toJSON === "function" ? request.headers.toJSON() : { ...request.headers }
        });
        return request;
    });
    return requests;
}

/** Counts the POST /connect/token requests an authenticator sends. */
function recordTokenRequests(authenticator) {
    return recordRequests(authenticator.packageAuthClient);
}

module.exports = {
    DeviceCredentialsAuthenticator,
    IdentitySelfClient,
    anonymousClients,
    authenticatedClients,
    recordRequests,
    recordTokenRequests
};
