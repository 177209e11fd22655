"use strict";

// Test configuration, read from the environment, turned into the transport
// library's own configuration object (Transport merges its defaults: timeouts,
// keep-alive agents, supported Backbone versions 6..7, ...).

const { Transport } = require("@nmshd/transport");

const DEFAULT_CLIENT_ID = "test";
const DEFAULT_CLIENT_SECRET = "test";

// The identity version the upstream transport tests configure; the package
// sends it as `identityVersion` in POST /api/v2/Identities.
const SUPPORTED_IDENTITY_VERSION = 1;

/**
 * Reads the environment. Throws (so that every test using it FAILS, never
 * skips) when BACKBONE_BASE_URL is not set.
 */
function readEnv(env = process.env) {
    const baseUrl = (env.BACKBONE_BASE_URL ?? "").trim().replace(/\/+$/, "");
    if (!baseUrl) {
        throw new Error(
            "BACKBONE_BASE_URL is not set. These end-to-end tests need a running OpenBackbone server, " +
                "e.g. `BACKBONE_BASE_URL=http://localhost:8080 npm test` (see e2e/README.md)."
        );
    }
    let url;
    try {
        url = new URL(baseUrl);
    } catch (e) {
        throw new Error(`BACKBONE_BASE_URL '${baseUrl}' is not a valid URL: ${e.message}`);
    }
    return {
        baseUrl,
        hostname: url.hostname,
        clientId: env.NMSHD_TEST_CLIENTID || DEFAULT_CLIENT_ID,
        clientSecret: env.NMSHD_TEST_CLIENTSECRET || DEFAULT_CLIENT_SECRET,
        // Like the runtime's `addressGenerationHostnameOverride` (needed when
        // the base URL uses an IP address instead of the DID domain name).
        addressGenerationHostnameOverride: env.BACKBONE_ADDRESS_GENERATION_HOSTNAME_OVERRIDE || undefined
    };
}

// A do-nothing event bus: Transport only stores it; AccountController & co.
// publish events to it (nobody listens in these tests).
const noopEventBus = {
    publish() {},
    subscribe() {
        return 0;
    },
    subscribeOnce() {
        return Promise.resolve();
    },
    unsubscribe() {
        return true;
    },
    close() {}
};

/** The package's IConfigOverwrite for the environment (plus optional overrides, e.g. datawalletEnabled). */
function transportConfigOverwrite(env, overrides = {}) {
    return {
        baseUrl: env.baseUrl,
        platformClientId: env.clientId,
        platformClientSecret: env.clientSecret,
        supportedIdentityVersion: SUPPORTED_IDENTITY_VERSION,
        addressGenerationHostnameOverride: env.addressGenerationHostnameOverride,
        debug: false,
        ...overrides
    };
}

let transportPromise;

/**
 * Creates (once per process) the package's Transport object, initialises
 * libsodium through it and returns its full IConfig, which every REST client
 * of the package accepts as its configuration.
 */
async function getTransportConfig() {
    transportPromise ??= (async () => {
        const transport = new Transport(transportConfigOverwrite(readEnv()), noopEventBus);
        await transport.init();
        return transport.config;
    })();
    // Do not cache a failure (e.g. missing env) as a resolved value; every
    // caller gets the same rejection, which is what we want: all tests fail.
    return await transportPromise;
}

/** The host name the client derives identity addresses from (IdentityUtil). */
function addressHostname(config) {
    return config.addressGenerationHostnameOverride ?? new URL(config.baseUrl).hostname;
}

module.exports = {
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SUPPORTED_IDENTITY_VERSION,
    readEnv,
    noopEventBus,
    transportConfigOverwrite,
    getTransportConfig,
    addressHostname
};
