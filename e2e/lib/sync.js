"use strict";

// Accounts driven by the package's high-level AccountController (identity
// creation, device onboarding, sync runs, datawallet), as upstream's
// TestUtil (packages/transport/test/testHelpers/TestUtil.ts) does it:
// Transport + AccountController on a LokiJS in-memory database.
//
// Every SyncClient request/response is recorded (see recordExchanges), so a
// failing test can print the exact wire exchange, and the package's error
// logs are captured (SyncController swallows some datawallet push errors and
// only logs them).

const { LokiJsConnection } = require("@js-soft/docdb-access-loki");
const { serialize, type, validate } = require("@js-soft/ts-serval");
const { AccountController, CoreSynchronizable, SyncClient, Transport } = require("@nmshd/transport");

const { readEnv, noopEventBus, transportConfigOverwrite } = require("./config");

/**
 * A logger factory for the package that keeps warn/error/fatal messages
 * (TransportLoggerFactory is process-global: the last Transport constructed
 * sets it). Set E2E_DEBUG=1 to print everything at warn level and above.
 */
class RecordingLoggerFactory {
    constructor() {
        this.records = [];
    }

    getLogger(name) {
        const category = typeof name === "function" ? name.name : String(name);
        const record = (level) => (...messages) => {
            this.records.push({ level, category, messages });
            if (process.env.E2E_DEBUG) console.error(`[${level}] ${category}:`, ...messages);
        };
        const ignore = () => {};
        return { trace: ignore, debug: ignore, info: ignore, warn: record("warn"), error: record("error"), fatal: record("fatal") };
    }

    errors() {
        return this.records.filter((r) => r.level === "error" || r.level === "fatal");
    }

    describeErrors() {
        return this.errors()
            .map((r) => `[${r.level}] ${r.category}: ${r.messages.map(describeLogValue).join(" ")}`)
            .join("\n");
    }
}

function describeLogValue(value) {
    if (value instanceof Error) return `${value.name}(${value.code ?? ""}): ${value.message}`;
    if (typeof value === "object") {
        try {
            return JSON.stringify(value).slice(0, 500);
        } catch (_) {
            return String(value);
        }
    }
    return String(value);
}

const loggerFactory = new RecordingLoggerFactory();

/** A Transport (libsodium initialised) for the environment; `overrides` e.g. { datawalletEnabled: true }. */
async function createTransport(overrides = {}) {
    const transport = new Transport(transportConfigOverwrite(readEnv(), overrides), noopEventBus, loggerFactory);
    await transport.init();
    return transport;
}

/**
 * Records every request and response of a package REST client (axios
 * interceptors on its axios instance). The RESTClient accepts 400/404/500 as
 * responses (validateStatus), other failures arrive as axios errors.
 */
function recordExchanges(client, label, exchanges = []) {
    const requestBody = (config) => {
        if (typeof config.data !== "string") return config.data;
        try {
            return JSON.parse(config.data);
        } catch (_) {
            return config.data;
        }
    };
    const entry = (config) => ({
        label,
        method: (config.method ?? "").toUpperCase(),
        url: config.url,
        params: snapshot(config.params),
        requestBody: snapshot(requestBody(config))
    });
    client.axiosInstance.interceptors.response.use(
        (response) => {
            // a copy: the package mutates what it received (e.g. SyncController sorts the modifications array in place)
            exchanges.push({ ...entry(response.config), status: response.status, responseBody: snapshot(response.data) });
            return response;
        },
        (error) => {
            if (error.config) {
                exchanges.push({ ...entry(error.config), status: error.response?.status, responseBody: snapshot(error.response?.data), error: error.message });
            }
            return Promise.reject(error);
        }
    );
    return exchanges;
}

function snapshot(value) {
    try {
        return structuredClone(value);
    } catch (_) {
        return value;
    }
}

/** One line per exchange, for assertion messages. */
function describeExchanges(exchanges) {
    return exchanges
        .map((e) => {
            const params = e.params ? ` ${JSON.stringify(e.params)}` : "";
            const req = e.requestBody !== undefined ? ` body=${JSON.stringify(e.requestBody)}` : "";
            return `${e.label}: ${e.method} ${e.url}${params}${req} -> ${e.status ?? e.error} ${JSON.stringify(e.responseBody)}`;
        })
        .join("\n");
}

let dbConnection;
function database(name) {
    dbConnection ??= LokiJsConnection.inMemory();
    return dbConnection.getDatabase(`acc-${name}-${Math.random().toString(36).substring(2, 9)}`);
}

async function closeDatabases() {
    await dbConnection?.close();
    dbConnection = undefined;
}

/**
 * Creates an AccountController whose SyncClient is a real package SyncClient
 * (injected through DependencyOverrides, built with the controller's own
 * authenticator) with its exchanges recorded, and runs init(): identity
 * creation (or onboarding with `deviceSharedSecret`), DatawalletVersionUpgrade
 * run, initial datawallet sync. Returns { account, exchanges, label }.
 * init() errors are rethrown with the recorded exchanges appended.
 */
async function createAccountController(transport, { label, deviceSharedSecret, exchanges = [] } = {}) {
    const db = await database(label);
    const overrides = {};
    const account = new AccountController(transport, db, transport.config, overrides);
    const syncClient = new SyncClient(transport.config, account.authenticator, transport.correlator);
    recordExchanges(syncClient, label, exchanges);
    overrides.syncClient = syncClient; // read by SyncController in init()
    try {
        await account.init(deviceSharedSecret);
    } catch (e) {
        e.message = `${label}: AccountController.init failed: ${e.message}\nSyncClient exchanges:\n${describeExchanges(exchanges)}\nlogged errors:\n${loggerFactory.describeErrors()}`;
        throw e;
    }
    return { account, syncClient, exchanges, label };
}

/**
 * What upstream TestUtil.createIdentityWithTwoDevices does: device 1 creates
 * device 2 (DevicesController.sendDevice: POST /Challenges + POST /Devices),
 * makes the shared secret, pushes its datawallet, device 2 onboards with it
 * (login with the initial password, PUT /Devices/Self/Password, datawallet
 * sync), then both sync everything.
 */
async function createIdentityWithTwoDevices(transport, { exchanges = [] } = {}) {
    const device1 = await createAccountController(transport, { label: "device1", exchanges });
    const device2Record = await device1.account.devices.sendDevice({ name: "Device2", isAdmin: true });
    const sharedSecret = await device1.account.activeDevice.secrets.createDeviceSharedSecret(device2Record, 1, true);
    await device1.account.syncDatawallet();

    const device2 = await createAccountController(transport, { label: "device2", deviceSharedSecret: sharedSecret, exchanges });

    await device1.account.syncEverything();
    await device2.account.syncEverything();
    return { device1, device2, device2Record, sharedSecret, exchanges };
}

/** The package's unpushed local modifications (must be empty after a successful sync). */
async function unpushedModificationCount(account) {
    return await account.unpushedDatawalletModifications.count();
}

/** The index of the last datawallet modification the device knows (SyncController's SyncInfo). */
async function localDatawalletIndex(account) {
    return await account.synchronization.getLocalDatawalletModificationIndex();
}

/**
 * A synchronized collection item defined with the package's own base class
 * and ts-serval decorators (like upstream's ASynchronizedCollectionItem): one
 * property per datawallet payload category, so a Create produces four
 * modifications (TechnicalData, Content, Metadata, Userdata).
 */
class E2ESyncedNote extends CoreSynchronizable {
    constructor() {
        super();
        this.technicalProperties = ["kind"];
        this.contentProperties = ["text"];
        this.metadataProperties = ["pinned"];
        this.userdataProperties = ["title"];
    }

    static from(value) {
        return this.fromAny(value);
    }
}
for (const [property, designType] of [
    ["kind", String],
    ["text", String],
    ["pinned", Boolean],
    ["title", String]
]) {
    Reflect.metadata("design:type", designType)(E2ESyncedNote.prototype, property);
    serialize()(E2ESyncedNote.prototype, property);
    validate({ nullable: true })(E2ESyncedNote.prototype, property);
}
type("E2ESyncedNote")(E2ESyncedNote);

const NOTES_COLLECTION = "E2ESyncedNotes";

module.exports = {
    RecordingLoggerFactory,
    loggerFactory,
    createTransport,
    recordExchanges,
    describeExchanges,
    closeDatabases,
    createAccountController,
    createIdentityWithTwoDevices,
    unpushedModificationCount,
    localDatawalletIndex,
    E2ESyncedNote,
    NOTES_COLLECTION
};
